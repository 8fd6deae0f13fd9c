"""Catalog tables of geohazard warning: stations, rain, grids, register history, batches.

Histories (status changes, batch log, warnings, notices, responses, events) are append-only:
the migration installs triggers that refuse UPDATE and DELETE. A batch row holds the current
state (``version`` grows with every log entry); its log says who changed it and when.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from onemap.store.db import Base


class StationRow(Base):
    """A rain gauge (雨量站)."""

    __tablename__ = "hazard_stations"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    name: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime)


class RainRow(Base):
    """Daily rain of one station (mm)."""

    __tablename__ = "hazard_rain"
    __table_args__ = (UniqueConstraint("station", "day", name="uq_hazard_rain_station_day"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    station: Mapped[str] = mapped_column(ForeignKey("hazard_stations.id"), index=True)
    day: Mapped[date] = mapped_column(Date, index=True)
    mm: Mapped[float] = mapped_column(Float)
    source: Mapped[str] = mapped_column(Text, default="")


class GridRow(Base):
    """A forecast grid stored under ``hazards/grids/`` (GeoTIFF, EPSG:4490)."""

    __tablename__ = "hazard_grids"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    valid_on: Mapped[date] = mapped_column(Date, index=True)
    lead_hours: Mapped[int] = mapped_column(Integer)
    path: Mapped[str] = mapped_column(Text)
    source_file: Mapped[str] = mapped_column(Text)
    crs: Mapped[str] = mapped_column(String(64))
    rows: Mapped[int] = mapped_column(Integer)
    cols: Mapped[int] = mapped_column(Integer)
    band: Mapped[int] = mapped_column(Integer)
    max_mm: Mapped[float] = mapped_column(Float)
    mean_mm: Mapped[float] = mapped_column(Float)
    sha256: Mapped[str] = mapped_column(String(64))
    imported_by: Mapped[str] = mapped_column(String(64))
    imported_at: Mapped[datetime] = mapped_column(DateTime)


class StatusEventRow(Base):
    """One status change of a hazard point (在册/已治理/已搬迁/核销); never changed."""

    __tablename__ = "hazard_status_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    point_id: Mapped[str] = mapped_column(String(32), index=True)
    county: Mapped[str] = mapped_column(String(6), index=True)
    status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text, default="")
    actor: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(DateTime)


class BatchRow(Base):
    """A warning batch (预警批次) of one county."""

    __tablename__ = "hazard_batches"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    batch_no: Mapped[str] = mapped_column(String(64), unique=True)
    county: Mapped[str] = mapped_column(String(6), index=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    day: Mapped[date] = mapped_column(Date, index=True)
    window_start: Mapped[datetime] = mapped_column(DateTime)
    window_end: Mapped[datetime] = mapped_column(DateTime)
    rules: Mapped[str] = mapped_column(String(64))
    points: Mapped[int] = mapped_column(Integer)
    zones: Mapped[int] = mapped_column(Integer)
    max_level: Mapped[int] = mapped_column(Integer)
    counts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    zone_area_m2: Mapped[float] = mapped_column(Float, default=0.0)
    issued_by: Mapped[str] = mapped_column(String(64))
    issued_at: Mapped[datetime] = mapped_column(DateTime)
    closed_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    summary: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    note: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer, default=1)


class BatchLogRow(Base):
    """One state change of a batch (issue, close); never changed."""

    __tablename__ = "hazard_batch_log"
    __table_args__ = (UniqueConstraint("batch_id", "seq", name="uq_hazard_batch_log_seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("hazard_batches.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(DateTime)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class WarningRow(Base):
    """The warning of one site in a batch, with its figures and rule; never changed."""

    __tablename__ = "hazard_warnings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("hazard_batches.id"), index=True)
    site: Mapped[str] = mapped_column(String(8))
    site_id: Mapped[str] = mapped_column(String(32), index=True)
    county: Mapped[str] = mapped_column(String(6))
    level: Mapped[int] = mapped_column(Integer)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class NoticeRow(Base):
    """The notice of one warned point (预警通知); never changed."""

    __tablename__ = "hazard_notices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("hazard_batches.id"), index=True)
    point_id: Mapped[str] = mapped_column(String(32))
    county: Mapped[str] = mapped_column(String(6))
    level: Mapped[int] = mapped_column(Integer)
    responsible: Mapped[str] = mapped_column(String(64), default="")
    monitor: Mapped[str] = mapped_column(String(64), default="")
    phone: Mapped[str] = mapped_column(String(32), default="")
    people: Mapped[int] = mapped_column(Integer, default=0)
    sms: Mapped[str] = mapped_column(Text)


class ResponseRow(Base):
    """One response to a notice (已通知/已巡查/已撤离/险情上报); never changed."""

    __tablename__ = "hazard_responses"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("hazard_batches.id"), index=True)
    point_id: Mapped[str] = mapped_column(String(32))
    county: Mapped[str] = mapped_column(String(6))
    kind: Mapped[str] = mapped_column(String(16))
    people_moved: Mapped[int] = mapped_column(Integer, default=0)
    comment: Mapped[str] = mapped_column(Text, default="")
    actor: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(DateTime)


class EventRow(Base):
    """A reported geohazard event, linked to the batch that warned it (or none: a miss)."""

    __tablename__ = "hazard_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    point_id: Mapped[str] = mapped_column(String(32), index=True)
    county: Mapped[str] = mapped_column(String(6), index=True)
    day: Mapped[date] = mapped_column(Date, index=True)
    kind: Mapped[str] = mapped_column(String(16))
    casualties: Mapped[int] = mapped_column(Integer, default=0)
    batch_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    warned_level: Mapped[int] = mapped_column(Integer, default=0)
    actor: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(DateTime)
    comment: Mapped[str] = mapped_column(Text, default="")
