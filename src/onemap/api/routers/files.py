"""Routes for users' files: ``POST /files/area`` (check a deliverable) and ``POST /imports``.

Both take a multipart upload: one file (coordinate TXT, GeoJSON, GeoPackage, FlatGeobuf,
GeoParquet, CSV/XLSX, a ``.zip`` of any of them) or the files of one Shapefile
(.shp/.shx/.dbf/.prj/.cpg).
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated, Any

from onemap.api.deps import AppContext, current_actor
from onemap.api.uploads import save_upload
from onemap.store.access import Actor
from onemap.store.formats.areas import measure_features
from onemap.store.formats.models import (
    VINTAGE_MAX,
    VINTAGE_MIN,
    FeatureArea,
    ImportReport,
    ImportRequest,
)
from onemap.store.importer import import_file

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool

Me = Annotated[Actor, Depends(current_actor)]
MAX_UPLOAD = 500 * 1024 * 1024
_MAIN_SUFFIXES = (".shp", ".zip", ".gpkg", ".geojson", ".json", ".fgb", ".parquet", ".txt",
                  ".csv", ".xlsx")
_UPLOAD_DOC: dict[str, Any] = {"requestBody": {"required": True, "content": {
    "multipart/form-data": {"schema": {"type": "object", "properties": {
        "file": {"type": "array", "items": {"type": "string", "format": "binary"},
                 "description": "one file, a .zip, or a Shapefile's .shp/.shx/.dbf/.prj/.cpg"}
    }}}}}}
EncodingQ = Annotated[str | None, Query(max_length=32, description="text encoding (default: "
                                                                    "detect UTF-8 / GBK)")]
CrsQ = Annotated[str | None, Query(max_length=64, description="source CRS, e.g. 4527")]
LayerQ = Annotated[str | None, Query(max_length=128, description="layer of a GPKG/GDB")]


async def _save_upload(request: Request, folder: Path) -> Path:
    return await save_upload(request, folder, max_bytes=MAX_UPLOAD, main_suffixes=_MAIN_SUFFIXES,
                             what="supported file (" + " ".join(_MAIN_SUFFIXES) + ")")


def build_router(ctx: AppContext) -> APIRouter:
    """Return the /files and /imports routes bound to the workspace in ``ctx``."""
    router = APIRouter(tags=["files 数据导入"])

    @router.post("/files/area", response_model=list[FeatureArea], openapi_extra=_UPLOAD_DOC)
    async def file_area(request: Request, actor: Me, encoding: EncodingQ = None,
                        crs: CrsQ = None, layer: LayerQ = None) -> list[FeatureArea]:
        """Ellipsoidal area of every feature or parcel of an uploaded file (CGCS2000)."""
        with tempfile.TemporaryDirectory(prefix="onemap-area-") as tmp:
            path = await _save_upload(request, Path(tmp))
            return await run_in_threadpool(measure_features, path, encoding=encoding, crs=crs,
                                           layer=layer, source_name=path.name)

    @router.post("/imports", response_model=ImportReport, status_code=201,
                 openapi_extra=_UPLOAD_DOC)
    async def import_upload(
        request: Request, actor: Me,
        kind: Annotated[str, Query(max_length=64, description="layer kind, e.g. dltb")],
        vintage: Annotated[int | None, Query(
            description=f"年度 ({VINTAGE_MIN}–{VINTAGE_MAX}; checked by ImportRequest, as in "
                        "the CLI)")] = None,
        encoding: EncodingQ = None, crs: CrsQ = None, layer: LayerQ = None,
        alias: Annotated[list[str] | None, Query(max_length=200,
                                                 description="SRC=FIELD")] = None,
        skip_invalid: bool = False,
        check: Annotated[bool, Query(description="run every check, write nothing")] = False,
    ) -> ImportReport:
        """Import an uploaded file as layer ``kind``/``vintage`` (writers, within scope)."""
        with tempfile.TemporaryDirectory(prefix="onemap-import-") as tmp:
            path = await _save_upload(request, Path(tmp))
            job = ImportRequest(path=path, source_name=path.name, kind=kind, vintage=vintage,
                                encoding=encoding, crs=crs, layer=layer, aliases=alias or [],
                                skip_invalid=skip_invalid, dry_run=check)
            return await run_in_threadpool(import_file, ctx.workspace, job, actor=actor)

    return router
