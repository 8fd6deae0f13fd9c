"""Routes of the carbon accounts (碳储量核算) and the restoration project library: /carbon."""

from __future__ import annotations

import tempfile
from pathlib import Path as FsPath
from typing import Annotated

from onemap.api.deps import AppContext, current_actor
from onemap.carbon import service
from onemap.carbon.models import CarbonMap, ChangeResult, DensityTable, ProjectList, StockResult
from onemap.store.access import Actor

from fastapi import APIRouter, BackgroundTasks, Depends, Query
from fastapi.responses import FileResponse

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
Me = Annotated[Actor, Depends(current_actor)]
Year = Annotated[int, Query(ge=1990, le=2100)]
Draws = Annotated[int, Query(ge=0, le=20000, description="Monte Carlo draws (0: none)")]
Seed = Annotated[int, Query(ge=0, le=2**31 - 1)]
Batch = Annotated[int | None, Query(ge=1, le=2**31 - 1)]
RankBy = Annotated[str, Query(pattern="^(gain_per_wan|gain|area|budget)$")]
County = Annotated[str | None, Query(pattern=r"^\d{6}$")]


def build_router(ctx: AppContext) -> APIRouter:
    """Return the /carbon routes bound to the workspace in ``ctx``."""
    router = APIRouter(prefix="/carbon", tags=["carbon 碳储量"])
    ws = ctx.workspace

    @router.get("/densities", response_model=DensityTable)
    def densities(actor: Me) -> DensityTable:
        """Return the density table (t C/ha per class and pool) with the source of every number."""
        return service.density_table(ws, actor)

    @router.get("/stock", response_model=StockResult)
    def stock(actor: Me, vintage: Year, draws: Draws = 0, seed: Seed = 2020) -> StockResult:
        """Carbon stock per county in scope and in total (t C, t CO₂e, four pools)."""
        return service.carbon_stock(ws, actor, vintage, draws=draws, seed=seed)

    @router.get("/stock.xlsx", response_class=FileResponse)
    def stock_xlsx(actor: Me, tasks: BackgroundTasks, vintage: Year) -> FileResponse:
        """Return the stock as XLSX (by county, by land class)."""
        from onemap.reports.carbon_tables import write_stock_xlsx

        result = service.export_stock(ws, actor, vintage)
        return _file(tasks, lambda p: write_stock_xlsx(p, [result]), f"carbon-{vintage}.xlsx")

    @router.get("/change", response_model=ChangeResult)
    def change(actor: Me, from_year: Year, to_year: Year, batch_id: Batch = None,
               draws: Draws = 0, seed: Seed = 2020) -> ChangeResult:
        """Stock change between vintages from a change-detection batch (newest by default)."""
        return service.carbon_change(ws, actor, from_year, to_year, batch_id=batch_id,
                                     draws=draws, seed=seed)

    @router.get("/change.xlsx", response_class=FileResponse)
    def change_xlsx(actor: Me, tasks: BackgroundTasks, from_year: Year, to_year: Year,
                    batch_id: Batch = None) -> FileResponse:
        """Return the change as XLSX: by county, by conversion type, from × to matrix (t C)."""
        from onemap.reports.carbon_tables import write_change_xlsx

        result = service.export_change(ws, actor, from_year, to_year, batch_id=batch_id)
        return _file(tasks, lambda p: write_change_xlsx(p, result),
                     f"carbon-change-{from_year}-{to_year}.xlsx")

    @router.get("/map", response_model=CarbonMap)
    def choropleth(actor: Me, vintage: Year, from_year: Annotated[
            int | None, Query(ge=1990, le=2100)] = None) -> CarbonMap:
        """County choropleth: t C/ha and, with ``from_year``, the change since then."""
        return service.carbon_map(ws, actor, vintage, from_year=from_year)

    @router.get("/projects", response_model=ProjectList)
    def projects(actor: Me, rank_by: RankBy = "gain_per_wan", county: County = None,
                 ) -> ProjectList:
        """List the ranked restoration project library (生态保护修复项目储备库) in scope."""
        return service.list_projects(ws, actor, rank_by=rank_by, county=county)

    @router.get("/projects.xlsx", response_class=FileResponse)
    def projects_xlsx(actor: Me, tasks: BackgroundTasks,
                      rank_by: RankBy = "gain_per_wan") -> FileResponse:
        """Return the project library as XLSX."""
        from onemap.reports.carbon_tables import write_projects_xlsx

        listing = service.export_projects(ws, actor, rank_by=rank_by)
        return _file(tasks, lambda p: write_projects_xlsx(p, listing), "restoration-projects.xlsx")

    return router


def _file(tasks: BackgroundTasks, write: object, name: str) -> FileResponse:
    folder = FsPath(tempfile.mkdtemp(prefix="onemap-carbon-"))
    path = write(folder / name)  # type: ignore[operator]
    tasks.add_task(_cleanup, folder)
    return FileResponse(path, media_type=XLSX, filename=name)


def _cleanup(folder: FsPath) -> None:
    import shutil

    shutil.rmtree(folder, ignore_errors=True)
