"""Typed results of land supply supervision (批供用监管), the only schemas.

Every area is m² on the CGCS2000 ellipsoid with 公顷 and 亩 beside it.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, Field

M2_PER_MU = 10_000 / 15
AgeBucket = Literal["<2", "2-5", ">5"]
IdleStatus = Literal["not_due", "developed", "suspected_idle", "idle"]
AGE_BUCKETS: tuple[AgeBucket, ...] = ("<2", "2-5", ">5")


class Area(BaseModel):
    """An area in m², 公顷 and 亩."""

    m2: float
    ha: float
    mu: float

    @classmethod
    def of(cls, m2: float) -> Area:
        """Return ``m2`` with its 公顷 and 亩."""
        return cls(m2=round(m2, 4), ha=round(m2 / 1e4, 6), mu=round(m2 / M2_PER_MU, 4))


class UnsuppliedApproval(BaseModel):
    """批而未供: one approval batch with approved land not covered by supply."""

    county: str
    pzwh: str = Field(description="批准文号 (approval batch)")
    approved_on: date
    age_years: float
    age: AgeBucket
    approved: Area
    supplied: Area
    unsupplied: Area


class SupplyParcel(BaseModel):
    """供而未用: one supplied parcel checked against DLTB after its agreed start date."""

    county: str
    gdbh: str = Field(description="供地编号")
    supplied_on: date | None
    agreed_start: date | None = Field(description="约定动工日期")
    area: Area
    built_share: float = Field(description="share of the parcel built-up in DLTB")
    status: IdleStatus = Field(description="not_due 未到期 / developed 已动工 / "
                                           "suspected_idle 疑似闲置 (≥1 yr) / idle 闲置 (≥2 yr)")
    price_wan: float | None = Field(None, description="成交价款 (万元)")
    idle_fee_basis_wan: float | None = Field(
        None, description="土地闲置费计征基数: 20 % of the price (万元) for idle parcels")
    geometry: dict[str, Any] | None = None


class CountySupply(BaseModel):
    """批供用 figures of one county (or the province) for one year."""

    county: str
    name: str = ""
    approved: Area
    supplied: Area = Field(description="approved land covered by supply")
    unsupplied: Area = Field(description="批而未供")
    unsupplied_by_age: dict[str, Area] = Field(description="<2 / 2-5 / >5 years")
    unsupplied_batches: int
    suspected_idle: Area
    suspected_idle_parcels: int
    idle: Area
    idle_parcels: int
    idle_fee_basis_wan: float = Field(description="土地闲置费计征基数 (万元)")
    disposed_unsupplied: Area = Field(description="批而未供 disposed in the year: supply "
                                                  "of the year on earlier approvals")
    disposed_idle: Area = Field(description="闲置 disposed in the year: parcels idle the "
                                            "year before and built-up now")
    earned_quota: Area = Field(description="增存挂钩: new construction quota earned")
    construction_per_gdp_decline: float | None = Field(
        None, description="单位GDP建设用地使用面积下降率 (%), from the indicators")


class SupplyStatus(BaseModel):
    """批供用 status of a year: per county, the province, and the features behind it."""

    year: int
    as_of: date
    dltb_vintage: int
    previous_dltb_vintage: int | None
    link_ratio: float = Field(description="增存挂钩 ratio: quota earned per m² disposed")
    counties: list[CountySupply]
    province: CountySupply
    unsupplied: list[UnsuppliedApproval]
    parcels: list[SupplyParcel]
