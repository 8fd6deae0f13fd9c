"""Routes of natural-resource registration (自然资源确权登记): /registry."""

from __future__ import annotations

import tempfile
from pathlib import Path as FsPath
from typing import Annotated, Any

from onemap.api.deps import AppContext, current_actor
from onemap.api.uploads import save_upload
from onemap.registry import service
from onemap.registry.models import (
    CoverageReport,
    ImportResult,
    QcReport,
    Register,
    RegisterBatch,
    ReregistrationReport,
    StageEvent,
    StageIn,
    Unit,
)
from onemap.store.access import Actor
from onemap.store.formats.models import ImportRequest

from fastapi import APIRouter, BackgroundTasks, Depends, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, Response

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
Me = Annotated[Actor, Depends(current_actor)]
Vintage = Annotated[int | None, Query(ge=1990, le=2100)]
Number = Annotated[str, Path(pattern=r"^[0-9A-Za-z]{1,32}$", description="登记单元号")]
County = Annotated[str | None, Query(pattern=r"^\d{6}$")]
MAX_UPLOAD = 200 * 1024 * 1024
_SUFFIXES = (".shp", ".zip", ".gpkg", ".geojson", ".json", ".fgb")
_UPLOAD_DOC: dict[str, Any] = {"requestBody": {"required": True, "content": {
    "multipart/form-data": {"schema": {"type": "object", "properties": {
        "file": {"type": "array", "items": {"type": "string", "format": "binary"},
                 "description": "one file, a .zip, or a Shapefile's parts"}}}}}}}


def build_router(ctx: AppContext) -> APIRouter:
    """Return the /registry routes bound to the workspace in ``ctx``."""
    router = APIRouter(prefix="/registry", tags=["registry 确权登记"])
    ws = ctx.workspace

    @router.get("/units", response_model=list[Unit])
    def units(actor: Me, county: County = None,
              stage: Annotated[str | None, Query(max_length=8)] = None) -> list[Unit]:
        """Registration units in the caller's counties with their current stage."""
        return service.list_units(ws, actor, county=county, stage=stage)

    @router.post("/import", response_model=ImportResult, status_code=201,
                 openapi_extra=_UPLOAD_DOC)
    async def import_units(request: Request, actor: Me,
                           layer: Annotated[str | None, Query(max_length=128)] = None,
                           ) -> ImportResult:
        """Import uploaded registration units after QC (422 with the findings; nothing kept)."""
        with tempfile.TemporaryDirectory(prefix="onemap-registry-import-") as tmp:
            path = await save_upload(request, FsPath(tmp), max_bytes=MAX_UPLOAD,
                                     main_suffixes=_SUFFIXES,
                                     what="unit file (" + " ".join(_SUFFIXES) + ")")
            job = ImportRequest(path=path, source_name=path.name, kind="registration_unit",
                                layer=layer)
            return await run_in_threadpool(service.import_units, ws, actor, job)

    @router.get("/units.geojson")
    def units_geojson(actor: Me, county: County = None) -> dict[str, Any]:
        """Return unit outlines with number, name, type and stage (for the web map)."""
        return service.units_feature_collection(ws, actor, county=county)

    @router.get("/units/{number}", response_model=Unit)
    def unit(number: Number, actor: Me) -> Unit:
        """One unit (403 outside the caller's counties, 404 if there is none)."""
        return service.get_unit(ws, actor, number)

    @router.get("/units/{number}/stages", response_model=list[StageEvent])
    def stages(number: Number, actor: Me) -> list[StageEvent]:
        """Stage history of one unit (append-only)."""
        return service.stage_history(ws, actor, number)

    @router.post("/units/{number}/stage", response_model=StageEvent, status_code=201)
    def advance(number: Number, body: StageIn, actor: Me) -> StageEvent:
        """Move a unit to its next stage (409 when the workflow refuses)."""
        return service.advance_stage(ws, actor, number, body)

    @router.get("/units/{number}/register", response_model=Register)
    def register(number: Number, actor: Me, vintage: Vintage = None) -> Register:
        """Return the unit's register: the recorded snapshot of the vintage, else computed."""
        return service.get_register(ws, actor, number, vintage=vintage)

    @router.get("/units/{number}/register.pdf", response_class=Response)
    def register_pdf(number: Number, actor: Me, vintage: Vintage = None,
                     lang: Annotated[str, Query(pattern="^(zh|en)$")] = "zh") -> Response:
        """Return the 登记簿 of one unit as PDF (export right, audited)."""
        from onemap.reports.registry import render_register_pdf

        reg = service.register_for_export(ws, actor, number, vintage=vintage)
        pdf = render_register_pdf(ws, reg, service.unit_geometry(ws, actor, number), lang=lang)
        return Response(pdf, media_type="application/pdf", headers={
            "Content-Disposition": f'attachment; filename="register-{number}.pdf"'})

    @router.post("/registers", response_model=RegisterBatch, status_code=201)
    def record(actor: Me, vintage: Vintage = None, county: County = None) -> RegisterBatch:
        """Compute and record the registers of the units in the caller's counties (or one)."""
        return service.compute_registers(ws, actor, vintage=vintage, county=county, record=True)

    @router.get("/registers.xlsx", response_class=FileResponse)
    def registers_xlsx(actor: Me, tasks: BackgroundTasks, vintage: Vintage = None
                       ) -> FileResponse:
        """Every unit's register in scope as XLSX."""
        from onemap.reports.registry import write_registers_xlsx

        batch = service.registers_for_export(ws, actor, vintage=vintage)
        folder = FsPath(tempfile.mkdtemp(prefix="onemap-registry-"))
        path = write_registers_xlsx(folder / "dengjibu.xlsx", batch)
        tasks.add_task(_cleanup, folder)
        return FileResponse(path, media_type=XLSX, filename=path.name)

    @router.get("/qc", response_model=QcReport)
    def qc(actor: Me) -> QcReport:
        """Registration QC of the stored units in scope."""
        return service.qc_stored(ws, actor)

    @router.get("/reregistration", response_model=ReregistrationReport)
    def reregistration(actor: Me, to: Annotated[int, Query(ge=1990, le=2100)],
                       from_: Annotated[int | None, Query(alias="from", ge=1990, le=2100)]
                       = None, threshold: Annotated[float, Query(gt=0, lt=1)] = 0.01,
                       ) -> ReregistrationReport:
        """Units whose natural status changed beyond ``threshold`` between two vintages."""
        return service.reregistration(ws, actor, to_vintage=to, from_vintage=from_,
                                      threshold=threshold)

    @router.get("/coverage", response_model=CoverageReport)
    def coverage(actor: Me, vintage: Vintage = None) -> CoverageReport:
        """登记全覆盖 per county in scope and for the caller's region."""
        return service.compute_coverage(ws, actor, vintage=vintage)

    return router


def _cleanup(folder: FsPath) -> None:
    import shutil

    shutil.rmtree(folder, ignore_errors=True)
