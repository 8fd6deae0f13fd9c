"""The web map page, the API docs page and their static assets.

The web map is built from ``web/`` into ``api/static/dist``; the API docs page (Swagger UI) is
served from the assets packaged in the ``fastapi-swagger`` wheel, so it works offline.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path

from onemap.api.deps import AppContext
from onemap.errors import NotFound

from fastapi import APIRouter
from fastapi.openapi.docs import get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse

DIST = Path(__file__).resolve().parent.parent / "static" / "dist"
API_DOCS, API_DOCS_REDIRECT = "/api.html", "/docs/oauth2-redirect"
DOCS_ASSETS = ("swagger-ui-bundle.js", "swagger-ui.css", "favicon-32x32.png")


def _docs_asset(name: str) -> FileResponse:
    """One Swagger UI file from the packaged distribution (no CDN)."""
    if name not in DOCS_ASSETS:
        raise NotFound(f"no API docs asset {name}",
                       user_message=f"静态文件不存在 (no such asset): {name}")
    from importlib import resources

    target = Path(str(resources.files("fastapi_swagger") / "resources" / name))
    media = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
    return FileResponse(target, media_type=media, headers={"Cache-Control": "max-age=86400"})


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

    @router.get(API_DOCS, include_in_schema=False)
    def api_docs() -> HTMLResponse:
        """Swagger UI for ``/api`` (OpenAPI), from packaged assets."""
        return get_swagger_ui_html(
            openapi_url="/api", title="onemap 国土空间一张图 - API",
            oauth2_redirect_url=API_DOCS_REDIRECT,
            swagger_js_url="/api-assets/swagger-ui-bundle.js",
            swagger_css_url="/api-assets/swagger-ui.css",
            swagger_favicon_url="/api-assets/favicon-32x32.png")

    @router.get(API_DOCS_REDIRECT, include_in_schema=False)
    def api_docs_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    @router.get("/api-assets/{name}", response_class=FileResponse, include_in_schema=False)
    def api_docs_asset(name: str) -> FileResponse:
        """Swagger UI's script, stylesheet and icon."""
        return _docs_asset(name)

    return router
