"""Layer tree, land-use styles, regions, search and exports for the web map."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated, Literal

import numpy as np
import pyogrio

from onemap.api.deps import AppContext, current_actor, scoped_data
from onemap.api.models import FieldInfo, LayerSummary, Region, SearchHit
from onemap.api.scope import LayerEntry, ScopedData
from onemap.api.styles import landuse_colors
from onemap.errors import InvalidInput
from onemap.store.access import Actor
from onemap.store.kinds import get_kind
from onemap.store.policy import Action, sensitive_fields

from fastapi import APIRouter, BackgroundTasks, Depends, Query
from fastapi.responses import FileResponse

_EXPORTS = {"geojson": ("GeoJSON", ".geojson", "application/geo+json"),
            "gpkg": ("GPKG", ".gpkg", "application/geopackage+sqlite3")}


Data = Annotated[ScopedData, Depends(scoped_data)]
Current = Annotated[Actor, Depends(current_actor)]


def summarise(data: ScopedData, entry: LayerEntry) -> LayerSummary:
    """Describe a visible layer vintage with its in-scope feature count."""
    spec = get_kind(entry.info.kind)
    hidden = set(sensitive_fields(spec.name)) if data.actor.is_public else set()
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


def build_router(ctx: AppContext) -> APIRouter:
    """Return /layers, /styles, /regions, /search and /exports routes."""
    router = APIRouter(tags=["layers 图层"])

    @router.get("/layers", response_model=list[LayerSummary])
    def list_layers(data: Data) -> list[LayerSummary]:
        """Layer vintages visible to the caller, by category, kind and vintage."""
        entries = sorted(data.layers(), key=lambda e: (get_kind(e.info.kind).category,
                                                       e.info.kind, -e.info.vintage))
        return [summarise(data, e) for e in entries]

    @router.get("/styles/landuse.json", response_model=dict[str, str])
    def landuse_style() -> dict[str, str]:
        """Land-class code (地类编码) → colour, national land-use colour conventions."""
        return landuse_colors()

    @router.get("/regions", response_model=list[Region])
    def regions(data: Data) -> list[Region]:
        """Counties in the caller's scope with their extent (from the admin_county layer)."""
        try:
            entry = data.layer("admin_county")
        except Exception:
            return []
        gdf = data.read(entry)
        out = []
        for row, bounds in zip(gdf.itertuples(), gdf.geometry.bounds.to_numpy(), strict=True):
            out.append(Region(code=str(row.XZQDM)[:6], name=str(getattr(row, "XZQMC", "")),
                              bbox=tuple(float(v) for v in bounds)))
        return sorted(out, key=lambda r: r.code)

    @router.get("/search", response_model=list[SearchHit])
    def search(data: Data, q: Annotated[str, Query(min_length=1, max_length=64)],
               limit: Annotated[int, Query(ge=1, le=100)] = 20) -> list[SearchHit]:
        """Find regions by name or code, and features by 标识码/编号, within the caller's scope."""
        hits: list[SearchHit] = []
        for entry in data.layers():
            spec = get_kind(entry.info.kind)
            keys = [f for f in ("XZQMC", "XZQDM", "BSM", "JCBH", "XKZH", "ZHDBH", "PZWH")
                    if spec.spec(f) is not None]
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

    @router.get("/exports/{collection_id}", response_class=FileResponse,
                responses={200: {"content": {"application/geo+json": {},
                                             "application/geopackage+sqlite3": {}}}})
    def export(collection_id: str, data: Data, actor: Current, background: BackgroundTasks,
               f: Annotated[Literal["geojson", "gpkg"], Query()] = "geojson",
               bbox: Annotated[str | None, Query(max_length=200)] = None) -> FileResponse:
        """Export the caller's part of a layer (scope and desensitisation applied; audited)."""
        ctx.workspace.authorize(actor, Action.EXPORT, what=f"layer {collection_id}")
        entry = data.by_collection(collection_id)
        box = _parse_bbox(bbox) if bbox else None
        gdf = data.read(entry, box)
        driver, suffix, media = _EXPORTS[f]
        tmp = Path(tempfile.mkdtemp(prefix="onemap-export-"))
        path = tmp / f"{collection_id}{suffix}"
        if len(gdf):
            pyogrio.write_dataframe(gdf, path, driver=driver, layer=collection_id)
        else:
            path.write_text('{"type":"FeatureCollection","features":[]}', encoding="utf-8")
        ctx.workspace.audit(actor.username, "layer.export", collection_id,
                            {"format": f, "features": len(gdf), "bbox": bbox})
        background.add_task(_cleanup, tmp)
        return FileResponse(path, media_type=media, filename=path.name)

    return router


def _parse_bbox(text: str) -> tuple[float, float, float, float]:
    try:
        vals = [float(v) for v in text.split(",")]
    except ValueError:
        raise InvalidInput(f"bbox must be 4 numbers, got {text!r}") from None
    if len(vals) != 4 or not all(np.isfinite(vals)) or vals[0] > vals[2] or vals[1] > vals[3]:
        raise InvalidInput(f"bbox must be minx,miny,maxx,maxy, got {text!r}")
    return vals[0], vals[1], vals[2], vals[3]


def _cleanup(folder: Path) -> None:
    for p in folder.iterdir():
        p.unlink(missing_ok=True)
    folder.rmdir()
