"""Routes of the site compliance review (用地预审与选址 合规性审查): /reviews."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated, Any, Literal

from onemap.api.deps import AppContext, current_actor
from onemap.api.uploads import save_upload
from onemap.errors import InvalidInput, OnemapError
from onemap.review.models import ProjectInfo, ReviewRecord, SiteReview
from onemap.store.access import Actor

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response

_BODY_DOC: dict[str, Any] = {"requestBody": {"required": True, "content": {
    "application/geo+json": {"schema": {"type": "object",
                                        "description": "GeoJSON geometry, Feature or "
                                                       "FeatureCollection in lon/lat"}},
    "application/json": {"schema": {"type": "object"}},
    "multipart/form-data": {"schema": {"type": "object", "properties": {
        "file": {"type": "array", "items": {"type": "string", "format": "binary"},
                 "description": "coordinate TXT, GeoJSON, GeoPackage, or a Shapefile's "
                                "files (.shp/.shx/.dbf/.prj/.cpg)"}}}}}}}
_MAX_UPLOAD = 50 * 1024 * 1024
Me = Annotated[Actor, Depends(current_actor)]


def _links(result: SiteReview) -> SiteReview:
    base = f"/reviews/{result.review_id}"
    result.links = {"self": base, "html": f"{base}/report.html", "pdf": f"{base}/report.pdf"}
    return result


async def _upload(request: Request, folder: Path) -> Path:
    return await save_upload(
        request, folder, max_bytes=_MAX_UPLOAD,
        main_suffixes=(".shp", ".gpkg", ".geojson", ".json", ".txt", ".fgb", ".zip"),
        what="site file (coordinate TXT, SHP, GPKG or GeoJSON)")


def build_router(ctx: AppContext) -> APIRouter:
    """Return the /reviews routes bound to the workspace in ``ctx``."""
    router = APIRouter(prefix="/reviews", tags=["review 用地审查"])
    service = ctx.reviews

    @router.post("", response_model=SiteReview, status_code=201, openapi_extra=_BODY_DOC)
    async def create_review(
        request: Request, actor: Me,
        project: Annotated[str, Query(max_length=200, description="项目名称")] = "",
        national_key: Annotated[bool, Query(description="国家重大建设项目")] = False,
    ) -> SiteReview:
        """Review a site drawn on the map (GeoJSON body) or uploaded as a file (multipart)."""
        info = ProjectInfo(name=project, national_key=national_key)
        ctype = request.headers.get("content-type", "")
        if ctype.startswith("multipart/form-data"):
            with tempfile.TemporaryDirectory(prefix="onemap-review-") as tmp:
                path = await _upload(request, Path(tmp))
                try:
                    result = await run_in_threadpool(service.review_file, path, actor,
                                                     project=info)
                except OnemapError as exc:  # name the uploaded file, not the temp folder
                    if exc.path:
                        exc.path = path.name
                        exc.user_message = exc.user_message.replace(str(path), path.name)
                    raise
        else:
            try:
                body = await request.json()
            except ValueError:
                raise InvalidInput("the body is neither GeoJSON nor a multipart upload") \
                    from None
            result = await run_in_threadpool(service.review_geojson, body, actor, project=info,
                                             site_name=project)
        return _links(result)

    @router.get("", response_model=list[ReviewRecord])
    def list_reviews(actor: Me, limit: Annotated[int, Query(ge=1, le=1000)] = 100
                     ) -> list[ReviewRecord]:
        """List recorded review runs (who, when, verdict), newest first."""
        return service.history(actor, limit=limit)

    @router.get("/{review_id}", response_model=SiteReview)
    def get_review(review_id: str, actor: Me) -> SiteReview:
        """Return the recorded result of one review."""
        return _links(service.get(review_id, actor))

    def _report(review_id: str, actor: Actor, lang: str, fmt: str) -> bytes | str:
        from onemap.reports.review import render_review_html, render_review_pdf

        result, site, layers = service.report_inputs(review_id, actor, fmt)
        render = render_review_pdf if fmt == "pdf" else render_review_html
        return render(result, site, layers, lang=lang)

    @router.get("/{review_id}/report.pdf", response_class=Response,
                responses={200: {"content": {"application/pdf": {}}}})
    def report_pdf(review_id: str, actor: Me,
                   lang: Annotated[Literal["zh", "en"], Query()] = "zh") -> Response:
        """Render the report for signing as PDF (Chinese by default)."""
        pdf = _report(review_id, actor, lang, "pdf")
        return Response(pdf, media_type="application/pdf", headers={
            "Content-Disposition": f'inline; filename="{review_id}.pdf"'})

    @router.get("/{review_id}/report.html", response_class=HTMLResponse)
    def report_html(review_id: str, actor: Me,
                    lang: Annotated[Literal["zh", "en"], Query()] = "zh") -> HTMLResponse:
        """Render the report as a self-contained HTML page."""
        return HTMLResponse(str(_report(review_id, actor, lang, "html")))

    return router
