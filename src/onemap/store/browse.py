"""What the web map browses through the read path: layer tree, regions, search, exports.

Each function takes the caller's :class:`~onemap.store.reader.ScopedReader`, so only
visible layers and in-scope counties are listed, found or exported.
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING

import numpy as np
import pyogrio

from onemap.store.kinds import get_kind
from onemap.store.models import FieldInfo, LayerSummary, Region, SearchHit
from onemap.store.policy import Action, sensitive_fields

if TYPE_CHECKING:
    from pathlib import Path

    from onemap.geometry.bbox import BBox
    from onemap.store.reader import LayerEntry, ScopedReader

EXPORT_FORMATS: dict[str, tuple[str, str, str]] = {
    "geojson": ("GeoJSON", ".geojson", "application/geo+json"),
    "gpkg": ("GPKG", ".gpkg", "application/geopackage+sqlite3"),
}
"""Export format → (GDAL driver, suffix, media type)."""

_log = logging.getLogger(__name__)
SEARCH_FIELDS = ("XZQMC", "XZQDM", "BSM", "JCBH", "XKZH", "ZHDBH", "PZWH")
"""Attributes searched: names and codes of regions, 标识码 and the registers' numbers."""


def summarise(data: ScopedReader, entry: LayerEntry) -> LayerSummary:
    """Describe a visible layer vintage with its in-scope feature count."""
    spec = get_kind(entry.info.kind)
    hidden = set(sensitive_fields(spec.name)) if data.desensitised else set()
    parts = entry.partitions
    bbox = None
    if parts:
        b = np.array([p.bbox for p in parts])
        bbox = (float(b[:, 0].min()), float(b[:, 1].min()), float(b[:, 2].max()),
                float(b[:, 3].max()))
    return LayerSummary(
        id=entry.collection_id, kind=spec.name, vintage=entry.info.vintage,
        title_zh=spec.title_zh, title_en=spec.title_en, category=spec.category,
        geometry=spec.geometry, classification=entry.info.classification,
        published=entry.info.published, features=sum(p.rows for p in parts), bbox=bbox,
        fields=[FieldInfo(name=f.name, title_zh=f.title_zh, type=f.type, sensitive=f.sensitive)
                for f in spec.fields if f.name not in hidden])


def layer_tree(data: ScopedReader) -> list[LayerSummary]:
    """Layer vintages visible to the caller, by category, kind and newest vintage first."""
    entries = sorted(data.layers(), key=lambda e: (get_kind(e.info.kind).category,
                                                   e.info.kind, -e.info.vintage))
    return [summarise(data, e) for e in entries]


def regions(data: ScopedReader) -> list[Region]:
    """Counties in the caller's scope with their extent (from the admin_county layer)."""
    entry, _ = data.latest("admin_county")
    if entry is None:
        return []
    gdf = data.read(entry)
    out = []
    for row, bounds in zip(gdf.itertuples(), gdf.geometry.bounds.to_numpy(), strict=True):
        out.append(Region(code=str(row.XZQDM)[:6], name=str(getattr(row, "XZQMC", "")),
                          bbox=tuple(float(v) for v in bounds)))
    return sorted(out, key=lambda r: r.code)


def search(data: ScopedReader, q: str, limit: int = 20) -> list[SearchHit]:
    """Find regions by name or code, and features by 标识码/编号, within the caller's scope."""
    hits: list[SearchHit] = []
    for entry in data.layers():
        spec = get_kind(entry.info.kind)
        keys = [f for f in SEARCH_FIELDS if spec.spec(f) is not None]
        if not keys:
            continue
        for part, pf, _ in data.chunks(entry):
            frame = pf.frame
            mask = np.zeros(len(frame), dtype=bool)
            for key in keys:
                if key in frame.columns:
                    mask |= frame[key].astype(str).str.contains(q, regex=False).to_numpy()
            for i in np.flatnonzero(mask)[: limit - len(hits)]:
                label = " ".join(str(frame[k].iloc[i]) for k in keys if k in frame.columns)
                hits.append(SearchHit(collection=entry.collection_id,
                                      feature_id=f"{part.county}-{i}",
                                      label=f"{spec.title_zh} {label}",
                                      bbox=tuple(float(v) for v in pf.bounds[i])))
            if len(hits) >= limit:
                return hits
    return hits


def warm_search(data: ScopedReader) -> int:
    """Load the partitions :func:`search` reads into the cache; return how many were read.

    Run at server start (``onemap serve``), so the first search is answered from memory.
    Stops early once the cache is full (what is loaded then is what fits).
    """
    loaded = 0
    for entry in data.layers():
        spec = get_kind(entry.info.kind)
        if not any(spec.spec(f) is not None for f in SEARCH_FIELDS):
            continue
        for _ in data.chunks(entry):
            loaded += 1
            if data.cache.full:
                return loaded
    return loaded


def warm_search_in_background(data: ScopedReader, *,
                              after: threading.Thread | None = None) -> threading.Thread:
    """Run :func:`warm_search` on a daemon thread (a failure is logged, never raised).

    ``after``: a warm-up to let finish first (the site-review one), so the two do not
    compete for the machine's cores at start-up.
    """

    def run() -> None:
        if after is not None:
            after.join()
        try:
            n = warm_search(data)
        except Exception:  # a cold search is slower, not wrong
            _log.warning("search warm-up failed", exc_info=True)
            return
        _log.info("search warm: %d partitions", n)

    thread = threading.Thread(target=run, name="search-warm", daemon=True)
    thread.start()
    return thread


def export_view(data: ScopedReader, collection: str, folder: Path, fmt: str = "geojson",
                bbox: BBox | None = None) -> Path:
    """Write the caller's part of a layer (scope and desensitisation applied) into ``folder``.

    The caller must be allowed to export (:data:`Action.EXPORT`); the export is audited
    (``layer.export``) with the format, feature count and bbox.
    """
    ws = data.reader.ws
    ws.authorize(data.actor, Action.EXPORT, what=f"layer {collection}")
    entry = data.by_collection(collection)
    gdf = data.read(entry, bbox)
    driver, suffix, _ = EXPORT_FORMATS[fmt]
    path = folder / f"{collection}{suffix}"
    if len(gdf):
        pyogrio.write_dataframe(gdf, path, driver=driver, layer=collection)
    else:
        path.write_text('{"type":"FeatureCollection","features":[]}', encoding="utf-8")
    ws.audit(data.actor.username, "layer.export", collection,
             {"format": fmt, "features": len(gdf), "bbox": list(bbox) if bbox else None})
    return path
