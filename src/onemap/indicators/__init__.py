"""Plan indicators, projection and early warning (规划指标监测预警)."""
