"""Routes of plan indicators and early warning (规划指标监测预警): /indicators."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated, Literal

from onemap.api.deps import AppContext, current_actor
from onemap.errors import InvalidInput
from onemap.indicators import catalog, service, statistics
from onemap.indicators.models import (
    Evaluation,
    Indicator,
    IndicatorEdit,
    IndicatorValue,
    Quota,
    QuotaEntry,
    ValueEntry,
)
from onemap.indicators.statistics import ImportResult
from onemap.reports.indicators import (
    render_dashboard_html,
    render_indicators_html,
    render_indicators_pdf,
    write_indicators_xlsx,
)
from onemap.store.access import Actor

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response

Me = Annotated[Actor, Depends(current_actor)]
Year = Annotated[int, Query(ge=1949, le=2100, description="evaluation year (体检年度)")]
OptYear = Annotated[int | None, Query(ge=1949, le=2100)]
Region = Annotated[str | None, Query(pattern=r"^\d{6}$", description="行政区划代码")]
Level = Annotated[Literal["province", "city", "county"] | None, Query()]
Lang = Annotated[Literal["zh", "en"], Query()]
Mode = Annotated[Literal["annual", "midterm", "final"], Query()]
IdQ = Annotated[str | None, Query(max_length=64)]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_MAX_UPLOAD = 20 * 1024 * 1024


def build_router(ctx: AppContext) -> APIRouter:
    """Return the /indicators routes bound to the workspace in ``ctx``."""
    router = APIRouter(prefix="/indicators", tags=["indicators 规划指标"])
    ws = ctx.workspace

    @router.get("", response_model=list[Indicator])
    def list_catalog(actor: Me) -> list[Indicator]:
        """Return the indicator catalog (指标体系); reading it stores nothing."""
        return catalog.read_catalog(ws, actor=actor)

    @router.get("/evaluations", response_model=list[Evaluation])
    def evaluations(actor: Me, year: Year, indicator: IdQ = None, region: Region = None,
                    level: Level = None, lang: Lang = "zh") -> list[Evaluation]:
        return service.evaluate(ws, year, actor=actor, indicator=indicator, region=region,
                                level=level, lang=lang).evaluations

    @router.get("/values", response_model=list[IndicatorValue])
    def values(actor: Me, indicator: IdQ = None, region: Region = None,
               year: OptYear = None) -> list[IndicatorValue]:
        return service.list_values(ws, actor=actor, indicator=indicator, region=region,
                                   year=year)

    @router.put("/values", response_model=IndicatorValue)
    def enter_value(body: ValueEntry, actor: Me) -> IndicatorValue:
        return statistics.set_value(ws, body.id, body.region, body.year, body.value,
                                    actor=actor, note=body.note)

    @router.put("/quotas", response_model=Quota)
    def enter_quota(body: QuotaEntry, actor: Me) -> Quota:
        return statistics.set_quota(ws, body.id, body.region, body.value, actor=actor)

    @router.post("/import", response_model=ImportResult, status_code=201)
    async def import_file(request: Request, actor: Me) -> ImportResult:
        """Import a statistics CSV/XLSX (multipart field ``file``)."""
        form = await request.form()
        upload = form.get("file")
        if upload is None or isinstance(upload, str) or not upload.filename:
            raise InvalidInput("no file in the upload (multipart field 'file')")
        name = Path(str(upload.filename)).name
        data = await upload.read()
        if len(data) > _MAX_UPLOAD:
            raise InvalidInput("the statistics file is larger than 20 MB")
        with tempfile.TemporaryDirectory(prefix="onemap-ind-") as tmp:
            path = Path(tmp) / name
            path.write_bytes(data)
            return await run_in_threadpool(statistics.import_statistics, ws, path,
                                           actor=actor)

    @router.get("/report.pdf", response_class=Response)
    def report_pdf(actor: Me, year: Year, mode: Mode = "annual", lang: Lang = "zh") -> Response:
        evs = service.export_report(ws, year, actor=actor, fmt="pdf", mode=mode,
                                    lang=lang).evaluations
        return Response(render_indicators_pdf(ws, evs, lang), media_type="application/pdf",
                        headers={"Content-Disposition":
                                 f'attachment; filename="indicators-{year}-{mode}.pdf"'})

    @router.get("/report.html", response_class=HTMLResponse)
    def report_html(actor: Me, year: Year, mode: Mode = "annual",
                    lang: Lang = "zh") -> HTMLResponse:
        evs = service.evaluate(ws, year, actor=actor, mode=mode, lang=lang)
        return HTMLResponse(render_indicators_html(ws, evs, lang))

    @router.get("/dashboard", response_class=HTMLResponse)
    def dashboard(actor: Me, year: Year, lang: Lang = "zh") -> HTMLResponse:
        """Show the indicator dashboard (看板): warnings per indicator, links to reports."""
        evs = service.evaluate(ws, year, actor=actor, lang=lang)
        return HTMLResponse(render_dashboard_html(ws, evs, lang))

    @router.get("/values.xlsx", response_class=Response)
    def values_xlsx(actor: Me, year: Year) -> Response:
        export = service.export_report(ws, year, actor=actor, fmt="xlsx")
        with tempfile.TemporaryDirectory() as tmp:
            data = write_indicators_xlsx(export.values, export.evaluations,
                                         Path(tmp) / "v.xlsx").read_bytes()
        return Response(data, media_type=XLSX, headers={
            "Content-Disposition": f'attachment; filename="indicators-{year}.xlsx"'})

    @router.get("/{indicator_id}", response_model=Indicator)
    def get_one(indicator_id: str, actor: Me) -> Indicator:
        return catalog.read_indicator(ws, indicator_id, actor=actor)

    @router.patch("/{indicator_id}", response_model=Indicator)
    def edit(indicator_id: str, body: IndicatorEdit, actor: Me) -> Indicator:
        """Edit a catalog entry (province targets: provincial admins only)."""
        changes = body.model_dump(exclude_none=True)
        return catalog.update_indicator(ws, indicator_id, changes, actor=actor)

    return router
