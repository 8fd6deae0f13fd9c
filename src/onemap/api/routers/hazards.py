"""Routes of geohazard warning (地质灾害气象风险预警): /hazards."""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path as FsPath
from typing import Annotated

from onemap.api.deps import AppContext, current_actor
from onemap.hazards import evaluation, loop, service
from onemap.hazards.models import (
    Batch,
    BatchDetail,
    BatchStatus,
    CloseRequest,
    EventRequest,
    HazardEvent,
    IssueRequest,
    IssueResult,
    Response,
    ResponseRequest,
    ScoreReport,
    WarningRun,
)
from onemap.store.access import Actor

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import HTMLResponse
from fastapi.responses import Response as HttpResponse

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
Me = Annotated[Actor, Depends(current_actor)]
BatchId = Annotated[int, Path(ge=1, le=2**31 - 1, description="warning batch id")]
County = Annotated[str | None, Query(pattern=r"^\d{6}$")]


def build_router(ctx: AppContext) -> APIRouter:
    """Return the /hazards routes bound to the workspace in ``ctx``."""
    router = APIRouter(prefix="/hazards", tags=["hazards 地质灾害预警"])
    ws = ctx.workspace

    @router.get("/warnings", response_model=WarningRun)
    def warnings(actor: Me, on: date, county: County = None,
                 observed: bool = False) -> WarningRun:
        """Return the day's warning of every point and zone in scope (figures, rule, geometry)."""
        return service.compute_warnings(ws, actor, on, counties=[county] if county else None,
                                        use_forecast=not observed, with_geometry=True)

    @router.get("/batches", response_model=list[Batch])
    def batches(actor: Me, county: County = None, status: BatchStatus | None = None,
                on: date | None = None) -> list[Batch]:
        """Return the warning batches in scope, newest first."""
        return loop.list_batches(ws, actor, county=county, status=status, on=on)

    @router.post("/batches", response_model=IssueResult, status_code=201)
    def issue(body: IssueRequest, actor: Me) -> IssueResult:
        """Issue (发布) one batch per county with warned sites, notices for warned points."""
        return loop.issue(ws, actor, body)

    @router.get("/batches/{batch_id}", response_model=BatchDetail)
    def batch(batch_id: BatchId, actor: Me) -> BatchDetail:
        """Return a batch with its warnings, notices and responses."""
        return loop.get_batch(ws, actor, batch_id)

    @router.get("/batches/{batch_id}/notices.xlsx", response_class=HttpResponse)
    def notices(batch_id: BatchId, actor: Me) -> HttpResponse:
        """Return the notice list (预警通知清单) with SMS texts and responses."""
        from onemap.reports.hazards import write_notices

        detail = loop.notices_for_export(ws, actor, batch_id)
        with tempfile.TemporaryDirectory() as tmp:
            path = write_notices(FsPath(tmp) / "notices.xlsx", detail)
            data = path.read_bytes()
        return HttpResponse(data, media_type=XLSX, headers={
            "Content-Disposition": f'attachment; filename="{detail.batch_no}.xlsx"'})

    @router.post("/batches/{batch_id}/responses", response_model=Response, status_code=201)
    def respond(batch_id: BatchId, body: ResponseRequest, actor: Me) -> Response:
        """Record a response (已通知/已巡查/已撤离/险情上报) to a point's notice."""
        return loop.respond(ws, actor, batch_id, body)

    @router.post("/batches/{batch_id}/close", response_model=Batch)
    def close(batch_id: BatchId, body: CloseRequest, actor: Me) -> Batch:
        """Lift (解除) the batch with its feedback summary."""
        return loop.close(ws, actor, batch_id, body)

    @router.get("/events", response_model=list[HazardEvent])
    def events(actor: Me, start: date | None = None, end: date | None = None
               ) -> list[HazardEvent]:
        """Return the recorded events in scope, each linked to its batch or a miss."""
        return loop.list_events(ws, actor, start=start, end=end)

    @router.post("/events", response_model=HazardEvent, status_code=201)
    def event(body: EventRequest, actor: Me) -> HazardEvent:
        """Record an event at a point (linked to the batch that warned it, or a miss)."""
        return loop.record_event(ws, actor, body)

    @router.get("/scores", response_model=ScoreReport)
    def scores(actor: Me, start: date, end: date) -> ScoreReport:
        """Hindcast: hits, misses, false alarms, POD, FAR, CSI, TSS per level and county."""
        return evaluation.score(ws, actor, start, end)

    @router.get("/bulletin.html", response_class=HTMLResponse)
    def bulletin_html(actor: Me, on: date) -> HTMLResponse:
        """Return the day's warning bulletin (预警单) as HTML."""
        from onemap.reports.hazards import render_bulletin_html

        b = loop.bulletin(ws, actor, on)
        zones, counties = service.bulletin_layers(ws, actor)
        return HTMLResponse(render_bulletin_html(b, zones, counties))

    @router.get("/bulletin.pdf", response_class=HttpResponse)
    def bulletin_pdf(actor: Me, on: date) -> HttpResponse:
        """Return the day's warning bulletin (预警单) as PDF."""
        from onemap.reports.hazards import render_bulletin_pdf

        b = loop.bulletin(ws, actor, on)
        zones, counties = service.bulletin_layers(ws, actor)
        return HttpResponse(render_bulletin_pdf(b, zones, counties),
                            media_type="application/pdf",
                            headers={"Content-Disposition":
                                     f'attachment; filename="bulletin-{on}.pdf"'})

    return router
