"""Typed inputs and results of geohazard warning (地质灾害气象风险预警), the only schemas.

A warning is never a bare colour: every :class:`SiteWarning` carries the rainfall figures
that made it (effective antecedent rainfall, the day's forecast, the threshold crossed, the
intensity–duration check) and the rule, in words, that turned them into the level.
"""

from __future__ import annotations

import itertools
from datetime import date, datetime
from enum import IntEnum, StrEnum
from typing import Any, Literal

from pydantic import BaseModel, Field, model_validator


class Level(IntEnum):
    """Warning levels (预警等级): 0 none, 4 蓝 (IV) … 1 红 (I) stored as severity 1–4."""

    NONE = 0
    BLUE = 1  # 蓝色 IV级 (风险一般)
    YELLOW = 2  # 黄色 III级 (风险较高)
    ORANGE = 3  # 橙色 II级 (风险高)
    RED = 4  # 红色 I级 (风险很高)


LEVEL_NAMES = {"none": Level.NONE, "blue": Level.BLUE, "yellow": Level.YELLOW,
               "orange": Level.ORANGE, "red": Level.RED}
LEVEL_ZH = {Level.NONE: "无", Level.BLUE: "蓝色(IV级)", Level.YELLOW: "黄色(III级)",
            Level.ORANGE: "橙色(II级)", Level.RED: "红色(I级)"}
LEVEL_EN = {Level.NONE: "none", Level.BLUE: "blue (IV)", Level.YELLOW: "yellow (III)",
            Level.ORANGE: "orange (II)", Level.RED: "red (I)"}
LEVEL_COLOUR = {Level.NONE: "#ffffff", Level.BLUE: "#1f78b4", Level.YELLOW: "#ffd92f",
                Level.ORANGE: "#ff7f00", Level.RED: "#e31a1c"}
SUSCEPTIBILITY = ("高", "中", "低")  # 易发程度: 高易发 / 中易发 / 低易发
POINT_TYPES = {"landslide": "滑坡", "collapse": "崩塌", "debris_flow": "泥石流",
               "subsidence": "地面塌陷"}
POINT_STATUS = {"registered": "在册", "treated": "已治理", "relocated": "已搬迁",
                "cancelled": "核销"}


class IntensityDuration(BaseModel):
    """The power-law check ``I = α·D^−β`` (I mm/h, D h) for short intense rain."""

    alpha: float = Field(14.82, gt=0, description="α (mm/h at D = 1 h)")
    beta: float = Field(0.39, gt=0, lt=2, description="β (dimensionless)")
    min_level: Level = Field(Level.YELLOW, description="level an exceedance raises a site to")
    wet_day_mm: float = Field(1.0, ge=0, description="a day with at least this much is rainy")
    source: str = ""


class Rules(BaseModel):
    """A warning rule file (预警规则): model parameters, thresholds, level matrix, sources."""

    name: str = "default"
    k: float = Field(0.8, gt=0, lt=1, description="decay coefficient K of Pe")
    days: int = Field(10, ge=1, le=60, description="antecedent days n of Pe")
    thresholds: dict[str, list[float]] = Field(
        description="易发程度 → critical effective rainfall (mm) of rainfall grades 1–4")
    matrix: dict[str, list[Level]] = Field(
        description="易发程度 → warning level for rainfall grades 0–4 (the level matrix)")
    default_susceptibility: str = "中"
    idf: IntensityDuration = Field(default_factory=IntensityDuration)
    station_method: Literal["idw", "thiessen"] = "idw"
    idw_power: float = Field(2.0, gt=0)
    idw_neighbours: int = Field(4, ge=1, le=32)
    sources: dict[str, str] = Field(default_factory=dict, description="what each part cites")

    @model_validator(mode="after")
    def _consistent(self) -> Rules:
        for cls in SUSCEPTIBILITY:
            t = self.thresholds.get(cls)
            if t is None or len(t) != 4 or any(b <= a for a, b in itertools.pairwise(t)):
                raise ValueError(f"thresholds.{cls} must be four increasing values (mm)")
            m = self.matrix.get(cls)
            if m is None or len(m) != 5 or any(b < a for a, b in itertools.pairwise(m)):
                raise ValueError(f"matrix.{cls} must be five non-decreasing levels (grade 0–4)")
        if self.default_susceptibility not in SUSCEPTIBILITY:
            raise ValueError("default_susceptibility must be 高, 中 or 低")
        return self

    def level_thresholds(self, susceptibility: str) -> dict[Level, float | None]:
        """Critical Pe (mm) at which each level starts for one class (None: never reached)."""
        t, m = self.thresholds[susceptibility], self.matrix[susceptibility]
        out: dict[Level, float | None] = {}
        for level in (Level.BLUE, Level.YELLOW, Level.ORANGE, Level.RED):
            grade = next((g for g in range(1, 5) if m[g] >= level), None)
            out[level] = None if grade is None else t[grade - 1]
        return out


class Station(BaseModel):
    """A rain gauge (雨量站)."""

    id: str
    lon: float
    lat: float
    name: str = ""


class RainfallImport(BaseModel):
    """What a station CSV import stored."""

    file: str
    stations: int
    new_stations: int
    days: int
    values: int
    first_day: date
    last_day: date
    hourly: bool = Field(description="the file held hourly values, summed to daily totals")


class ForecastGrid(BaseModel):
    """A stored gridded rainfall forecast (网格降雨预报)."""

    id: int
    valid_on: date = Field(description="the day the forecast rain falls")
    lead_hours: int = Field(description="24 / 48 / 72")
    file: str
    source_file: str
    crs: str
    shape: tuple[int, int]
    band: int
    max_mm: float
    mean_mm: float


class SiteWarning(BaseModel):
    """The warning of one hazard point or risk zone, with the figures and the rule."""

    site: Literal["point", "zone"]
    id: str = Field(description="灾害点编号 / 风险区编号")
    county: str
    susceptibility: str = Field(description="易发程度")
    level: Level
    level_zh: str
    colour: str
    grade: int = Field(description="rainfall grade 0–4 from the class thresholds")
    pe_mm: float = Field(description="effective rainfall Pe = R0 + Σ K^i·R_i (mm)")
    forecast_mm: float = Field(description="R0: the day's rain (forecast grid or observed)")
    antecedent_mm: float = Field(description="Σ K^i·R_i over the antecedent days (mm)")
    threshold_mm: float | None = Field(description="the critical Pe of the grade reached")
    id_intensity: float = Field(description="mean intensity of the current rain event (mm/h)")
    id_duration_h: float = Field(description="duration of the current rain event (h)")
    id_exceeded: bool = Field(description="I ≥ α·D^−β")
    rule: str = Field(description="how the figures gave the level, in words")
    lon: float
    lat: float
    kind: str = ""
    status: str = ""
    area_m2: float | None = Field(None, description="zone area, m² on the CGCS2000 ellipsoid")
    geometry: dict[str, Any] | None = None


class WarningRun(BaseModel):
    """The warnings of one day for every point and zone in the caller's scope."""

    on: date
    rules: str
    k: float
    days: int
    station_method: str
    forecast: ForecastGrid | None = Field(description="the grid used for R0 (None: observed)")
    points: list[SiteWarning]
    zones: list[SiteWarning]
    counts: dict[str, int] = Field(description="warned sites per level name")


class BatchStatus(StrEnum):
    """States of a warning batch (预警批次)."""

    ISSUED = "issued"  # 已发布
    CLOSED = "closed"  # 已解除


class ResponseKind(StrEnum):
    """Responses to a notice (响应)."""

    NOTIFIED = "notified"  # 已通知
    PATROLLED = "patrolled"  # 已巡查
    EVACUATED = "evacuated"  # 已撤离
    REPORTED = "reported"  # 险情上报


RESPONSE_ZH = {"notified": "已通知", "patrolled": "已巡查", "evacuated": "已撤离",
               "reported": "险情上报"}


class IssueRequest(BaseModel):
    """Issue (发布) warning batches for a window: one batch per county with warned sites."""

    on: date = Field(description="the day warned for")
    hours: int = Field(24, ge=1, le=72, description="length of the window (h)")
    counties: list[str] | None = Field(None, description="only these counties")
    min_level: Level = Field(Level.BLUE, description="warn sites at or above this level")
    note: str = Field("", max_length=2000)


class Notice(BaseModel):
    """The notice of one warned point to its responsible person and monitor (预警通知)."""

    id: int
    batch_id: int
    point_id: str
    county: str
    level: Level
    level_zh: str
    responsible: str = Field(description="责任人")
    monitor: str = Field(description="群测群防员")
    phone: str = Field(description="联系电话")
    threatened_people: int = Field(description="威胁人口")
    sms: str = Field(description="SMS text (短信文本)")
    responses: list[str] = Field(default_factory=list, description="response kinds so far")
    people_moved: int = 0


class Batch(BaseModel):
    """A warning batch (预警批次) of one county."""

    id: int
    batch_no: str
    county: str
    status: BatchStatus
    status_zh: str
    on: date
    window_start: datetime
    window_end: datetime
    rules: str
    points: int
    zones: int
    max_level: Level
    counts: dict[str, int]
    zone_area_m2: float = Field(0.0, description="warned zones, m² (CGCS2000 ellipsoid)")
    zone_area_ha: float = Field(0.0, description="warned zones, 公顷")
    zone_area_mu: float = Field(0.0, description="warned zones, 亩")
    issued_by: str
    issued_at: datetime
    closed_by: str | None = None
    closed_at: datetime | None = None
    summary: dict[str, Any] = Field(default_factory=dict, description="feedback summary (解除)")
    note: str = ""


class BatchDetail(Batch):
    """A batch with its warnings, notices and responses."""

    warnings: list[SiteWarning]
    notices: list[Notice]
    responses: list[Response]


class IssueResult(BaseModel):
    """What :func:`issue` created."""

    on: date
    batches: list[Batch]
    skipped: list[str] = Field(description="counties with nothing at or above min_level")


class ResponseRequest(BaseModel):
    """Record a response (响应) to a notice of a batch."""

    point_id: str
    kind: ResponseKind
    people_moved: int = Field(0, ge=0, le=1_000_000, description="撤离人数 (evacuated only)")
    comment: str = Field("", max_length=2000)
    at: datetime | None = None


class Response(BaseModel):
    """One recorded response; never changed."""

    id: int
    batch_id: int
    point_id: str
    kind: ResponseKind
    kind_zh: str
    people_moved: int
    comment: str
    actor: str
    at: datetime


class CloseRequest(BaseModel):
    """Lift (解除) a batch with the feedback of the field."""

    comment: str = Field("", max_length=4000)


class EventRequest(BaseModel):
    """A reported geohazard event (灾情/险情): a landslide at a point on a day."""

    point_id: str
    on: date
    kind: str = "landslide"
    casualties: int = Field(0, ge=0)
    comment: str = Field("", max_length=2000)


class HazardEvent(BaseModel):
    """A recorded event, linked to the batch that warned its point (or a miss)."""

    id: int
    point_id: str
    county: str
    on: date
    kind: str
    casualties: int
    batch_id: int | None
    warned_level: Level
    covered: bool = Field(description="a batch warned the point for that day (命中)")
    actor: str
    at: datetime
    comment: str = ""


class StatusChange(BaseModel):
    """One entry of a point's status history (在册/已治理/已搬迁/核销)."""

    point_id: str
    county: str
    status: str
    status_zh: str
    reason: str
    actor: str
    at: datetime


class Contingency(BaseModel):
    """Hits, misses and false alarms of warnings at or above one level (site-days)."""

    level: Level
    county: str = Field(description="county code, or 'all'")
    hits: int
    misses: int
    false_alarms: int
    correct_negatives: int
    pod: float | None = Field(description="probability of detection h/(h+m)")
    far: float | None = Field(description="false-alarm ratio f/(h+f)")
    csi: float | None = Field(description="critical success index h/(h+m+f)")
    tss: float | None = Field(description="true skill statistic POD − f/(f+cn)")


class ScoreReport(BaseModel):
    """The hindcast (回算检验) over a period: every site-day of hazard points."""

    start: date
    end: date
    rules: str
    points: int
    events: int
    rows: list[Contingency]


class CalibrationResult(BaseModel):
    """Thresholds fitted on a history of events (maximising TSS or CSI)."""

    start: date
    end: date
    objective: Literal["tss", "csi"]
    events: int
    fitted: dict[str, float] = Field(description="易发程度 → the fitted critical Pe (mm)")
    score: dict[str, float] = Field(description="易发程度 → the objective at the fit")
    current: dict[str, float] = Field(description="易发程度 → the rule file's grade-3 value")
    thresholds: dict[str, list[float]] = Field(description="the proposed grade thresholds")
    idf_alpha: float | None = Field(description="fitted α of I = α·D^−β (β kept)")


BatchDetail.model_rebuild()


class Bulletin(BaseModel):
    """The warning bulletin (地质灾害气象风险预警单) of one day: batches, points, rules."""

    on: date
    issued_at: datetime
    rules: Rules
    level_thresholds: dict[str, dict[str, float | None]] = Field(
        description="易发程度 → level name → critical Pe (mm)")
    county_names: dict[str, str]
    batches: list[BatchDetail]
    counts: dict[str, int]
