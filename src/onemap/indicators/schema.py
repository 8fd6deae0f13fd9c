"""Catalog tables of plan indicators: the editable catalog, values (append-only), quotas."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Float, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from onemap.store.db import Base


class IndicatorRow(Base):
    """One catalog entry; ``data`` is the :class:`~onemap.indicators.models.Indicator` dump."""

    __tablename__ = "indicator_catalog"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(DateTime)
    updated_by: Mapped[str] = mapped_column(String(64))


class IndicatorValueRow(Base):
    """One recorded value; a correction adds a row, the newest row per key is current."""

    __tablename__ = "indicator_values"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    series: Mapped[str] = mapped_column(String(64), index=True)
    region: Mapped[str] = mapped_column(String(12), index=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    value: Mapped[float | None] = mapped_column(Float, nullable=True)
    source: Mapped[dict[str, Any]] = mapped_column(JSON)
    recorded_at: Mapped[datetime] = mapped_column(DateTime)
    recorded_by: Mapped[str] = mapped_column(String(64))
    note: Mapped[str] = mapped_column(Text, default="")


class IndicatorQuotaRow(Base):
    """A target or national quota given to one region (newest row per key is current)."""

    __tablename__ = "indicator_quotas"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    indicator: Mapped[str] = mapped_column(String(64), index=True)
    region: Mapped[str] = mapped_column(String(12), index=True)
    value: Mapped[float] = mapped_column(Float)
    recorded_at: Mapped[datetime] = mapped_column(DateTime)
    recorded_by: Mapped[str] = mapped_column(String(64))
