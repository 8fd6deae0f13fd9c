"""Catalog table of detection batches (检测批次): thresholds, rules, counts, scores."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Float, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from onemap.store.db import Base


class ChangeBatchRow(Base):
    """One detection run; its patches are GeoParquet files under ``changes/batch-<id>/``."""

    __tablename__ = "change_batches"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    actor: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(16))
    from_year: Mapped[int] = mapped_column(Integer)
    to_year: Mapped[int] = mapped_column(Integer, index=True)
    counties: Mapped[list[str]] = mapped_column(JSON, default=list)
    sliver: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    rules_name: Mapped[str] = mapped_column(Text, default="")
    rules_checksum: Mapped[str] = mapped_column(String(64), default="")
    patches: Mapped[int] = mapped_column(Integer, default=0)
    by_legality: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    by_class: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    seconds: Mapped[float] = mapped_column(Float, default=0.0)
    scores: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    by_county: Mapped[dict[str, Any] | None] = mapped_column(
        JSON, nullable=True, doc="county → CountyTotals (None for batches before change_0002)")
    path: Mapped[str] = mapped_column(Text, default="")
