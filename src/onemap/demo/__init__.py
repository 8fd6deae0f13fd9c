"""Jiangxi demo province: real boundaries, synthetic survey vintages, ground truth."""
