"""Catalog tables of mining supervision: rights, abandoned and green mines, quotas, production.

Quota allocations and production entries are append-only (the migration installs
triggers refusing UPDATE and DELETE): a wrong allocation is offset by an adjustment,
a wrong report by a reversal (冲销) that names it.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from onemap.store.db import Base


class MiningRightRow(Base):
    """One mining (采矿权) or exploration (探矿权) right; re-registering replaces it."""

    __tablename__ = "mining_rights"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    right_no: Mapped[str] = mapped_column(String(64), unique=True)
    right_type: Mapped[str] = mapped_column(String(16), index=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    holder: Mapped[str] = mapped_column(String(200), default="")
    holder_code: Mapped[str] = mapped_column(String(32), default="")
    minerals: Mapped[list[str]] = mapped_column(JSON, default=list)
    method: Mapped[str] = mapped_column(String(16), default="")
    scale: Mapped[str] = mapped_column(String(16), default="")
    capacity: Mapped[float | None] = mapped_column(Float, nullable=True)
    valid_from: Mapped[date | None] = mapped_column(Date, nullable=True)
    valid_to: Mapped[date | None] = mapped_column(Date, nullable=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    county: Mapped[str] = mapped_column(String(6), index=True)
    depth_top: Mapped[float | None] = mapped_column(Float, nullable=True)
    depth_bottom: Mapped[float | None] = mapped_column(Float, nullable=True)
    area_m2: Mapped[float] = mapped_column(Float)
    blocks: Mapped[int] = mapped_column(Integer, default=1)
    source: Mapped[str] = mapped_column(String(200), default="")
    geometry: Mapped[bytes] = mapped_column(LargeBinary)
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class AbandonedMineRow(Base):
    """One historical abandoned mine (历史遗留矿山) and its restoration state."""

    __tablename__ = "mining_abandoned"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    mine_id: Mapped[str] = mapped_column(String(64), unique=True)
    county: Mapped[str] = mapped_column(String(6), index=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    mineral: Mapped[str] = mapped_column(String(64), default="")
    open_pit: Mapped[bool] = mapped_column(Boolean, default=True)
    damaged_area_m2: Mapped[float] = mapped_column(Float)
    ownership: Mapped[str] = mapped_column(String(16))
    responsible: Mapped[str] = mapped_column(String(200), default="")
    restoration: Mapped[str] = mapped_column(String(16))
    restored_year: Mapped[int | None] = mapped_column(Integer, nullable=True)
    restored_area_m2: Mapped[float] = mapped_column(Float, default=0.0)
    target_class: Mapped[str] = mapped_column(String(8), default="")
    area_m2: Mapped[float] = mapped_column(Float)
    geometry: Mapped[bytes] = mapped_column(LargeBinary)
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class GreenMineRow(Base):
    """One entry of the green mine list (绿色矿山名录)."""

    __tablename__ = "mining_green"
    __table_args__ = (UniqueConstraint("right_no", "level", name="uq_mining_green_right_level"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    right_no: Mapped[str] = mapped_column(String(64), index=True)
    county: Mapped[str] = mapped_column(String(6), index=True)
    level: Mapped[str] = mapped_column(String(16))
    year: Mapped[int] = mapped_column(Integer)
    review: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class QuotaRow(Base):
    """An allocation or adjustment of an annual quota; never updated or deleted."""

    __tablename__ = "mining_quotas"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    mineral: Mapped[str] = mapped_column(String(32), index=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    level: Mapped[str] = mapped_column(String(16))
    holder: Mapped[str] = mapped_column(String(64), index=True)
    region: Mapped[str] = mapped_column(String(6), index=True)
    amount: Mapped[float] = mapped_column(Float)
    unit: Mapped[str] = mapped_column(String(16), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    actor: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(DateTime)


class ProductionRow(Base):
    """A production report or its reversal (冲销); never updated or deleted."""

    __tablename__ = "mining_production"
    __table_args__ = (UniqueConstraint("reverses", name="uq_mining_production_reverses"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    right_no: Mapped[str] = mapped_column(String(64), index=True)
    county: Mapped[str] = mapped_column(String(6), index=True)
    city: Mapped[str] = mapped_column(String(6), index=True)
    mineral: Mapped[str] = mapped_column(String(32), index=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    month: Mapped[int] = mapped_column(Integer)
    amount: Mapped[float] = mapped_column(Float)
    kind: Mapped[str] = mapped_column(String(16))
    reverses: Mapped[int | None] = mapped_column(Integer, nullable=True)
    warning: Mapped[str] = mapped_column(Text, default="")
    note: Mapped[str] = mapped_column(Text, default="")
    actor: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(DateTime)
