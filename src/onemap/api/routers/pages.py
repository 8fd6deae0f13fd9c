"""The web map page and its static assets (built from ``web/`` into ``api/static/dist``)."""

from __future__ import annotations

import mimetypes
from pathlib import Path

from onemap.api.deps import AppContext
from onemap.errors import NotFound

from fastapi import APIRouter
from fastapi.responses import FileResponse, RedirectResponse

DIST = Path(__file__).resolve().parent.parent / "static" / "dist"


def _asset(path: str) -> FileResponse:
    target = (DIST / path).resolve()
    if DIST.resolve() not in target.parents or not target.is_file():
        hint = "" if (DIST / "index.html").is_file() else " (run `make web` to build the map)"
        raise NotFound(f"no static asset {path}{hint}",
                       user_message=f"静态文件不存在 (no such asset): {path}{hint}")
    media = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
    if target.suffix == ".mjs":
        media = "text/javascript"
    return FileResponse(target, media_type=media, headers={"Cache-Control": "no-cache"})


def build_router(ctx: AppContext) -> APIRouter:
    """Return /map and /static routes."""
    router = APIRouter(tags=["web map 地图"])

    @router.get("/map", response_class=FileResponse, include_in_schema=False)
    def map_page() -> FileResponse:
        """Serve the web map (MapLibre GL JS, offline)."""
        return _asset("index.html")

    @router.get("/map/", include_in_schema=False)
    def map_slash() -> RedirectResponse:
        return RedirectResponse("/map")

    @router.get("/static/{path:path}", response_class=FileResponse, include_in_schema=False)
    def static(path: str) -> FileResponse:
        """Built front-end assets."""
        return _asset(path)

    return router
