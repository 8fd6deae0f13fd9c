"""Errors of plan indicators (规划指标监测预警)."""

from __future__ import annotations

from onemap.errors import InvalidInput, NotFound


class UnknownIndicator(NotFound):
    """No indicator (or statistic input) with this id is in the workspace catalog."""

    code = "indicator_not_found"


class IndicatorInputError(InvalidInput):
    """A statistics file or an entered value cannot be accepted (bad id, region, year, value)."""

    code = "indicator_input_error"


class SourceLayerMissing(NotFound):
    """A layer vintage (or statistic) a spatial indicator needs is not in the workspace."""

    code = "indicator_source_missing"
