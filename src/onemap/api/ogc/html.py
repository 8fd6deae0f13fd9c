"""HTML views of OGC API resources (Jinja2 templates in ``api/templates``)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from fastapi import Request
from fastapi.responses import HTMLResponse

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


@lru_cache(maxsize=1)
def _env() -> Environment:
    return Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape())


def wants_html(request: Request, f: str | None) -> bool:
    """Tell whether to answer HTML: ``f=html``, or a browser's Accept header without ``f``."""
    if f is not None:
        return f == "html"
    accept = request.headers.get("accept", "")
    return "text/html" in accept and "json" not in accept.split("text/html")[0]


def render(request: Request, template: str, **context: Any) -> HTMLResponse:
    """Render ``template`` with the service's base URL."""
    html = _env().get_template(template).render(base=str(request.base_url), **context)
    return HTMLResponse(html)
