"""Catalog tables of registration: append-only stage events and register snapshots."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, DateTime, Float, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from onemap.store.db import Base


class RegistryStageRow(Base):
    """One stage change of a unit (登记阶段变更); never updated or deleted."""

    __tablename__ = "registry_stage_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit: Mapped[str] = mapped_column(String(32), index=True)
    county: Mapped[str] = mapped_column(String(6), index=True)
    stage: Mapped[str] = mapped_column(String(8))
    stage_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    note: Mapped[str] = mapped_column(Text, default="")
    actor: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(DateTime)


class RegistryRegisterRow(Base):
    """One computed register (登记簿) of a unit from one DLTB vintage; never updated."""

    __tablename__ = "registry_registers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit: Mapped[str] = mapped_column(String(32), index=True)
    county: Mapped[str] = mapped_column(String(6), index=True)
    vintage: Mapped[int] = mapped_column(Integer, index=True)
    total_m2: Mapped[float] = mapped_column(Float)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    actor: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(DateTime)
