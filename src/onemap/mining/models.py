"""Typed registers, checks and quota entries of mining supervision (矿产资源监管).

The only schemas of the capability.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

RightType = Literal["mining", "exploration"]
RightStatus = Literal["application", "active", "suspended", "closed"]
Method = Literal["open_pit", "underground", "mixed", ""]
Scale = Literal["large", "medium", "small", ""]
NewAction = Literal["refuse", "restrict", "warn"]
ExistingAction = Literal["exit", "restrict", "review", "warn"]
QuotaLevel = Literal["province", "city", "mine"]
QuotaAction = Literal["refuse", "warn"]
Ownership = Literal["owned", "ownerless"]
RestorationStatus = Literal["none", "in_progress", "restored"]
GreenLevel = Literal["national", "provincial"]
GreenReview = Literal["listed", "under_review", "rectify", "removed"]

STATUS_ZH = {"application": "申请", "active": "有效", "suspended": "停产", "closed": "注销"}
METHOD_ZH = {"open_pit": "露天", "underground": "地下", "mixed": "联合", "": ""}
ACTION_ZH = {"refuse": "不予受理", "restrict": "限制", "warn": "提示", "exit": "退出",
             "review": "核查"}


class RightIn(BaseModel):
    """A mining right (采矿权) or exploration right (探矿权) as registered.

    ``geometry`` is GeoJSON in CGCS2000 longitude/latitude (EPSG:4490).
    """

    right_no: str = Field(min_length=1, max_length=64, description="许可证号")
    right_type: RightType = Field("mining", description="mining 采矿权 / exploration 探矿权")
    name: str = Field("", max_length=200, description="矿山（勘查项目）名称")
    holder: str = Field("", max_length=200, description="矿业权人 (sensitive)")
    holder_code: str = Field("", max_length=32, description="统一社会信用代码 (sensitive)")
    minerals: list[str] = Field(default_factory=list, description="开采（勘查）矿种")
    method: Method = Field("", description="开采方式: open_pit 露天 / underground 地下")
    scale: Scale = Field("", description="生产规模: large 大型 / medium 中型 / small 小型")
    capacity: float | None = Field(None, ge=0, description="生产能力 (万吨/年)")
    valid_from: date | None = Field(None, description="有效期起")
    valid_to: date | None = Field(None, description="有效期止")
    status: RightStatus = Field("active", description="application 申请 / active 有效 / "
                                                      "suspended 停产 / closed 注销")
    county: str = Field(pattern=r"^\d{6}$", description="县级行政区划代码")
    depth_top: float | None = Field(None, description="开采深度上限 (标高, m)")
    depth_bottom: float | None = Field(None, description="开采深度下限 (标高, m)")
    geometry: dict[str, Any] = Field(description="GeoJSON (Multi)Polygon, EPSG:4490")


class Right(RightIn):
    """A stored right with its ellipsoidal area."""

    id: int
    area_m2: float
    area_ha: float
    area_mu: float
    blocks: int = Field(1, description="块数 (polygon parts)")
    source: str = ""
    updated_at: datetime


class ImportSummary(BaseModel):
    """What an import of rights, abandoned mines or green mines wrote."""

    file: str
    added: int
    updated: int
    rights: list[str] = Field(default_factory=list)
    refused: list[str] = Field(default_factory=list,
                               description="new rights the conflict rules refuse (not stored)")


class ConflictRule(BaseModel):
    """One control layer (and zone) rights are checked against, and what applies."""

    layer: str
    zone: str = ""
    title: str
    title_en: str = ""
    new: NewAction
    existing: ExistingAction
    text: str = ""


class QuotaRules(BaseModel):
    """What a report exceeding a quota gets (开采总量控制)."""

    mine: QuotaAction = "refuse"
    region: QuotaAction = "refuse"
    warn_share: float = Field(0.9, gt=0, le=1)
    controlled: list[str] = Field(default_factory=list)
    units: dict[str, str] = Field(default_factory=dict)


class MiningRules(BaseModel):
    """The rule file (``mining_rules.toml``)."""

    min_overlap_m2: float = Field(1.0, ge=0, description="smaller overlaps are slivers")
    illegal_min_m2: float = Field(100.0, ge=0, description="smallest uncovered 0602 area "
                                                           "reported as suspected")
    restored_min_share: float = Field(0.8, gt=0, le=1, description="share of 耕地/林地/草地 "
                                                                   "that confirms restoration")
    conflict: list[ConflictRule]
    quota: QuotaRules = Field(default_factory=QuotaRules)


class ConflictRow(BaseModel):
    """Overlap of one right with one control layer (zone) and the rule that applies."""

    right_no: str
    right_type: RightType
    county: str
    status: RightStatus
    layer: str
    zone: str = ""
    title: str
    overlap_m2: float = Field(description="ellipsoidal overlap, m² (CGCS2000)")
    overlap_ha: float
    overlap_mu: float
    share: float = Field(description="overlap / right area (0–1)")
    action: str = Field(description="refuse / restrict / warn (new) · exit / restrict / "
                                    "review / warn (existing)")
    action_zh: str
    rule: str


class RegisterIssue(BaseModel):
    """A register finding: 过期仍在采 (expired but active) or 矿业权重叠 (overlap)."""

    kind: Literal["expired_active", "overlap"]
    right_no: str
    county: str
    other: str = Field("", description="the other right of an overlap")
    overlap_m2: float = 0.0
    valid_to: date | None = None
    days_overdue: int = 0
    text: str


class SuspectedPatch(BaseModel):
    """A DLTB 采矿用地 (0602) polygon outside every valid right (疑似无证/越界开采)."""

    bsm: str = Field(description="DLTB 标识码")
    county: str
    kind: Literal["unlicensed", "beyond_licence"] = Field(
        description="unlicensed 无证开采 / beyond_licence 越界开采 (touches a valid right)")
    reason_code: str
    area_m2: float = Field(description="area outside every valid right, m²")
    area_ha: float
    area_mu: float
    near_right: str = Field("", description="the right it touches (越界)")
    case_no: str = ""
    geometry: dict[str, Any] | None = None


class CheckReport(BaseModel):
    """Every check of the register against the control layers and the land survey."""

    as_of: date
    rights: int
    conflicts: list[ConflictRow]
    issues: list[RegisterIssue]
    suspected: list[SuspectedPatch]
    dltb_vintage: int | None = None
    seconds: float = 0.0
    cases_opened: int = 0


class QuotaIn(BaseModel):
    """An annual quota allocation (年度开采总量控制指标) or its adjustment (调整, may be < 0)."""

    mineral: str = Field(min_length=1, max_length=32, description="e.g. 钨精矿, 稀土氧化物")
    year: int = Field(ge=1990, le=2100)
    level: QuotaLevel
    holder: str = Field(min_length=1, max_length=64,
                        description="region code (province/city) or 许可证号 (mine)")
    amount: float = Field(description="t (稀土: t REO); negative only in an adjustment")
    note: str = Field("", max_length=2000)


class Quota(QuotaIn):
    """A stored allocation row (append-only)."""

    id: int
    region: str = Field(description="the region the quota belongs to (a mine: its county)")
    unit: str = ""
    actor: str
    at: datetime


class ReportIn(BaseModel):
    """A monthly production report of one mine (采矿权人开采情况月报)."""

    right_no: str = Field(min_length=1, max_length=64)
    mineral: str = Field(min_length=1, max_length=32)
    year: int = Field(ge=1990, le=2100)
    month: int = Field(ge=1, le=12)
    amount: float = Field(gt=0, description="t (稀土: t REO)")
    note: str = Field("", max_length=2000)


class ProductionEntry(BaseModel):
    """A stored production entry: a report or the reversal (冲销) of one."""

    id: int
    right_no: str
    county: str
    mineral: str
    year: int
    month: int
    amount: float
    kind: Literal["report", "reversal"]
    reverses: int | None = None
    warning: str = ""
    note: str = ""
    actor: str
    at: datetime


class QuotaBalance(BaseModel):
    """Quota, production and what is left for one holder (mine, city, province)."""

    mineral: str
    year: int
    level: QuotaLevel
    holder: str
    name: str = ""
    unit: str = ""
    quota: float
    produced: float
    remaining: float
    used_share: float = Field(description="produced / quota (0 when no quota)")
    over: bool


class QuotaReport(BaseModel):
    """Balances by mineral and level in the actor's scope."""

    year: int
    rows: list[QuotaBalance]


class AbandonedMineIn(BaseModel):
    """A historical abandoned mine (历史遗留矿山)."""

    mine_id: str = Field(min_length=1, max_length=64, description="图斑/矿山编号")
    county: str = Field(pattern=r"^\d{6}$")
    name: str = Field("", max_length=200)
    mineral: str = Field("", max_length=64)
    open_pit: bool = Field(True, description="露天矿山")
    damaged_area_m2: float = Field(ge=0, description="损毁面积 m²")
    ownership: Ownership = Field(description="owned 有主 / ownerless 无主")
    responsible: str = Field("", max_length=200, description="责任主体 (sensitive)")
    restoration: RestorationStatus = Field("none", description="治理状态")
    restored_year: int | None = Field(None, ge=1990, le=2100, description="治理完成年度")
    restored_area_m2: float = Field(0.0, ge=0)
    target_class: Literal["耕地", "林地", "草地", "其他", ""] = Field(
        "", description="治理后地类 as planned")
    geometry: dict[str, Any]


class AbandonedMine(AbandonedMineIn):
    """A stored abandoned mine."""

    id: int
    area_m2: float


class RestorationCheck(BaseModel):
    """A restored mine's land class in the DLTB vintage after its restoration year."""

    mine_id: str
    county: str
    restored_year: int | None
    vintage: int | None = Field(None, description="the DLTB vintage read (None: none after)")
    farmland_m2: float = Field(0.0, description="耕地 (01)")
    forest_m2: float = Field(0.0, description="林地 (03)")
    grass_m2: float = Field(0.0, description="草地 (04)")
    other_m2: float = 0.0
    restored_share: float = Field(0.0, description="(耕地+林地+草地) / mine area")
    verdict: Literal["restored", "not_restored", "no_vintage"]
    verdict_zh: str


class RestorationProgress(BaseModel):
    """Abandoned open-pit mines restored by county and year (治理废弃露天矿山, 座)."""

    county: str
    year: int
    restored: int
    verified: int = Field(description="of which the next DLTB vintage confirms")


class GreenMineIn(BaseModel):
    """A green mine (绿色矿山名录) entry."""

    right_no: str = Field(min_length=1, max_length=64)
    level: GreenLevel
    year: int = Field(ge=2000, le=2100, description="入选年度")
    review: GreenReview = Field("listed", description="动态监管: listed 在册 / under_review "
                                                      "复核中 / rectify 限期整改 / removed 移出")
    note: str = Field("", max_length=2000)


class GreenMine(GreenMineIn):
    """A stored green mine, with the right's county and name."""

    id: int
    county: str
    name: str = ""
    right_valid: bool = Field(description="the right is active and within its validity")


class MineralRow(BaseModel):
    """Rights of one mineral in one county (矿业权按矿种、行政区统计, e.g. 砂石土 by region)."""

    county: str
    mineral: str
    mining: int = Field(description="采矿权 count")
    exploration: int = Field(description="探矿权 count")
    area_ha: float


class MiningSummary(BaseModel):
    """Figures of the annual mining supervision report (矿产资源监管年度报告)."""

    year: int
    as_of: date
    rights: dict[str, int] = Field(description="count by right type and status")
    rights_area_ha: float
    by_mineral: list[MineralRow] = Field(default_factory=list)
    check: CheckReport
    quota: QuotaReport
    abandoned: int
    restored: int
    progress: list[RestorationProgress]
    restoration_checks: list[RestorationCheck]
    green: list[GreenMine]
