"""Catalog tables of the ledgers: entries (台账记录) and batch postings, both append-only."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Float, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from onemap.store.db import Base


class LedgerEntryRow(Base):
    """One entry; corrections are new entries that name the one they offset."""

    __tablename__ = "ledger_entries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ledger: Mapped[str] = mapped_column(String(16), index=True)
    county: Mapped[str] = mapped_column(String(6), index=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    direction: Mapped[str] = mapped_column(String(8))
    area_m2: Mapped[float] = mapped_column(Float)
    source: Mapped[str] = mapped_column(String(16))
    source_ref: Mapped[str] = mapped_column(String(128), default="")
    batch_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    corrects: Mapped[int | None] = mapped_column(Integer, nullable=True)
    note: Mapped[str] = mapped_column(Text, default="")
    actor: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(DateTime)


class LedgerPostingRow(Base):
    """One county of a detection batch posted to a ledger (每批次每县只入账一次)."""

    __tablename__ = "ledger_postings"
    __table_args__ = (UniqueConstraint("ledger", "batch_id", "county",
                                       name="uq_ledger_postings_ledger_batch_county"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ledger: Mapped[str] = mapped_column(String(16))
    batch_id: Mapped[int] = mapped_column(Integer, index=True)
    county: Mapped[str] = mapped_column(String(6))
    entries: Mapped[int] = mapped_column(Integer)
    actor: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(DateTime)
