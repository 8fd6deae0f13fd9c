"""Typed indicator catalog entries, values with history, and evaluations (指标、监测值、评估)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

TargetKind = Literal["at_least", "at_most", "not_below_national_quota",
                     "not_above_national_quota", "cumulative_at_least", "info"]
Method = Literal["class_area", "layer_area", "class_change", "intensity_decline",
                 "statistic", "statistic_intensity_decline"]
Warning = Literal["green", "yellow", "red", "none"]
SourceKind = Literal["layers", "import", "entered", "derived"]
ReportMode = Literal["annual", "midterm", "final"]

SPATIAL_METHODS: frozenset[str] = frozenset(
    {"class_area", "layer_area", "class_change", "intensity_decline"})
WARNING_ZH = {"green": "绿色（正常）", "yellow": "黄色（预警）", "red": "红色（警报）",
              "none": "无（不预警）"}


class Computation(BaseModel):
    """How an indicator is obtained: a spatial query over named layers, or statistics.

    Methods
    -------
    ``class_area``: Σ TBDLMJ of ``classes`` in ``layers[0]`` (DLTB) of the year's vintage.
    ``layer_area``: Σ ellipsoidal area of the polygons of ``layers[0]`` (e.g. pbf, hsf).
    ``class_change``: area that became one of ``classes`` between vintage y−1 and y
    (previous class not in ``classes``), overlay of the two DLTB vintages.
    ``intensity_decline``: decline (%) of Σ TBDLMJ of ``classes`` per unit of the
    statistic ``statistics[0]`` against the baseline year.
    ``statistic``: the value is entered or imported per region and year.
    ``statistic_intensity_decline``: decline (%) of ``statistics[0]`` per unit of
    ``statistics[1]`` against the baseline year.
    """

    method: Method
    layers: list[str] = Field(default_factory=list, description="layer kinds read (图层)")
    classes: list[str] = Field(default_factory=list, description="DLBM land-class codes (地类)")
    statistics: list[str] = Field(default_factory=list,
                                  description="statistic inputs used (统计数据, e.g. gdp)")
    additive: bool = Field(default=True, description="region totals are sums of counties")
    accumulate: bool = Field(
        default=False,
        description="values are yearly amounts; progress counts their sum since the baseline")

    @property
    def spatial(self) -> bool:
        """True when the value is computed from layers."""
        return self.method in SPATIAL_METHODS


class Indicator(BaseModel):
    """One plan indicator (规划指标) of the catalog, editable in the workspace."""

    id: str
    name_zh: str
    name_en: str
    unit: str = Field(description="单位: 万亩, km2, %, 处, 座, 幅")
    baseline_year: int = 2020
    baseline_value: float | None = Field(default=None, description="基期值 (province)")
    target_year: int = 2025
    target_value: float | None = Field(default=None, description="目标值 (province)")
    target_kind: TargetKind
    regions: list[str] = Field(default_factory=list,
                               description="行政区划代码 the indicator applies to (none: the "
                                           "whole workspace)")
    computation: Computation
    source_note: str = Field(default="", description="computable_from in the plan table")
    seed_section: str = ""

    @property
    def uses_quota(self) -> bool:
        """True for the kinds whose target is a national quota given per region."""
        return self.target_kind in ("not_below_national_quota", "not_above_national_quota")


class StatisticInput(BaseModel):
    """A statistic that is not an indicator itself but feeds one (GDP, water use)."""

    id: str
    name_zh: str
    name_en: str
    unit: str


class LayerRef(BaseModel):
    """A layer vintage a value was computed from, with the catalog revision at the time."""

    kind: str
    vintage: int
    revision: int


class ValueSource(BaseModel):
    """Where a value came from: layers and vintages, an import file, or a person."""

    kind: SourceKind
    layers: list[LayerRef] = Field(default_factory=list)
    file: str = Field(default="", description="imported file name (导入文件)")
    entered_by: str = Field(default="", description="who entered or imported it (填报人)")
    inputs: list[str] = Field(default_factory=list, description="statistic series used")
    note: str = ""


class ValueRecord(BaseModel):
    """One recorded value (the current one or an older one kept in the history)."""

    value: float | None
    source: ValueSource
    recorded_at: datetime
    recorded_by: str


class IndicatorValue(BaseModel):
    """The value of an indicator (or statistic input) for one region and year."""

    id: str = Field(description="indicator id or statistic input id")
    region: str = Field(description="行政区划代码 (province, city or county)")
    year: int
    value: float | None
    source: ValueSource
    recorded_at: datetime
    recorded_by: str
    history: list[ValueRecord] = Field(
        default_factory=list, description="earlier values, oldest first (更正记录, append-only)")


class Quota(BaseModel):
    """A target given to one region (national quota or a region's share of the target)."""

    id: str
    region: str
    value: float
    recorded_at: datetime | None = None
    recorded_by: str = ""


class Evaluation(BaseModel):
    """Progress, pace, projections and the warning of one indicator in one region."""

    id: str
    name: str
    unit: str
    region: str
    region_name: str = ""
    year: int = Field(description="evaluation year (体检年度)")
    value_year: int | None = Field(default=None, description="year of the value used")
    value: float | None = Field(description="current value (cumulative since baseline "
                                            "for yearly-amount indicators)")
    baseline_year: int
    baseline: float | None
    target_year: int
    target: float | None = Field(description="target or quota for this region")
    target_kind: TargetKind
    progress: float | None = Field(default=None,
                                   description="share of the planned change achieved (0-1+)")
    expected: float | None = Field(default=None,
                                   description="value on the straight path baseline → target")
    pace_needed: float | None = Field(default=None,
                                      description="change needed per remaining year")
    pace_recent: float | None = Field(default=None,
                                      description="recent change per year (last 3 years)")
    remaining_years: int = 0
    projection_linear: float | None = Field(
        default=None, description="target-year value on the line baseline → current")
    projection_trend: float | None = Field(
        default=None, description="target-year value on the recent trend (least squares, "
                                  "last 3 values)")
    projection_used: Literal["linear", "trend", "none"] = "none"
    warning: Warning
    rule_id: str
    rule: str = Field(description="the rule that decided the warning, with its figures")
    figures: dict[str, float] = Field(default_factory=dict,
                                      description="the figures the rule text quotes")
    history: list[tuple[int, float]] = Field(default_factory=list,
                                             description="(year, value) series used")
    withheld: bool = Field(default=False,
                           description="the values come from a layer the reader may not "
                                       "read (涉密/未发布): shown without value, progress "
                                       "or warning")


class EvaluationSet(BaseModel):
    """All evaluations of a health check (体检) for a year."""

    year: int
    mode: ReportMode = "annual"
    generated_at: datetime
    evaluations: list[Evaluation]

    def counts(self) -> dict[str, int]:
        """Return the number of evaluations per warning level."""
        out = {"green": 0, "yellow": 0, "red": 0, "none": 0}
        for e in self.evaluations:
            out[e.warning] += 1
        return out


class IndicatorExport(BaseModel):
    """What a report or XLSX download holds: the evaluations and (for XLSX) every value."""

    evaluations: EvaluationSet
    values: list[IndicatorValue] = Field(default_factory=list)


class ValueEntry(BaseModel):
    """A value entered (or corrected) by a user through the API."""

    id: str = Field(max_length=64, description="indicator or statistic input id")
    region: str = Field(pattern=r"^\d{6}$", description="行政区划代码")
    year: int = Field(ge=1949, le=2100)
    value: float | None = Field(allow_inf_nan=False)
    note: str = Field(default="", max_length=500, description="reason of a correction")


class QuotaEntry(BaseModel):
    """A national quota / target given to a region, entered through the API."""

    id: str = Field(max_length=64)
    region: str = Field(pattern=r"^\d{6}$")
    value: float = Field(allow_inf_nan=False)


class IndicatorEdit(BaseModel):
    """Editable fields of a catalog entry (None leaves a field unchanged)."""

    name_zh: str | None = None
    name_en: str | None = None
    unit: str | None = None
    baseline_year: int | None = Field(default=None, ge=1949, le=2100)
    baseline_value: float | None = Field(default=None, allow_inf_nan=False)
    target_year: int | None = Field(default=None, ge=1949, le=2100)
    target_value: float | None = Field(default=None, allow_inf_nan=False)
    target_kind: TargetKind | None = None
    regions: list[str] | None = None
