"""Core catalog tables: layers, partitions, overviews, jobs and the hash-chained audit log."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
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
    overview: Mapped[OverviewRow | None] = relationship(
        back_populates="partition", cascade="all, delete-orphan", uselist=False)


class OverviewRow(Base):
    """The overview (低级别概略图) of one partition: its class polygons per zoom band.

    ``source_checksum`` is the checksum of the partition file it was made from; readers
    use it only while that equals the partition's ``checksum``, so a rewritten partition
    is never drawn from an overview of its old contents.
    """

    __tablename__ = "overviews"
    __table_args__ = (UniqueConstraint("partition_id", name="uq_overviews_partition_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    partition_id: Mapped[int] = mapped_column(
        ForeignKey("partitions.id", ondelete="CASCADE"))
    source_checksum: Mapped[str] = mapped_column(String(64))
    path: Mapped[str] = mapped_column(Text)
    rows: Mapped[int] = mapped_column(BigInteger)
    checksum: Mapped[str] = mapped_column(String(64))
    tolerance: Mapped[float] = mapped_column(Float, default=0.0)
    area_error: Mapped[float] = mapped_column(Float, default=0.0)
    partition: Mapped[PartitionRow] = relationship(back_populates="overview")


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
    """Append-only audit log entry (who did what, when), one link of the hash chain.

    Database triggers refuse UPDATE and DELETE (migration ``core_0002``); ``id`` is assigned
    from :class:`AuditHeadRow` under the audit lock, so ids of new entries have no gaps.
    """

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(DateTime, index=True)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64), index=True)
    target: Mapped[str] = mapped_column(Text, default="")
    detail: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64), server_default="")
    hash: Mapped[str] = mapped_column(String(64), server_default="")


class AuditHeadRow(Base):
    """The audit chain's head (one row, id 1): last entry id and hash; also the audit lock.

    Every append updates this row first, inside the writer's transaction: that takes
    SQLite's write lock or PostgreSQL's row lock, so concurrent appends queue up and the
    chain never forks. Triggers refuse deleting it and moving ``last_id`` backwards.
    """

    __tablename__ = "audit_head"
    __table_args__ = (CheckConstraint("id = 1", name="one_row"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_id: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64))
