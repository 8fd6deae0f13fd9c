"""OGC API payloads shared by Features and Tiles: links, landing page, collections."""

from __future__ import annotations

from pydantic import BaseModel, Field


class Link(BaseModel):
    """A web link (RFC 8288) as OGC API documents carry them."""

    href: str
    rel: str
    type: str | None = None
    title: str | None = None
    templated: bool | None = None


class LandingPage(BaseModel):
    """The OGC API landing page."""

    title: str
    description: str
    links: list[Link]


class Conformance(BaseModel):
    """Conformance classes the service implements."""

    conformsTo: list[str]


class SpatialExtent(BaseModel):
    """Bounding boxes in CRS84."""

    bbox: list[list[float]]
    crs: str = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"


class Extent(BaseModel):
    """Extent of a collection."""

    spatial: SpatialExtent


class Collection(BaseModel):
    """One feature collection (a layer kind × vintage)."""

    id: str
    title: str
    description: str = ""
    links: list[Link]
    extent: Extent | None = None
    itemType: str = "feature"
    crs: list[str] = Field(default_factory=list)
    storageCrs: str | None = None
    keywords: list[str] = Field(default_factory=list)


class Collections(BaseModel):
    """The list of collections."""

    links: list[Link]
    collections: list[Collection]
