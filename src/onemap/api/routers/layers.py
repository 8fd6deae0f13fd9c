"""Layer tree, land-use styles, regions, search and exports for the web map."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Annotated, Literal

from onemap.api.deps import AppContext, scoped_reader
from onemap.api.styles import landuse_colors
from onemap.geometry.bbox import parse_bbox
from onemap.store import browse
from onemap.store.models import LayerSummary, Region, SearchHit
from onemap.store.reader import ScopedReader

from fastapi import APIRouter, BackgroundTasks, Depends, Query
from fastapi.responses import FileResponse

Data = Annotated[ScopedReader, Depends(scoped_reader)]


def build_router(ctx: AppContext) -> APIRouter:
    """Return /layers, /styles, /regions, /search and /exports routes."""
    router = APIRouter(tags=["layers 图层"])

    @router.get("/layers", response_model=list[LayerSummary])
    def list_layers(data: Data) -> list[LayerSummary]:
        """Layer vintages visible to the caller, by category, kind and vintage."""
        return browse.layer_tree(data)

    @router.get("/styles/landuse.json", response_model=dict[str, str])
    def landuse_style() -> dict[str, str]:
        """Land-class code (地类编码) → colour, national land-use colour conventions."""
        return landuse_colors()

    @router.get("/regions", response_model=list[Region])
    def regions(data: Data) -> list[Region]:
        """Counties in the caller's scope with their extent (from the admin_county layer)."""
        return browse.regions(data)

    @router.get("/search", response_model=list[SearchHit])
    def search(data: Data, q: Annotated[str, Query(min_length=1, max_length=64)],
               limit: Annotated[int, Query(ge=1, le=100)] = 20) -> list[SearchHit]:
        """Find regions by name or code, and features by 标识码/编号, within the caller's scope."""
        return browse.search(data, q, limit)

    @router.get("/exports/{collection_id}", response_class=FileResponse,
                responses={200: {"content": {"application/geo+json": {},
                                             "application/geopackage+sqlite3": {}}}})
    def export(collection_id: str, data: Data, background: BackgroundTasks,
               f: Annotated[Literal["geojson", "gpkg"], Query()] = "geojson",
               bbox: Annotated[str | None, Query(max_length=200)] = None) -> FileResponse:
        """Export the caller's part of a layer (scope and desensitisation applied; audited)."""
        tmp = Path(tempfile.mkdtemp(prefix="onemap-export-"))
        try:
            path = browse.export_view(data, collection_id, tmp, f,
                                      parse_bbox(bbox) if bbox else None)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        background.add_task(shutil.rmtree, tmp, True)
        return FileResponse(path, media_type=browse.EXPORT_FORMATS[f][2], filename=path.name)

    return router
