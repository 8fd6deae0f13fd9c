"""Plan indicators (规划指标): catalog, values with history, evaluation and warnings."""
