"""Typed entries and balances of the 进出平衡 ledger (耕地进出平衡台账), the only schemas."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

Direction = Literal["in", "out"]
EntrySource = Literal["change_batch", "manual", "correction"]


class LedgerEntryIn(BaseModel):
    """A manual entry or a correction (更正) of an earlier one; nothing is ever edited."""

    county: str = Field(min_length=6, max_length=6, pattern=r"^\d{6}$")
    year: int = Field(ge=1990, le=2100)
    direction: Direction = Field(description="in 进 (other land → farmland) / out 出 "
                                             "(farmland → other agricultural use)")
    area_m2: float = Field(description="m²; negative only in a correction")
    source: EntrySource = "manual"
    source_ref: str = Field("", max_length=128, description="图斑编号 / 文号")
    corrects: int | None = Field(None, description="id of the entry a correction offsets")
    note: str = Field("", max_length=2000)


class LedgerEntry(LedgerEntryIn):
    """A stored entry."""

    id: int
    actor: str
    at: datetime


class BalanceRow(BaseModel):
    """进出平衡 of one county (or the province) in one year, m², 公顷 and 亩."""

    county: str = Field(description="6-digit code; the root region code for the roll-up")
    year: int
    out_m2: float = Field(description="出: farmland to other agricultural uses")
    in_m2: float = Field(description="进: other land to farmland")
    balance_m2: float = Field(description="进 − 出")
    out_ha: float
    in_ha: float
    balance_ha: float
    out_mu: float
    in_mu: float
    balance_mu: float
    entries: int
    warning: bool = Field(description="出大于进 (out exceeds in): the county must win back "
                                      "farmland within the year")


class LedgerReport(BaseModel):
    """Per-county rows and the province roll-up for the requested years."""

    rows: list[BalanceRow]
    province: list[BalanceRow]
    warnings: int


class PostResult(BaseModel):
    """Entries appended from a detection batch, county by county (每批次每县入账一次)."""

    batch_id: int
    year: int
    entries: int
    in_m2: float
    out_m2: float
    counties: list[str] = Field(default_factory=list, description="counties posted now")
    already_posted: list[str] = Field(
        default_factory=list, description="counties of the caller's scope posted before "
                                          "(skipped)")
