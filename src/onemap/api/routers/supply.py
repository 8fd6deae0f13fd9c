"""Routes of land supply supervision (批供用): /supply."""

from __future__ import annotations

import tempfile
from pathlib import Path as FsPath
from typing import Annotated, Any

from pydantic import BaseModel, Field

from onemap.api.deps import AppContext, current_actor
from onemap.cases.models import Case
from onemap.store.access import Actor
from onemap.supply import service
from onemap.supply.models import SupplyStatus

from fastapi import APIRouter, BackgroundTasks, Depends, Query
from fastapi.responses import FileResponse

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
Me = Annotated[Actor, Depends(current_actor)]
Year = Annotated[int, Query(ge=1990, le=2100)]
Ratio = Annotated[float, Query(ge=0, le=10, description="增存挂钩 ratio")]


class IdleCaseIn(BaseModel):
    """Open a case for a suspected idle or idle parcel of a year."""

    year: int = Field(ge=1990, le=2100)
    gdbh: str = Field(min_length=1, max_length=64, description="供地编号")


def build_router(ctx: AppContext) -> APIRouter:
    """Return the /supply routes bound to the workspace in ``ctx``."""
    router = APIRouter(prefix="/supply", tags=["supply 批供用监管"])
    ws = ctx.workspace

    @router.get("/status", response_model=SupplyStatus)
    def status(actor: Me, year: Year, ratio: Ratio = service.DEFAULT_LINK_RATIO,
               ) -> SupplyStatus:
        """批而未供, 闲置土地 and 增存挂钩 per county in scope and the total."""
        return service.supply_status(ws, actor, year, link_ratio=ratio, with_geometry=False)

    @router.get("/status.xlsx", response_class=FileResponse)
    def status_xlsx(actor: Me, tasks: BackgroundTasks, year: Year,
                    ratio: Ratio = service.DEFAULT_LINK_RATIO) -> FileResponse:
        """Return the status as XLSX (counties, unsupplied batches, idle parcels)."""
        from onemap.reports.quota import write_supply_status

        st = service.export_status(ws, actor, year, link_ratio=ratio)
        folder = FsPath(tempfile.mkdtemp(prefix="onemap-supply-"))
        path = write_supply_status(folder / f"pigongyong-{year}.xlsx", st)
        tasks.add_task(_cleanup, folder)
        return FileResponse(path, media_type=XLSX, filename=path.name)

    @router.get("/idle")
    def idle(actor: Me, year: Year) -> dict[str, Any]:
        """Suspected idle and idle parcels as a GeoJSON FeatureCollection (the map layer)."""
        feats = [{"type": "Feature", "geometry": p.geometry,
                  "properties": p.model_dump(exclude={"geometry"}, mode="json")}
                 for p in service.idle_parcels(ws, actor, year)]
        return {"type": "FeatureCollection", "features": feats}

    @router.post("/cases", response_model=Case, status_code=201)
    def open_case(body: IdleCaseIn, actor: Me) -> Case:
        """Open an enforcement case for an idle parcel (reuses the cases capability)."""
        return service.open_idle_case(ws, actor, body.year, body.gdbh)

    return router


def _cleanup(folder: FsPath) -> None:
    import shutil

    shutil.rmtree(folder, ignore_errors=True)
