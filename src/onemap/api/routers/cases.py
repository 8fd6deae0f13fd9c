"""Routes of enforcement cases (执法案件): /cases."""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path as FsPath
from typing import Annotated
from urllib.parse import quote

from pydantic import BaseModel, Field

from onemap.api.deps import AppContext, current_actor
from onemap.cases import service
from onemap.cases.evidence import build_sheet, export_sheet
from onemap.cases.models import (
    Attachment,
    Case,
    CaseDetail,
    CaseSheet,
    CaseStatus,
    DueWarning,
    OpenCasesResult,
    TransitionRequest,
)
from onemap.errors import InvalidInput
from onemap.store.access import Actor

from fastapi import APIRouter, BackgroundTasks, Depends, Path, Query, Request
from fastapi.responses import FileResponse, Response

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
Me = Annotated[Actor, Depends(current_actor)]
CaseId = Annotated[int, Path(ge=1, le=2**31 - 1, description="case id")]
MAX_UPLOAD = 50 * 1024 * 1024


class OpenRequest(BaseModel):
    """Body of ``POST /cases/open``."""

    batch_id: int = Field(ge=1, le=2**31 - 1)


def build_router(ctx: AppContext) -> APIRouter:
    """Return the /cases routes bound to the workspace in ``ctx``."""
    router = APIRouter(prefix="/cases", tags=["cases 执法案件"])
    ws = ctx.workspace

    @router.get("", response_model=list[Case])
    def list_cases(actor: Me, status: CaseStatus | None = None,
                   county: Annotated[str | None, Query(pattern=r"^\d{6}$")] = None,
                   suspected: bool | None = None, illegal: bool | None = None,
                   limit: Annotated[int, Query(ge=1, le=10_000)] = 1000,
                   offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0) -> list[Case]:
        """Return cases in the caller's scope.

        ``suspected`` is the platform's flag, ``illegal`` a reviewed verdict of 违法.
        """
        return service.list_cases(ws, actor, status=status, county=county, suspected=suspected,
                                  illegal=illegal, limit=limit, offset=offset)

    @router.post("/open", response_model=OpenCasesResult, status_code=201)
    def open_cases(body: OpenRequest, actor: Me) -> OpenCasesResult:
        """Issue (下发) a case for every suspected / to-verify patch of a batch."""
        return service.open_cases(ws, actor, body.batch_id)

    @router.get("/warnings", response_model=list[DueWarning])
    def warnings(actor: Me, on: date | None = None,
                 soon_days: Annotated[int, Query(ge=0, le=365)] = 7) -> list[DueWarning]:
        """Overdue and due-soon cases (超期预警) on date ``on`` (default today)."""
        return service.warnings(ws, actor, on or date.today(), soon_days=soon_days)

    @router.get("/export.xlsx", response_class=FileResponse)
    def export(actor: Me, tasks: BackgroundTasks, status: CaseStatus | None = None
               ) -> FileResponse:
        """Return the case list as XLSX (suspicion and reviewed verdict in separate columns)."""
        from onemap.reports.change_tables import write_case_list

        cases = service.export_cases(ws, actor, status=status)
        folder = FsPath(tempfile.mkdtemp(prefix="onemap-cases-"))
        path = write_case_list(folder / "cases.xlsx", cases)
        tasks.add_task(_cleanup, folder)
        return FileResponse(path, media_type=XLSX, filename="cases.xlsx")

    @router.get("/attachments/{attachment_id}", response_class=Response)
    def attachment(attachment_id: CaseId, actor: Me) -> Response:
        """Download an attachment (its checksum is verified first).

        Always a download, never shown inline: ``Content-Disposition: attachment``,
        ``X-Content-Type-Options: nosniff`` and a sandbox CSP, so a file cannot run
        script on the app's origin whatever it holds.
        """
        info, data = service.read_attachment(ws, actor, attachment_id)
        return Response(data, media_type=info.media_type, headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(info.filename, safe='')}",
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "sandbox; default-src 'none'",
            "X-Checksum-Sha256": info.sha256})

    @router.get("/{case_id}", response_model=CaseDetail)
    def get_case(case_id: CaseId, actor: Me) -> CaseDetail:
        """Return a case with its append-only events and attachments."""
        return service.get_case(ws, actor, case_id)

    @router.post("/{case_id}/transitions", response_model=Case)
    def transition(case_id: CaseId, body: TransitionRequest, actor: Me) -> Case:
        """Act on a case (one append-only event).

        409 with code ``conflict`` when ``expected_version`` is stale,
        ``transition_refused`` when the workflow forbids the step.
        """
        return service.transition(ws, actor, case_id, body)

    @router.post("/{case_id}/attachments", response_model=Attachment, status_code=201,
                 openapi_extra={"requestBody": {"required": True, "content": {
                     "multipart/form-data": {"schema": {"type": "object", "properties": {
                         "file": {"type": "string", "format": "binary"},
                         "comment": {"type": "string"}}}}}}})
    async def attach(case_id: CaseId, request: Request, actor: Me) -> Attachment:
        """Upload a photo or document (stored with its sha256, one ``attach`` event)."""
        from fastapi.concurrency import run_in_threadpool

        form = await request.form()
        upload = form.get("file")
        if upload is None or isinstance(upload, str):
            raise InvalidInput("send the file as multipart field 'file'")
        data = await upload.read()
        if len(data) > MAX_UPLOAD:
            raise InvalidInput("the file is larger than 50 MB")
        comment = form.get("comment")
        return await run_in_threadpool(  # the declared content type is not used: sniffed
            service.attach, ws, actor, case_id, str(upload.filename or "upload"), data,
            comment=comment if isinstance(comment, str) else "")

    @router.get("/{case_id}/sheet", response_model=CaseSheet)
    def sheet(case_id: CaseId, actor: Me) -> CaseSheet:
        """Return the evidence sheet (举证核查表) as JSON; the PDF is at ``sheet.pdf``."""
        return build_sheet(ws, actor, case_id)

    @router.get("/{case_id}/sheet.pdf", response_class=Response)
    def sheet_pdf(case_id: CaseId, actor: Me,
                  lang: Annotated[str, Query(pattern="^(zh|en)$")] = "zh") -> Response:
        """Return the evidence sheet as PDF with before/after maps."""
        from onemap.reports.case_sheet import render_case_sheet_pdf

        data = export_sheet(ws, actor, case_id, fmt="pdf")
        pdf = render_case_sheet_pdf(ws, data, lang=lang)
        return Response(pdf, media_type="application/pdf", headers={
            "Content-Disposition": f'inline; filename="{data.case.case_no}.pdf"'})

    return router


def _cleanup(folder: FsPath) -> None:
    import shutil

    shutil.rmtree(folder, ignore_errors=True)
