"""Routes of the 进出平衡 farmland ledger: /ledgers."""

from __future__ import annotations

import tempfile
from pathlib import Path as FsPath
from typing import Annotated

from onemap.api.deps import AppContext, current_actor
from onemap.ledgers import service
from onemap.ledgers.models import LedgerEntry, LedgerEntryIn, LedgerReport, PostResult
from onemap.store.access import Actor

from fastapi import APIRouter, BackgroundTasks, Depends, Path, Query
from fastapi.responses import FileResponse

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
Me = Annotated[Actor, Depends(current_actor)]
Year = Annotated[int | None, Query(ge=1990, le=2100)]


def build_router(ctx: AppContext) -> APIRouter:
    """Return the /ledgers routes bound to the workspace in ``ctx``."""
    router = APIRouter(prefix="/ledgers", tags=["ledgers 耕地台账"])
    ws = ctx.workspace

    @router.get("/balance", response_model=LedgerReport)
    def balance(actor: Me, year: Year = None) -> LedgerReport:
        """进出平衡 per county and year, with the roll-up and out-exceeds-in warnings."""
        return service.balance_report(ws, actor, year=year)

    @router.get("/balance.xlsx", response_class=FileResponse)
    def balance_xlsx(actor: Me, tasks: BackgroundTasks, year: Year = None) -> FileResponse:
        """Return the ledger as XLSX (counties and the province roll-up)."""
        from onemap.reports.change_tables import write_ledger

        report = service.export_balance(ws, actor, year=year)
        folder = FsPath(tempfile.mkdtemp(prefix="onemap-ledger-"))
        path = write_ledger(folder / "jinchu-pingheng.xlsx", report)
        tasks.add_task(_cleanup, folder)
        return FileResponse(path, media_type=XLSX, filename=path.name)

    @router.get("/entries", response_model=list[LedgerEntry])
    def entries(actor: Me, year: Year = None,
                county: Annotated[str | None, Query(pattern=r"^\d{6}$")] = None,
                ) -> list[LedgerEntry]:
        """Ledger entries in scope, oldest first (append-only)."""
        return service.list_entries(ws, actor, county=county, year=year)

    @router.post("/entries", response_model=LedgerEntry, status_code=201)
    def add(body: LedgerEntryIn, actor: Me) -> LedgerEntry:
        """Append a manual entry or a correction."""
        return service.add_entry(ws, actor, body)

    @router.post("/post/{batch_id}", response_model=PostResult, status_code=201)
    def post(batch_id: Annotated[int, Path(ge=1, le=2**31 - 1)], actor: Me) -> PostResult:
        """Append the 进/出 patches of a detection batch in the caller's counties.

        Each county of a batch is posted once: 409 ``ledger_already_posted`` when every
        county of the caller's scope is posted already (nothing is posted then).
        """
        return service.post_batch(ws, actor, batch_id)

    return router


def _cleanup(folder: FsPath) -> None:
    import shutil

    shutil.rmtree(folder, ignore_errors=True)
