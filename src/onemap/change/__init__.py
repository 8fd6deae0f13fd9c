"""Vintage diff and change classification (变化监测)."""
