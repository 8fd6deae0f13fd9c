"""Catalog tables of enforcement cases: cases, append-only case_events, attachments."""

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
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from onemap.store.db import Base


class CaseRow(Base):
    """One case; ``version`` grows by one with every event (optimistic locking)."""

    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_no: Mapped[str] = mapped_column(String(64), unique=True)
    county: Mapped[str] = mapped_column(String(6), index=True)
    township: Mapped[str] = mapped_column(String(12), default="")
    batch_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    patch_id: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    suspected: Mapped[bool] = mapped_column(default=False)
    pre_judgement: Mapped[str] = mapped_column(String(16))
    classes: Mapped[list[str]] = mapped_column(JSON, default=list)
    from_code: Mapped[str] = mapped_column(String(8), default="")
    to_code: Mapped[str] = mapped_column(String(8), default="")
    area_m2: Mapped[float] = mapped_column(Float)
    approval_share: Mapped[float] = mapped_column(Float, default=0.0)
    verdict: Mapped[str | None] = mapped_column(String(8), nullable=True)
    verdict_stands: Mapped[bool] = mapped_column(default=False)
    detection_source: Mapped[str] = mapped_column(String(16))
    detected_on: Mapped[date] = mapped_column(Date)
    event_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    due_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)
    patch: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    geometry: Mapped[bytes] = mapped_column(LargeBinary)


class CaseEventRow(Base):
    """One event; never updated or deleted (the migration installs triggers that refuse)."""

    __tablename__ = "case_events"
    __table_args__ = (UniqueConstraint("case_id", "seq", name="uq_case_events_case_seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(DateTime)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(16))
    from_status: Mapped[str | None] = mapped_column(String(16), nullable=True)
    to_status: Mapped[str] = mapped_column(String(16))
    verdict: Mapped[str | None] = mapped_column(String(8), nullable=True)
    reason_code: Mapped[str | None] = mapped_column(String(16), nullable=True)
    comment: Mapped[str] = mapped_column(Text, default="")
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class AttachmentRow(Base):
    """A file under ``attachments/`` in the workspace, with its sha256."""

    __tablename__ = "case_attachments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    event_seq: Mapped[int] = mapped_column(Integer)
    filename: Mapped[str] = mapped_column(Text)
    path: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    media_type: Mapped[str] = mapped_column(String(128))
    uploaded_by: Mapped[str] = mapped_column(String(64))
    uploaded_at: Mapped[datetime] = mapped_column(DateTime)
