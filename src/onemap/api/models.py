"""Schemas of the web platform's own JSON routes (layers, regions, search)."""

from __future__ import annotations

from pydantic import BaseModel, Field


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
