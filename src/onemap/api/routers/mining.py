"""Routes of mining supervision (矿产资源监管): /mining."""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path as FsPath
from typing import Annotated, Any

from pydantic import BaseModel

from onemap.api.deps import AppContext, current_actor
from onemap.mining import quota_service, restoration_service, service
from onemap.mining.models import (
    AbandonedMine,
    CheckReport,
    GreenMine,
    ProductionEntry,
    Quota,
    QuotaIn,
    QuotaReport,
    ReportIn,
    RestorationCheck,
    RestorationProgress,
    Right,
    RightIn,
)
from onemap.store.access import Actor

from fastapi import APIRouter, BackgroundTasks, Body, Depends, Path, Query
from fastapi.responses import FileResponse

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
Me = Annotated[Actor, Depends(current_actor)]
Year = Annotated[int, Query(ge=1990, le=2100)]
County = Annotated[str | None, Query(pattern=r"^\d{6}$")]
AsOf = Annotated[date | None, Query(alias="as_of", description="check date (default today)")]


class Restoration(BaseModel):
    """Restored mines by county and year, and the survey check of each restored mine."""

    progress: list[RestorationProgress]
    checks: list[RestorationCheck]


class Reversal(BaseModel):
    """Why a production report is reversed (冲销原因)."""

    note: str


def build_router(ctx: AppContext) -> APIRouter:
    """Return the /mining routes bound to the workspace in ``ctx``."""
    router = APIRouter(prefix="/mining", tags=["mining 矿产资源监管"])
    ws = ctx.workspace

    @router.get("/rights", response_model=list[Right])
    def rights(actor: Me, county: County = None,
               right_type: Annotated[str | None, Query(alias="type")] = None,
               status: str | None = None) -> list[Right]:
        """List the rights register (采矿权/探矿权) in scope, with GeoJSON areas."""
        return service.list_rights(ws, actor, county=county, right_type=right_type,
                                   status=status)

    @router.get("/rights/{right_no}", response_model=Right)
    def right(right_no: Annotated[str, Path(max_length=64)], actor: Me) -> Right:
        """One right by 许可证号."""
        return service.get_right(ws, actor, right_no)

    @router.post("/rights", response_model=Right, status_code=201)
    def register(body: RightIn, actor: Me) -> Right:
        """Register (or replace) a right; a new right the rules refuse gets 400."""
        return service.register_right(ws, actor, body)

    @router.get("/check", response_model=CheckReport)
    def check(actor: Me, as_of: AsOf = None, county: County = None) -> CheckReport:
        """Conflicts with control layers, register findings, suspected 0602 patches."""
        return service.run_check(ws, actor, as_of=as_of, county=county)

    @router.get("/check.xlsx", response_class=FileResponse)
    def check_xlsx(actor: Me, tasks: BackgroundTasks, as_of: AsOf = None) -> FileResponse:
        """Download the check as XLSX."""
        from onemap.reports.mining import write_check_xlsx

        report = service.export_check(ws, actor, as_of=as_of)
        folder = FsPath(tempfile.mkdtemp(prefix="onemap-mining-"))
        path = write_check_xlsx(folder / "kuangye-hecha.xlsx", report)
        tasks.add_task(_cleanup, folder)
        return FileResponse(path, media_type=XLSX, filename=path.name)

    @router.post("/check/cases", response_model=CheckReport, status_code=201)
    def open_cases(actor: Me, county: Annotated[str, Query(pattern=r"^\d{6}$")],
                   as_of: AsOf = None) -> CheckReport:
        """Run the check of one county and open a case per suspected patch (once each)."""
        return service.run_check(ws, actor, as_of=as_of, county=county, open_cases=True)

    @router.post("/publish", response_model=dict[str, int])
    def publish(actor: Me, vintage: Year) -> dict[str, int]:
        """Write the registers to their map layers (OGC collections)."""
        return service.publish_layers(ws, actor, vintage=vintage)

    @router.post("/quotas", response_model=Quota, status_code=201)
    def allocate(body: QuotaIn, actor: Me) -> Quota:
        """Allocate or adjust an annual quota (province → city → mine)."""
        return quota_service.allocate(ws, actor, body)

    @router.get("/quotas/balance", response_model=QuotaReport)
    def balance(actor: Me, year: Year) -> QuotaReport:
        """Quota, production and remainder by mineral and level in scope."""
        return quota_service.balance_report(ws, actor, year)

    @router.post("/reports", response_model=ProductionEntry, status_code=201)
    def report(body: ReportIn, actor: Me) -> ProductionEntry:
        """Record a monthly report; 409 ``mining_quota_exceeded`` names quota and shortfall."""
        return quota_service.report_production(ws, actor, body)

    @router.get("/reports", response_model=list[ProductionEntry])
    def reports(actor: Me, year: Annotated[int | None, Query(ge=1990, le=2100)] = None,
                ) -> list[ProductionEntry]:
        """Production entries in scope (append-only)."""
        return quota_service.list_entries(ws, actor, year=year)

    @router.post("/reports/{entry_id}/reversal", response_model=ProductionEntry,
                 status_code=201)
    def reverse(entry_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
                body: Annotated[Reversal, Body()], actor: Me) -> ProductionEntry:
        """Reverse (冲销) a report, once."""
        return quota_service.reverse_entry(ws, actor, entry_id, body.note)

    @router.get("/abandoned", response_model=list[AbandonedMine])
    def abandoned(actor: Me, county: County = None) -> list[AbandonedMine]:
        """List the abandoned-mine register (历史遗留矿山)."""
        return restoration_service.list_abandoned(ws, actor, county=county)

    @router.get("/restoration", response_model=Restoration)
    def restoration(actor: Me) -> Restoration:
        """Restored open-pit mines by county and year, checked in the next DLTB vintage."""
        return Restoration(progress=restoration_service.restoration_progress(ws, actor),
                           checks=restoration_service.restoration_checks(ws, actor))

    @router.get("/green", response_model=list[GreenMine])
    def green(actor: Me, as_of: AsOf = None) -> list[GreenMine]:
        """List the green mines with each right's validity."""
        return restoration_service.list_green(ws, actor, as_of or date.today())

    @router.get("/annual.pdf", response_class=FileResponse)
    def annual_pdf(actor: Me, tasks: BackgroundTasks, year: Year,
                   lang: Annotated[str, Query(pattern="^(zh|en)$")] = "zh") -> FileResponse:
        """Download the annual mining supervision report (PDF, Chinese by default)."""
        return _annual(actor, tasks, year, "pdf", lang)

    @router.get("/annual.xlsx", response_class=FileResponse)
    def annual_xlsx(actor: Me, tasks: BackgroundTasks, year: Year) -> FileResponse:
        """Download the annual report's tables as XLSX."""
        return _annual(actor, tasks, year, "xlsx", "zh")

    def _annual(actor: Actor, tasks: BackgroundTasks, year: int, fmt: str,
                lang: str) -> FileResponse:
        from onemap.reports.mining import write_annual

        summary = restoration_service.annual_summary(ws, actor, year)
        folder = FsPath(tempfile.mkdtemp(prefix="onemap-mining-"))
        path = write_annual(folder / f"kuangchan-jianguan-{year}.{fmt}", summary, lang=lang)
        tasks.add_task(_cleanup, folder)
        media: dict[str, Any] = {"pdf": "application/pdf", "xlsx": XLSX}
        return FileResponse(path, media_type=media[fmt], filename=path.name)

    return router


def _cleanup(folder: FsPath) -> None:
    import shutil

    shutil.rmtree(folder, ignore_errors=True)
