"""Catalog tables of the quota ledger: credited projects and posted debits (append-only).

Balances and entries live in the generic account tables of :mod:`onemap.store.accounts`.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, DateTime, Float, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from onemap.store.db import Base


class QuotaProjectRow(Base):
    """A supplementary-farmland project credited to its county (补充耕地项目)."""

    __tablename__ = "quota_projects"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_no: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(Text, default="")
    county: Mapped[str] = mapped_column(String(6), index=True)
    accepted_on: Mapped[date] = mapped_column(Date)
    area_m2: Mapped[float] = mapped_column(Float)
    paddy_m2: Mapped[float] = mapped_column(Float)
    grade: Mapped[int] = mapped_column(Integer)
    capacity_kg: Mapped[float] = mapped_column(Float)
    txn_id: Mapped[int] = mapped_column(Integer, unique=True)
    measured: Mapped[dict[str, Any]] = mapped_column(JSON)
    geometry: Mapped[bytes] = mapped_column(LargeBinary)
    actor: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(DateTime)


class QuotaDebitRow(Base):
    """An occupation of farmland debited (占用耕地: approval or site review)."""

    __tablename__ = "quota_debits"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ref: Mapped[str] = mapped_column(String(128), unique=True)
    source: Mapped[str] = mapped_column(String(16))
    county: Mapped[str] = mapped_column(String(6), index=True)
    value_date: Mapped[date] = mapped_column(Date)
    txn_id: Mapped[int] = mapped_column(Integer, unique=True)
    result: Mapped[dict[str, Any]] = mapped_column(JSON)
    geometry: Mapped[bytes] = mapped_column(LargeBinary)
    actor: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(DateTime)
