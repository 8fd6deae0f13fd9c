"""``GET /labels``: the label catalogue (zh/en names of enumerated values) for the web map."""

from __future__ import annotations

from typing import Annotated, Literal

import onemap.change
import onemap.store.kinds  # noqa: F401  (registers the layer kinds' labels)
from onemap.api.deps import AppContext
from onemap.standards.labels import catalogue

from fastapi import APIRouter, Query, Response


def build_router(ctx: AppContext) -> APIRouter:
    """Return the /labels route (public: names of values, no data)."""
    router = APIRouter(tags=["labels 标签"])

    @router.get("/labels", response_model=dict[str, dict[str, str]])
    def labels(response: Response,
               lang: Annotated[Literal["zh", "en"], Query(description="zh or en")] = "zh",
               ) -> dict[str, dict[str, str]]:
        """Every enumerated value's name by domain (warning, direction, change_class ...)."""
        response.headers["Cache-Control"] = "max-age=300"
        return catalogue(lang)

    return router
