"""Typed results of the store: layer and partition descriptions."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class PartitionInfo(BaseModel):
    """One county partition of a layer vintage."""

    county: str = Field(description="县级行政区划代码")
    path: str = Field(description="GeoParquet file, relative to the workspace")
    rows: int
    area_m2: float = Field(description="椭球面积合计 (m²)")
    bbox: tuple[float, float, float, float]
    checksum: str


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
    """One audit-log record."""

    id: int
    at: datetime
    actor: str
    action: str
    target: str
    detail: dict[str, object]
