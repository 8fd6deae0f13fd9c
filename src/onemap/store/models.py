"""Typed results of the store: layers, partitions, audit entries and the audit-chain check."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field


class OverviewInfo(BaseModel):
    """The overview file of a partition (class polygons generalised per zoom band)."""

    path: str = Field(description="GeoParquet file, relative to the workspace")
    checksum: str = Field(description="sha256 of the overview file")
    source_checksum: str = Field(description="checksum of the partition it was made from")
    rows: int = 0
    tolerance: float = Field(0.0, description="finest simplification tolerance used (degrees)")
    area_error: float = Field(0.0, description="largest relative class-area change")


class PartitionInfo(BaseModel):
    """One county partition of a layer vintage."""

    county: str = Field(description="县级行政区划代码")
    path: str = Field(description="GeoParquet file, relative to the workspace")
    rows: int
    area_m2: float = Field(description="椭球面积合计 (m²)")
    bbox: tuple[float, float, float, float]
    checksum: str
    overview: OverviewInfo | None = Field(
        default=None, description="its overview, when one was made from this very file")


class LayerInfo(BaseModel):
    """One layer vintage as listed by ``onemap layers``."""

    kind: str
    title_zh: str
    vintage: int = Field(description="年度 (0 for unversioned layers)")
    features: int
    area_m2: float = Field(description="椭球面积合计 (m²)")
    counties: int
    source_path: str = ""
    source_crs: str = "EPSG:4490"
    source_encoding: str = ""
    classification: str = "internal"
    published: bool = True
    revision: int = 1
    updated_at: datetime | None = None
    bbox: tuple[float, float, float, float] | None = None


class AuditEntry(BaseModel):
    """One audit-log record (审计日志), a link of the append-only hash chain."""

    id: int
    at: datetime = Field(description="time written (naive UTC)")
    actor: str
    action: str
    target: str
    detail: dict[str, object]
    prev_hash: str = Field(description="hash of the entry before (64 zeros for the first)")
    hash: str = Field(description="sha256(prev_hash || canonical JSON of id, at, actor, "
                                  "action, target, detail), hex")


class FieldInfo(BaseModel):
    """One attribute of a layer kind with its Chinese title."""

    name: str
    title_zh: str
    type: str
    sensitive: bool = False


class LayerSummary(BaseModel):
    """A layer vintage as the web map's layer tree shows it."""

    id: str = Field(description="OGC collection id, e.g. dltb_2020")
    kind: str
    vintage: int
    title_zh: str
    title_en: str
    category: str = Field(description="图层分类 (国土调查, 三区三线, ...)")
    geometry: str
    classification: str
    published: bool
    features: int = Field(description="features in the caller's scope (catalog counts)")
    bbox: tuple[float, float, float, float] | None = None
    fields: list[FieldInfo]


class Region(BaseModel):
    """A county in the caller's scope, for 'zoom to county'."""

    code: str
    name: str
    bbox: tuple[float, float, float, float]


class SearchHit(BaseModel):
    """A search result: a region or a feature, with where to zoom."""

    collection: str
    feature_id: str
    label: str
    bbox: tuple[float, float, float, float]


AuditBreak = Literal["changed", "deleted", "reordered", "inserted"]


class AuditVerification(BaseModel):
    """Result of checking the audit log's hash chain (审计日志校验, ``onemap audit verify``)."""

    ok: bool = Field(description="true when every link and the chain head check out")
    rows_checked: int = Field(description="entries verified before the first break (all if ok)")
    last_id: int | None = Field(default=None, description="id of the last entry (when ok)")
    head_hash: str = Field(default="", description="hash of the last entry (when ok): record "
                                                   "it elsewhere to anchor the chain")
    broken_id: int | None = Field(default=None, description="first broken entry id")
    reason: AuditBreak | None = Field(
        default=None, description="changed (edited), deleted (gap or missing link), "
                                  "reordered (links to another entry), inserted (after head)")
    message: str = ""
