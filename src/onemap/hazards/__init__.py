"""Geological hazard meteorological early warning (地质灾害气象风险预警) with its closed loop."""
