"""Routes of official statistics (统计汇总) and quality checks (质检): /stats and /qc."""

from __future__ import annotations

import tempfile
from pathlib import Path as FilePath
from typing import Annotated, Literal

from onemap.api.deps import AppContext, current_actor
from onemap.quality import service as qc_service
from onemap.quality.models import QcReport, QcRunSummary
from onemap.reports.qc import render_qc_html, write_qc_xlsx
from onemap.reports.stats import write_stats
from onemap.stats.models import AdminLevel, StatsRow
from onemap.stats.service import compute_statistics, statistics_for_export
from onemap.store.access import Actor

from fastapi import APIRouter, Depends, Path, Query
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response

Me = Annotated[Actor, Depends(current_actor)]
RunId = Annotated[int, Path(ge=1, le=2**31 - 1, description="质检编号")]
Vintage = Annotated[int | None, Query(ge=1900, le=2200, description="年度; default latest")]
Level = Annotated[AdminLevel | None, Query(description="province | city | county | township")]
Counties = Annotated[list[str] | None, Query(description="6-digit county codes",
                                             max_length=200)]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def build_router(ctx: AppContext) -> APIRouter:
    """Return the /stats and /qc routes bound to the workspace in ``ctx``."""
    router = APIRouter(tags=["stats 统计汇总 / qc 质检"])
    ws = ctx.workspace

    @router.get("/stats", response_model=list[StatsRow])
    def stats_rows(actor: Me, vintage: Vintage = None, level: Level = None,
                   county: Counties = None) -> list[StatsRow]:
        table = compute_statistics(ws, vintage, actor=actor, levels=[level] if level else None,
                                   counties=county)
        return table.rows

    @router.get("/stats/export", response_class=Response)
    def stats_export(actor: Me, vintage: Vintage = None, level: Level = None,
                     format: Literal["xlsx", "csv"] = "xlsx") -> Response:
        table = statistics_for_export(ws, vintage, actor=actor, fmt=format,
                                      levels=[level] if level else None)
        with tempfile.TemporaryDirectory() as tmp:
            path = write_stats(table, FilePath(tmp) / f"stats.{format}")
            data = path.read_bytes()
        name = f"landuse-stats-{table.vintage}.{format}"
        return Response(data, media_type=XLSX if format == "xlsx" else "text/csv",
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})

    @router.get("/qc/runs", response_model=list[QcRunSummary])
    def qc_runs(actor: Me, kind: str | None = None,
                limit: Annotated[int, Query(ge=1, le=500)] = 50) -> list[QcRunSummary]:
        return qc_service.list_runs(ws, actor=actor, kind=kind, limit=limit)

    @router.post("/qc/runs", response_model=QcReport, status_code=201)
    async def qc_run(actor: Me, kind: str = "dltb", vintage: Vintage = None,
                     county: Counties = None) -> QcReport:
        return await run_in_threadpool(qc_service.run_quality_checks, ws, kind, vintage,
                                       actor=actor, counties=county)

    @router.get("/qc/runs/{run_id}", response_model=QcReport)
    def qc_report(run_id: RunId, actor: Me, rule: str | None = None) -> QcReport:
        return qc_service.get_report(ws, run_id, actor=actor, rule=rule)

    @router.get("/qc/runs/{run_id}/report.html", response_class=HTMLResponse)
    def qc_report_html(run_id: RunId, actor: Me,
                       lang: Literal["zh", "en"] = "zh") -> HTMLResponse:
        report = qc_service.report_for_export(ws, run_id, actor=actor, fmt="html")
        return HTMLResponse(render_qc_html(report, lang))

    @router.get("/qc/runs/{run_id}/report.xlsx", response_class=Response)
    def qc_report_xlsx(run_id: RunId, actor: Me) -> Response:
        report = qc_service.report_for_export(ws, run_id, actor=actor, fmt="xlsx")
        with tempfile.TemporaryDirectory() as tmp:
            data = write_qc_xlsx(report, FilePath(tmp) / "qc.xlsx").read_bytes()
        return Response(data, media_type=XLSX, headers={
            "Content-Disposition": f'attachment; filename="qc-{run_id}.xlsx"'})

    return router
