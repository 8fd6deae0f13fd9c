"""Typed inputs and results of the 占补平衡 quota ledger, the only schemas.

Three quotas per county (县级指标账户): 耕地数量 ``quantity`` (m²), 水田规模 ``paddy``
(m²) and 粮食产能 ``capacity`` (kg/yr); every entry also carries the 耕地等别 grade
(1 best … 15 worst) of the land it stands for.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

QuotaKind = Literal["quantity", "paddy", "capacity"]
QUOTA_KINDS: tuple[QuotaKind, ...] = ("quantity", "paddy", "capacity")
UNITS: dict[str, str] = {"quantity": "m2", "paddy": "m2", "capacity": "kg/yr"}
M2_PER_MU = 10_000 / 15


class ProjectIn(BaseModel):
    """A supplementary-farmland project (补充耕地项目) to credit, as accepted (验收)."""

    project_no: str = Field(min_length=1, max_length=64, description="项目编号")
    name: str = Field("", max_length=200, description="项目名称")
    county: str = Field(pattern=r"^\d{6}$", description="县级行政区划代码")
    accepted_on: date = Field(description="验收日期 (value date of the credit)")
    area_m2: float = Field(gt=0, description="新增耕地面积 (m²)")
    paddy_m2: float = Field(0.0, ge=0, description="其中新增水田 (m²)")
    grade: int = Field(ge=1, le=15, description="新增耕地质量等别 (1 best … 15 worst)")
    capacity_kg: float | None = Field(None, ge=0, description="新增粮食产能 (kg/yr); "
                                                              "default from area and grade")
    geometry: dict[str, Any] = Field(description="GeoJSON geometry, EPSG:4490")


class Measured(BaseModel):
    """Farmland of a geometry measured against DLTB by the site-review overlay."""

    dltb_vintage: int
    area_m2: float = Field(description="用地面积 (m²)")
    farmland_m2: float = Field(description="耕地 (net of 田坎)")
    paddy_m2: float = Field(description="水田")
    by_grade: dict[str, float] = Field(default_factory=dict, description="耕地等别 → m²")
    mean_grade: float | None = None


class Project(BaseModel):
    """A credited project."""

    id: int
    project_no: str
    name: str
    county: str
    accepted_on: date
    area_m2: float
    paddy_m2: float
    grade: int
    capacity_kg: float
    txn_id: int
    measured: Measured
    actor: str
    at: datetime


class DebitIn(BaseModel):
    """An occupation of farmland to debit (占用耕地): an approval or a site review record."""

    ref: str = Field(min_length=1, max_length=128, description="批准文号 or review id")
    county: str = Field(pattern=r"^\d{6}$")
    value_date: date = Field(description="批准日期 (the debit's date; 先补后占)")
    source: Literal["approval", "review", "file"] = "approval"
    name: str = Field("", max_length=200)
    geometry: dict[str, Any] = Field(description="GeoJSON geometry, EPSG:4490")


class Draw(BaseModel):
    """The part of a debit drawn on one credited lot."""

    kind: QuotaKind
    lot: int = Field(description="entry id of the credit drawn on")
    grade: int | None
    amount: float


class DebitResult(BaseModel):
    """A posted debit: what was occupied, what was drawn, the quality outcome."""

    txn_id: int
    ref: str
    county: str
    value_date: date
    measured: Measured
    capacity_kg: float = Field(description="粮食产能 of the farmland occupied (kg/yr)")
    draws: list[Draw]
    grade_matched: bool = Field(description="占优补优: every m² matched by quota of equal "
                                            "or better grade")
    capacity_shortfall_kg: float = Field(
        0.0, description="capacity lost where worse-grade quota had to be used (kg/yr)")
    balances: dict[str, float]


class TransferIn(BaseModel):
    """跨区域调剂: quota moved from one county to another in one transaction."""

    ref: str = Field(min_length=1, max_length=128, description="调剂文号")
    from_county: str = Field(pattern=r"^\d{6}$")
    to_county: str = Field(pattern=r"^\d{6}$")
    value_date: date
    quantity_m2: float = Field(gt=0)
    paddy_m2: float = Field(0.0, ge=0)
    capacity_kg: float | None = Field(None, ge=0, description="default: the capacity the "
                                                              "moved lots carry")


class Posting(BaseModel):
    """A posting of the ledger as listed in its history (记账凭证)."""

    txn_id: int
    kind: str = Field(description="credit / debit / transfer / reversal")
    ref: str
    value_date: date
    actor: str
    at: datetime
    reverses: int | None = None
    reversed_by: int | None = None
    counties: list[str]
    amounts: dict[str, float] = Field(description="county/kind → signed amount")
    detail: dict[str, Any] = Field(default_factory=dict)


class BalanceRow(BaseModel):
    """Remaining quota of one county (or the province) in m², 公顷, 亩 and kg/yr."""

    county: str
    name: str = ""
    quantity_m2: float
    quantity_ha: float
    quantity_mu: float
    paddy_m2: float
    paddy_ha: float
    paddy_mu: float
    capacity_kg: float
    by_grade: dict[str, float] = Field(default_factory=dict,
                                       description="耕地等别 → remaining m² of quantity")
    credited_m2: float = 0.0
    debited_m2: float = 0.0


class QuotaReport(BaseModel):
    """Balances per county in scope and their total."""

    rows: list[BalanceRow]
    total: BalanceRow


class RemainingQuota(BaseModel):
    """What site review shows next to its 占补平衡 need (per county the site touches)."""

    county: str
    quantity_m2: float
    paddy_m2: float
    capacity_kg: float
    by_grade: dict[str, float] = Field(default_factory=dict)
