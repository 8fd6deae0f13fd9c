"""Typed inputs and results of change detection (变化检测与分类), the only schemas."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, Field

ChangeSource = Literal["dltb_diff", "monitoring"]
LedgerEffect = Literal["in", "out", ""]
Judgement = Literal["approval", "suspect", "review", "none"]


class Legality(StrEnum):
    """Platform pre-judgement of a patch (合法性预判). Never a verdict: only a person decides."""

    LEGAL = "合法"
    SUSPECTED = "疑似违法"
    PENDING = "待核查"


LEGALITY_EN: dict[str, str] = {"合法": "legal (covered by approvals)",
                               "疑似违法": "suspected violation",
                               "待核查": "to be verified"}


class SliverRules(BaseModel):
    """Sliver control (碎图斑控制): minimum area per class family and minimum width.

    Defaults follow the annual survey's minimum mapping units (最小上图图斑面积):
    400 m² when the new use is construction land (or 设施农用地), 600 m² when farmland
    is gained or lost, 1 500 m² for any other change; and a minimum width of 5 m,
    tested by a negative buffer of half the width in a local metric frame.
    """

    min_area_construction_m2: float = Field(400.0, ge=0, description="建设用地 最小面积 m²")
    min_area_farmland_m2: float = Field(600.0, ge=0, description="耕地 最小面积 m²")
    min_area_other_m2: float = Field(1500.0, ge=0, description="其他地类 最小面积 m²")
    min_width_m: float = Field(5.0, ge=0, description="最小图斑宽度 m (负缓冲检验)")


class ClassRule(BaseModel):
    """One row of the change-classification table (变化分类规则).

    A patch falls in the class when its from-code is in every set of ``from_sets`` (any
    of them when several are listed) and not in ``from_not``; likewise for the
    to-code; and, when ``within`` names a control layer, at least ``min_overlap_m2``
    of the patch (and at least ``min_share`` of its area) lies inside it (``outside``:
    at least that much lies outside it).
    """

    id: str = Field(description="class id, e.g. non_agri")
    name: str = Field(description="中文名称, e.g. 耕地非农化")
    name_en: str = ""
    from_sets: list[str] = Field(default_factory=list, description="前地类 in any of these sets")
    from_not: list[str] = Field(default_factory=list, description="前地类 in none of these")
    to_sets: list[str] = Field(default_factory=list, description="后地类 in any of these sets")
    to_not: list[str] = Field(default_factory=list, description="后地类 in none of these")
    within: str = Field("", description="control layer kind the patch must overlap")
    outside: str = Field("", description="control layer kind the patch must leave")
    min_overlap_m2: float = Field(1.0, ge=0, description="least area inside / outside, m²")
    min_share: float = Field(0.0, ge=0, le=1,
                             description="least share of the patch inside / outside")
    judgement: Judgement = Field(
        "none", description="approval: legal if covered by approvals, else suspected; "
                            "suspect: always suspected; review: to be verified; none: no effect")
    ledger: LedgerEffect = Field("", description="进出平衡 effect: in 进 / out 出")
    reference: str = Field("", description="依据")


class RuleTable(BaseModel):
    """The classification table plus the legality shares."""

    name: str = "default"
    version: str = "1"
    sets: dict[str, list[str]] = Field(
        default_factory=dict, description="named class sets: codes or prefixes ending in *")
    rules: list[ClassRule] = Field(default_factory=list)
    legal_min_share: float = Field(0.95, ge=0, le=1, description="合法: approvals cover ≥ this")
    suspect_max_share: float = Field(0.05, ge=0, le=1,
                                     description="疑似违法: approvals cover < this")
    checksum: str = ""


class ApprovalShare(BaseModel):
    """Share of a patch covered by one approval record (批文覆盖比例)."""

    kind: str = Field(description="approval / land_supply / facility_agri / mining_right")
    ref: str = Field(description="批准文号 / 供地编号 / 备案编号 / 许可证号")
    area_m2: float
    share: float


class ChangePatch(BaseModel):
    """One change patch (变化图斑)."""

    id: str
    county: str
    township: str = ""
    from_code: str = Field(description="前时相地类编码 ('' unknown)")
    to_code: str = Field(description="后时相地类编码 ('' unknown)")
    from_name: str = ""
    to_name: str = ""
    area_m2: float = Field(description="ellipsoidal area, m² on CGCS2000")
    classes: list[str] = Field(default_factory=list, description="change class ids")
    legality: Legality
    approval_share: float = Field(0.0, description="share covered by approval ∪ supply ∪ "
                                                    "facility records")
    approvals: list[ApprovalShare] = Field(default_factory=list)
    overlaps_m2: dict[str, float] = Field(default_factory=dict,
                                          description="control kind → m² inside")
    ledger: LedgerEffect = ""
    source: ChangeSource = "dltb_diff"
    source_ref: str = Field("", description="监测编号 JCBH or new BSM")
    old_bsm: list[str] = Field(default_factory=list)
    new_bsm: list[str] = Field(default_factory=list)
    geometry: dict[str, Any] | None = Field(None, description="GeoJSON, lon/lat CGCS2000")


class DetectionScores(BaseModel):
    """Quality of a batch against a verified sample (核查样本)."""

    sample: str = Field(description="where the verified sample comes from")
    truth_count: int
    truth_above_threshold: int
    found: int
    recall: float
    predicted_violations: int
    true_violations_found: int
    precision: float
    legal_flagged_as_violation: int
    max_area_rel_error: float


class ScoreTally(BaseModel):
    """The counts behind :class:`DetectionScores`, kept per county so they can be summed."""

    truth_count: int
    truth_above_threshold: int
    truth_violations: int = Field(description="truth violations above the thresholds")
    found: int
    true_violations_found: int
    predicted_violations: int
    suspects_confirmed: int = Field(description="patches flagged 疑似违法 that overlap a "
                                                "truth violation")
    legal_flagged_as_violation: int
    max_area_rel_error: float


class CountyTotals(BaseModel):
    """What a batch found in one county: the parts a scoped summary adds up."""

    patches: int
    area_m2: float = Field(description="Σ patch area, m² on CGCS2000")
    by_legality: dict[str, int]
    by_class: dict[str, int]
    tally: ScoreTally | None = Field(None, description="counts against the verified sample "
                                                       "of this county (None: no sample)")


class BatchSummary(BaseModel):
    """A stored detection batch (检测批次) with its stated thresholds."""

    id: int
    created_at: datetime
    actor: str
    source: ChangeSource
    from_year: int
    to_year: int
    counties: list[str]
    sliver: SliverRules
    rules_name: str
    rules_checksum: str
    patches: int
    area_m2: float | None = Field(None, description="Σ patch area, m² on CGCS2000 (None for "
                                                     "batches stored without it)")
    by_legality: dict[str, int]
    by_class: dict[str, int]
    seconds: float
    scores: DetectionScores | None = None
    scoped: bool = Field(False, description="counts, areas and scores cover only the "
                                            "caller's counties of the batch")


class DetectionResult(BaseModel):
    """What :func:`onemap.change.service.detect_changes` returns."""

    batch: BatchSummary
    patches: list[ChangePatch]


class MatrixCell(BaseModel):
    """One cell of the from × to change matrix (变化矩阵) of one county."""

    county: str
    from_code: str
    to_code: str
    area_m2: float
    area_ha: float
    area_mu: float
    patches: int


class ChangeTables(BaseModel):
    """What the XLSX download of a batch holds: summary, matrix and patch list."""

    batch: BatchSummary
    matrix: list[MatrixCell]
    patches: list[ChangePatch]


class DetectRequest(BaseModel):
    """Body of ``POST /change/batches``: what to compare."""

    from_year: int = Field(ge=1990, le=2100, description="前时相 DLTB vintage")
    to_year: int = Field(ge=1990, le=2100, description="后时相 DLTB vintage")
    counties: list[str] | None = Field(None, description="county codes (default: all in scope)")
    source: ChangeSource = "dltb_diff"
