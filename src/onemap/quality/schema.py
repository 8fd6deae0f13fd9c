"""Catalog tables of quality checks: runs and their findings (migration branch ``quality``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from onemap.store.db import Base


class QcRunRow(Base):
    """One quality-check run of a layer vintage."""

    __tablename__ = "qc_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(64), index=True)
    vintage: Mapped[int] = mapped_column(Integer)
    actor: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[datetime] = mapped_column(DateTime)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    counties: Mapped[list[str]] = mapped_column(JSON, default=list)
    features: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[int] = mapped_column(Integer, default=0)
    warnings: Mapped[int] = mapped_column(Integer, default=0)
    counts: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    options: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)


class QcFindingRow(Base):
    """One finding of a run."""

    __tablename__ = "qc_findings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("qc_runs.id", ondelete="CASCADE"), index=True)
    rule: Mapped[str] = mapped_column(String(64), index=True)
    severity: Mapped[str] = mapped_column(String(16))
    county: Mapped[str] = mapped_column(String(6), index=True)
    feature_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    message_zh: Mapped[str] = mapped_column(Text)
    message_en: Mapped[str] = mapped_column(Text)
    area_m2: Mapped[float | None] = mapped_column(Float, nullable=True)
    x: Mapped[float | None] = mapped_column(Float, nullable=True)
    y: Mapped[float | None] = mapped_column(Float, nullable=True)
    wkt: Mapped[str | None] = mapped_column(Text, nullable=True)
