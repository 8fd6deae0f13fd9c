"""Typed registration units, registers and coverage (自然资源确权登记), the only schemas."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

Stage = Literal["预划", "地籍调查", "审核", "公告", "登簿"]
FindingKind = Literal["invalid_number", "unknown_type", "type_mismatch", "duplicate_number",
                      "forbidden_overlap", "invalid_ownership"]


class Unit(BaseModel):
    """A registration unit (自然资源登记单元) with its current stage."""

    number: str = Field(description="登记单元号 DJDYH")
    name: str = Field("", description="登记单元名称 DJDYMC")
    type_code: str = Field(description="登记单元类型代码 DJDYLX")
    type_name: str = Field("", description="登记单元类型名称")
    ownership: str = Field("", description="所有权性质 (全民所有 / 集体所有)")
    body: str = Field("", description="代行主体: the body exercising ownership")
    county: str = Field(description="county partition (6-digit code)")
    stage: Stage = Field(description="登记阶段")
    stage_date: date | None = Field(None, description="date the current stage was reached")
    area_m2: float = Field(description="ellipsoidal area, m² (CGCS2000)")
    area_ha: float
    area_mu: float


class QcFinding(BaseModel):
    """One registration QC finding, naming the unit(s)."""

    kind: FindingKind
    unit: str = Field(description="登记单元号 of the unit")
    other: str | None = Field(None, description="the other unit of an overlap / duplicate")
    feature: int | None = Field(None, description="row of the unit in the file (0-based)")
    reason: str
    overlap_m2: float | None = Field(None, description="overlap area, m² (ellipsoidal)")


class QcReport(BaseModel):
    """Registration QC of a unit file or of the stored unit layer."""

    source: str
    units: int
    findings: list[QcFinding]

    @property
    def ok(self) -> bool:
        """True when nothing was found."""
        return not self.findings


class ImportResult(BaseModel):
    """What ``registry import`` stored."""

    file: str
    units: int
    counties: list[str]
    stages_recorded: int
    qc: QcReport


class StageEvent(BaseModel):
    """One stage change of a unit (append-only history)."""

    id: int
    unit: str
    county: str
    stage: Stage
    stage_date: date | None
    note: str
    actor: str
    at: datetime


class StageIn(BaseModel):
    """A request to move a unit to its next stage."""

    stage: Stage
    stage_date: date | None = None
    note: str = Field("", max_length=2000)


class NaturalStatusRow(BaseModel):
    """自然状况: the area of one resource type inside the unit."""

    resource: str = Field(description="资源类型 (耕地, 林地, 草地, 湿地, 水域, 荒地 …)")
    area_m2: float
    area_ha: float
    area_mu: float
    state_m2: float = Field(description="of which 国有 (QSXZ 1x), m²")
    collective_m2: float = Field(description="of which 集体 (QSXZ 2x/3x), m²")


class ControlRow(BaseModel):
    """公共管制: the area of the unit inside one control line."""

    control: str = Field(description="layer kind: pbf / eco_redline / udb / nature_reserve")
    control_zh: str
    area_m2: float
    area_ha: float
    area_mu: float
    share: float = Field(description="share of the unit's area")


class MiningLink(BaseModel):
    """A mining right (采矿权) that touches the unit."""

    licence: str = Field(description="许可证号 XKZH")
    name: str = ""
    area_m2: float = Field(description="overlap with the unit, m² (0 when only touching)")


class Register(BaseModel):
    """The register (登记簿) of one unit computed from a DLTB vintage and control lines."""

    unit: Unit
    vintage: int = Field(description="DLTB vintage (年度) the natural status comes from")
    natural_status: list[NaturalStatusRow]
    controls: list[ControlRow]
    mining_rights: list[MiningLink]
    collective_m2: float = Field(description="关联信息: collective land (集体土地) inside, m²")
    total_m2: float = Field(description="sum of the natural status, m²")
    complete: bool = Field(True, description="False when DLTB counties the unit touches "
                                             "were outside the caller's scope")
    missing_counties: list[str] = Field(default_factory=list)
    computed_at: datetime


class RegisterBatch(BaseModel):
    """Registers of many units (one DLTB vintage)."""

    vintage: int
    registers: list[Register]
    recorded: int = Field(0, description="snapshots stored")


class ResourceChange(BaseModel):
    """Change of one resource type between two vintages."""

    resource: str
    before_m2: float
    after_m2: float
    change_m2: float


class Reregistration(BaseModel):
    """A unit whose natural status changed beyond the threshold (变更登记)."""

    unit: str
    name: str
    county: str
    changed_m2: float = Field(description="half the sum of |change| over resource types")
    changed_share: float
    changes: list[ResourceChange]


class ReregistrationReport(BaseModel):
    """Units to re-register after a new DLTB vintage."""

    from_vintage: int
    to_vintage: int
    threshold: float = Field(description="share of the unit area")
    units_checked: int
    items: list[Reregistration]


class CoverageRow(BaseModel):
    """登记全覆盖 of one region: territory inside units, by stage and by resource type."""

    region: str = Field(description="county code, or the root region for the roll-up")
    resource: str = Field(description="resource type, or 合计 for all territory")
    territory_m2: float
    covered_m2: dict[str, float] = Field(description="stage → area inside units at that "
                                                     "stage or beyond, m²")
    covered_share: dict[str, float]
    gap_m2: float = Field(description="territory no unit covers, m²")


class CoverageReport(BaseModel):
    """Coverage per county and for the region in scope; the gap layer it wrote."""

    vintage: int
    rows: list[CoverageRow]
    gap_layer: str | None = Field(None, description="registration_gap layer written")
    indicator_posted: bool = False
