"""``create_app(settings)``: the FastAPI application, built from one router per capability."""

from __future__ import annotations

import importlib
import logging

from onemap.api.deps import ApiSettings, build_context
from onemap.api.errors import install_error_handlers
from onemap.api.security import install_security
from onemap.store.workspace import Workspace

from fastapi import FastAPI

log = logging.getLogger(__name__)

# Each module defines ``build_router(ctx: AppContext) -> fastapi.APIRouter``. Add yours here.
ROUTER_MODULES: list[str] = [
    "onemap.api.routers.auth",
    "onemap.api.routers.admin",
    "onemap.api.routers.layers",
    "onemap.api.routers.ogc_features",
    "onemap.api.routers.tiles",
    "onemap.api.routers.review",
    "onemap.api.routers.files",
    "onemap.api.routers.stats",
    "onemap.api.routers.indicators",
    "onemap.api.routers.change",
    "onemap.api.routers.cases",
    "onemap.api.routers.ledgers",
    "onemap.api.routers.carbon",
    "onemap.api.routers.mining",
    "onemap.api.routers.quota",
    "onemap.api.routers.supply",
    "onemap.api.routers.registry",
    "onemap.api.routers.hazards",
    "onemap.api.routers.pages",
    "onemap.api.routers.labels",
]


def create_app(settings: ApiSettings, workspace: Workspace | None = None) -> FastAPI:
    """Build the application for the workspace named in ``settings``."""
    ws = workspace or Workspace.open(settings.workspace)
    ctx = build_context(settings, ws)
    app = FastAPI(title="onemap 国土空间一张图", version="0.1.0", openapi_url="/api",
                  docs_url=None, redoc_url=None)  # docs: routers/pages.py
    app.state.ctx = ctx
    install_error_handlers(app)
    install_security(app, ctx)
    for name in ROUTER_MODULES:
        app.include_router(importlib.import_module(name).build_router(ctx))
    return app
