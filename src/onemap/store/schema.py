"""Core catalog tables: layers, partitions, jobs and the append-only audit log."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from onemap.store.db import Base


class LayerRow(Base):
    """One layer vintage (图层-年度) in the workspace."""

    __tablename__ = "layers"
    __table_args__ = (UniqueConstraint("kind", "vintage", name="uq_layers_kind_vintage"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(64), index=True)
    vintage: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200), default="")
    source_path: Mapped[str] = mapped_column(Text, default="")
    source_crs: Mapped[str] = mapped_column(String(64), default="EPSG:4490")
    source_encoding: Mapped[str] = mapped_column(String(32), default="")
    source_checksum: Mapped[str] = mapped_column(String(64), default="")
    classification: Mapped[str] = mapped_column(String(16), default="internal")
    published: Mapped[bool] = mapped_column(default=True)
    features: Mapped[int] = mapped_column(BigInteger, default=0)
    area_m2: Mapped[float] = mapped_column(Float, default=0.0)
    revision: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(DateTime)
    partitions: Mapped[list[PartitionRow]] = relationship(
        back_populates="layer", cascade="all, delete-orphan"
    )


class PartitionRow(Base):
    """One county's GeoParquet file of a layer vintage."""

    __tablename__ = "partitions"
    __table_args__ = (UniqueConstraint("layer_id", "county", name="uq_partitions_layer_county"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    layer_id: Mapped[int] = mapped_column(ForeignKey("layers.id", ondelete="CASCADE"), index=True)
    county: Mapped[str] = mapped_column(String(6), index=True)
    path: Mapped[str] = mapped_column(Text)
    rows: Mapped[int] = mapped_column(BigInteger)
    area_m2: Mapped[float] = mapped_column(Float, default=0.0)
    minx: Mapped[float] = mapped_column(Float)
    miny: Mapped[float] = mapped_column(Float)
    maxx: Mapped[float] = mapped_column(Float)
    maxy: Mapped[float] = mapped_column(Float)
    checksum: Mapped[str] = mapped_column(String(64))
    layer: Mapped[LayerRow] = relationship(back_populates="partitions")


class JobRow(Base):
    """A long-running job (import, QC, diff) and its outcome."""

    __tablename__ = "jobs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))
    started_at: Mapped[datetime] = mapped_column(DateTime)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    params: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    result: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)


class AuditRow(Base):
    """Append-only audit log entry (who did what, when)."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, index=True)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64), index=True)
    target: Mapped[str] = mapped_column(Text, default="")
    detail: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
