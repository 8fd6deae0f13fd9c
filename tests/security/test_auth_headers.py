"""Item 12 (headers): every response carries the security headers, routes found from FastAPI."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest
from auth_world import audit_count, client, make_app, make_workspace, rows

from onemap.api.security import script_hashes

from fastapi.testclient import TestClient

if TYPE_CHECKING:
    from onemap.store.workspace import Workspace

COMMON = {"x-content-type-options": "nosniff", "x-frame-options": "DENY",
          "referrer-policy": "same-origin"}


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory):
    ws = make_workspace(tmp_path_factory.mktemp("headers") / "ws")
    yield ws
    ws.close()


@pytest.fixture(scope="module")
def app(ws: Workspace):
    app = make_app(ws)

    @app.get("/test-boom", include_in_schema=False)
    def boom() -> None:
        raise RuntimeError("unexpected")

    return app


def _check(r, what: str) -> str:
    for name, value in COMMON.items():
        assert r.headers.get(name) == value, (what, r.status_code, name)
    csp = r.headers.get("content-security-policy", "")
    assert "frame-ancestors 'none'" in csp, (what, csp)
    return csp


def _operations(app) -> list[tuple[str, str]]:
    ops = []
    for path, methods in app.openapi()["paths"].items():
        for method in methods:
            ops.append((method.upper(), re.sub(r"\{[^}]+\}", "0", path)))
    return ops


def test_every_route_answers_with_security_headers(ws: Workspace, app) -> None:
    c = TestClient(app, raise_server_exceptions=False)
    ops = _operations(app)
    assert len(ops) > 40
    before = (rows(ws, "api_tokens"), rows(ws, "reviews"), rows(ws, "users"))
    for method, path in ops:
        if method == "GET":
            _check(c.get(path), f"GET {path}")
        else:  # writes from a foreign page: refused by the middleware, headers still there
            r = c.request(method, path, headers={"Origin": "https://evil.example.com"})
            assert r.status_code == 403, (method, path)
            _check(r, f"{method} {path}")
    assert (rows(ws, "api_tokens"), rows(ws, "reviews"), rows(ws, "users")) == before
    assert audit_count(ws, "auth.csrf_refused") == sum(m != "GET" for m, _ in ops)


def test_each_kind_of_response_gets_its_policy(app) -> None:
    c = TestClient(app, raise_server_exceptions=False)
    api = _check(c.get("/auth/me"), "json")
    assert api.startswith("default-src 'none'")
    page = _check(c.get("/map"), "map page")
    assert "script-src 'self';" in page and "worker-src 'self' blob:" in page
    assert "unsafe-eval" not in page
    _check(c.get("/static/app.js"), "static asset")
    for path in ("/no/such/route", "/auth/login"):  # 404 and 405 (GET on a POST route)
        _check(c.get(path), path)
    failed = c.get("/test-boom")
    assert failed.status_code == 500 and failed.json()["status"] == 500
    _check(failed, "500")
    assert client(app).get("/auth/me", headers={"Authorization": "Bearer nope"}
                           ).status_code == 401
    _check(client(app).get("/auth/me", headers={"Authorization": "Bearer nope"}), "401")


def test_api_docs_page_allows_only_its_own_inline_scripts(app) -> None:
    r = TestClient(app).get("/api.html")
    csp = _check(r, "docs")
    script_src = next(d for d in csp.split("; ") if d.startswith("script-src"))
    hashes = script_hashes(r.text)
    assert hashes and all(h in script_src for h in hashes)
    assert "unsafe-inline" not in script_src and "unsafe-eval" not in script_src
    assert int(r.headers["content-length"]) == len(r.content)
