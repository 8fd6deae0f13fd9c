"""Typed inputs and results of the site compliance review (the only schemas)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

Severity = Literal["prohibited", "needs_approval", "notice"]
Verdict = Literal["不通过", "有条件通过", "通过"]

VERDICT_EN: dict[str, str] = {
    "不通过": "rejected",
    "有条件通过": "conditionally approved",
    "通过": "approved",
}
SEVERITY_ZH: dict[str, str] = {
    "prohibited": "禁止",
    "needs_approval": "需上级审批",
    "notice": "提示",
}


class Rule(BaseModel):
    """One review rule (审查规则) of a rule file."""

    id: str = Field(description="规则编号, stable across versions")
    text: str = Field(description="规则内容 (中文)")
    text_en: str = Field("", description="rule text in English")
    reference: str = Field("", description="法律法规依据 (legal reference)")
    condition: str = Field(description="条件表达式 over the analysis figures, e.g. "
                                       "`eco_redline_m2 > 0`")
    severity: Severity = Field(description="prohibited 禁止 / needs_approval 需上级审批 / "
                                           "notice 提示")


class RuleSet(BaseModel):
    """A workspace's rule file, parsed and validated."""

    name: str = "default"
    version: str = "1"
    rules: list[Rule] = Field(default_factory=list)
    checksum: str = Field("", description="sha256 of the rule file text")


class TriggeredRule(BaseModel):
    """A rule whose condition held for this site (触发的规则)."""

    id: str
    severity: Severity
    text: str
    text_en: str = ""
    reference: str = ""
    condition: str
    values: dict[str, float] = Field(default_factory=dict,
                                     description="the figures the condition read")


class ProjectInfo(BaseModel):
    """What the applicant tells about the project (项目信息)."""

    name: str = Field("", description="项目名称")
    national_key: bool = Field(False, description="国家重大建设项目 (may occupy PBF with State "
                                                  "Council approval)")
    state_council_approved: bool = Field(False, description="已取得国务院批准占用永久基本农田")


class HazardPointHit(BaseModel):
    """A geohazard point within the configured buffer of a parcel."""

    id: str = Field(description="灾害点编号 ZHDBH")
    kind: str = Field("", description="灾害类型 ZHLX")
    distance_m: float = Field(description="距地块最近距离 (m); 0 inside the parcel")


class ParcelFigures(BaseModel):
    """Analysis figures of one parcel (地块) or of the whole site; areas in m² (CGCS2000)."""

    parcel_id: str = Field(description="地块编号")
    name: str = Field("", description="地块名称")
    area_m2: float = Field(description="椭球面积 (m²)")
    landuse: dict[str, float] = Field(default_factory=dict,
                                      description="二级地类编码 → m² (田坎 split off as 1203)")
    uncovered_m2: float = Field(0.0, description="area not covered by the DLTB layer")
    farmland_m2: float = Field(0.0, description="耕地 (0101+0102+0103, net of 田坎)")
    paddy_m2: float = Field(0.0, description="水田 0101")
    irrigated_m2: float = Field(0.0, description="水浇地 0102")
    dry_m2: float = Field(0.0, description="旱地 0103")
    field_ridge_m2: float = Field(0.0, description="田坎 1203")
    construction_m2: float = Field(0.0, description="现状建设用地")
    farmland_by_grade: dict[str, float] = Field(default_factory=dict,
                                                description="耕地等别 GDDB → m²")
    overlaps: dict[str, float] = Field(
        default_factory=dict,
        description="layer kind → m² inside it (udb = area inside the 城镇开发边界; "
                    "nature_reserve_core / nature_reserve_general split the reserves)")
    udb_outside_m2: float = Field(0.0, description="城镇开发边界外面积")
    hazard_points: list[HazardPointHit] = Field(default_factory=list)
    related: dict[str, list[str]] = Field(default_factory=dict,
                                          description="kind → ids of overlapped features "
                                                      "(批准文号, 供地编号, 许可证号 ...)")
    counties: dict[str, float] = Field(default_factory=dict, description="县级代码 → m²")
    townships: dict[str, float] = Field(default_factory=dict, description="乡级代码 → m²")


class CountyQuota(BaseModel):
    """Remaining 占补平衡 quota of a county the site touches (from the quota ledger)."""

    county: str
    quantity_m2: float = Field(description="耕地数量指标余额 (m²)")
    paddy_m2: float = Field(description="水田规模指标余额 (m²)")
    capacity_kg: float = Field(description="粮食产能指标余额 (kg/yr)")
    by_grade: dict[str, float] = Field(default_factory=dict, description="等别 → m²")
    covers: bool = Field(False, description="the county's quota covers the site's need in "
                                            "quantity and paddy (at the required grade)")


class FarmlandBalance(BaseModel):
    """占补平衡 need: farmland to supplement in quantity and quality."""

    required: bool = Field(description="是否需要落实耕地占补平衡")
    farmland_m2: float = Field(0.0, description="需补充耕地数量 (m²)")
    paddy_m2: float = Field(0.0, description="其中水田 (占水田补水田)")
    by_grade: dict[str, float] = Field(default_factory=dict, description="被占耕地等别 → m²")
    mean_grade: float | None = Field(None, description="被占耕地面积加权平均等别")
    required_grade: int | None = Field(None, description="补充耕地质量等别不低于 (数值不大于)")
    ungraded_m2: float = Field(0.0, description="无等别信息的被占耕地")
    remaining: list[CountyQuota] = Field(
        default_factory=list, description="所在县剩余占补平衡指标 (when a quota ledger is kept)")


class LayerVintage(BaseModel):
    """A layer vintage the review read (数据版本)."""

    kind: str
    title_zh: str
    vintage: int
    revision: int
    counties: list[str] = Field(default_factory=list)
    checksum: str = Field("", description="sha256 over the partition checksums read")


class SiteReview(BaseModel):
    """Result of one site compliance review (用地预审与选址 合规性审查结果)."""

    review_id: str = Field(description="可复现的审查编号: hash of inputs + data revisions")
    verdict: Verdict = Field(description="审查结论 不通过 / 有条件通过 / 通过")
    verdict_en: str = ""
    site_name: str = ""
    project: ProjectInfo = Field(default_factory=ProjectInfo)
    area_m2: float = Field(description="用地总面积 (m²)")
    landuse: dict[str, float] = Field(default_factory=dict, description="地类编码 → m²")
    overlaps: dict[str, float] = Field(default_factory=dict, description="layer kind → m²")
    figures: dict[str, float] = Field(default_factory=dict,
                                      description="the names rule conditions read")
    totals: ParcelFigures
    parcels: list[ParcelFigures] = Field(default_factory=list)
    rules: list[TriggeredRule] = Field(default_factory=list, description="触发的规则")
    balance: FarmlandBalance
    vintages: list[LayerVintage] = Field(default_factory=list)
    missing_layers: list[str] = Field(default_factory=list,
                                      description="control layers absent from the workspace or "
                                                  "withheld from the reviewer (涉密)")
    admin_names: dict[str, str] = Field(default_factory=dict,
                                        description="行政区代码 → 名称 of the units touched")
    rule_set: str = ""
    hazard_buffer_m: float = 500.0
    reviewed_at: datetime | None = None
    reviewer: str = ""
    reviewer_name: str = Field("", description="审查人: the reviewer's display name (empty for "
                                               "the local operator)")
    links: dict[str, str] = Field(default_factory=dict,
                                  description="report URLs (html, pdf) when served by the API")


class ReviewRecord(BaseModel):
    """One recorded run of a review (who, when, result) as listed from the catalog."""

    id: int
    review_id: str
    at: datetime
    actor: str
    site_name: str
    source: str
    verdict: str
    area_m2: float


class BatchRow(BaseModel):
    """One site of a batch review."""

    file: str
    review_id: str = ""
    verdict: str = ""
    area_m2: float = 0.0
    farmland_m2: float = 0.0
    pbf_m2: float = 0.0
    eco_redline_m2: float = 0.0
    udb_outside_m2: float = 0.0
    rules: list[str] = Field(default_factory=list)
    error: str = ""


class BatchSummary(BaseModel):
    """Summary table of a batch review over a folder of sites."""

    folder: str
    rows: list[BatchRow] = Field(default_factory=list)
    elapsed_s: float = 0.0
