"""Routes of the 占补平衡 quota ledger: /quota."""

from __future__ import annotations

import tempfile
from pathlib import Path as FsPath
from typing import Annotated

from pydantic import BaseModel, Field

from onemap.api.deps import AppContext, current_actor
from onemap.quota import service
from onemap.quota.models import (
    DebitIn,
    DebitResult,
    Posting,
    Project,
    ProjectIn,
    QuotaReport,
    TransferIn,
)
from onemap.store.access import Actor

from fastapi import APIRouter, BackgroundTasks, Depends, Path, Query
from fastapi.responses import FileResponse

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
Me = Annotated[Actor, Depends(current_actor)]


class ApprovalDebitIn(BaseModel):
    """Debit an approval of the approval layer by its 批准文号."""

    pzwh: str = Field(min_length=1, max_length=128)


class ReversalIn(BaseModel):
    """Why a posting is reversed (冲销原因)."""

    reason: str = Field(min_length=1, max_length=2000)


def build_router(ctx: AppContext) -> APIRouter:
    """Return the /quota routes bound to the workspace in ``ctx``."""
    router = APIRouter(prefix="/quota", tags=["quota 占补平衡指标"])
    ws = ctx.workspace

    @router.get("/balance", response_model=QuotaReport)
    def balance(actor: Me) -> QuotaReport:
        """Remaining quota per county in scope (耕地数量, 水田规模, 粮食产能) and the total."""
        return service.balances(ws, actor)

    @router.get("/balance.xlsx", response_class=FileResponse)
    def balance_xlsx(actor: Me, tasks: BackgroundTasks) -> FileResponse:
        """Return the balances as XLSX (公顷 and 亩)."""
        from onemap.reports.quota import write_quota_balance

        report = service.export_balances(ws, actor)
        folder = FsPath(tempfile.mkdtemp(prefix="onemap-quota-"))
        path = write_quota_balance(folder / "zhanbu-pingheng.xlsx", report)
        tasks.add_task(_cleanup, folder)
        return FileResponse(path, media_type=XLSX, filename=path.name)

    @router.get("/history", response_model=list[Posting])
    def history(actor: Me, county: Annotated[str | None, Query(pattern=r"^\d{6}$")] = None,
                ) -> list[Posting]:
        """List postings in scope, oldest first (append-only)."""
        return service.history(ws, actor, county=county)

    @router.get("/projects", response_model=list[Project])
    def projects(actor: Me) -> list[Project]:
        """List credited supplementary-farmland projects in scope."""
        return service.projects(ws, actor)

    @router.post("/projects", response_model=list[Project], status_code=201)
    def add_projects(body: list[ProjectIn], actor: Me) -> list[Project]:
        """Credit projects, each checked against DLTB of its acceptance year (all or none)."""
        return service.add_projects(ws, actor, body, reader=ctx.reader)

    @router.get("/debits", response_model=list[DebitResult])
    def debits(actor: Me) -> list[DebitResult]:
        """List posted debits in scope."""
        return service.debits(ws, actor)

    @router.post("/debits", response_model=DebitResult, status_code=201)
    def debit(body: DebitIn, actor: Me) -> DebitResult:
        """Debit the farmland a geometry occupies.

        409 ``account_overdrawn`` names the account and the shortfall;
        ``value_date_violation`` refuses a debit dated before its quota (先补后占).
        """
        return service.debit(ws, actor, body, reader=ctx.reader)

    @router.post("/debits/approval", response_model=DebitResult, status_code=201)
    def debit_approval(body: ApprovalDebitIn, actor: Me) -> DebitResult:
        """Debit an approval of the approval layer by its 批准文号."""
        return service.debit_approval(ws, actor, body.pzwh, reader=ctx.reader)

    @router.post("/transfers", response_model=Posting, status_code=201)
    def transfer(body: TransferIn, actor: Me) -> Posting:
        """跨区域调剂 between two counties, both sides in one transaction (province admins)."""
        return service.transfer(ws, actor, body)

    @router.post("/postings/{txn_id}/reversal", response_model=Posting, status_code=201)
    def reverse(txn_id: Annotated[int, Path(ge=1, le=2**31 - 1)], body: ReversalIn,
                actor: Me) -> Posting:
        """Reverse a posting by a new one of the negated legs (once)."""
        return service.reverse(ws, actor, txn_id, reason=body.reason)

    return router


def _cleanup(folder: FsPath) -> None:
    import shutil

    shutil.rmtree(folder, ignore_errors=True)
