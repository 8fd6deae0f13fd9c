"""Item 9: cross-site request forgery (foreign Origin, missing token, text/plain bodies)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest
from auth_world import audit_count, client, csrf, login, make_app, make_workspace, rows

from onemap.users.service import UserService

if TYPE_CHECKING:
    from onemap.store.workspace import Workspace

EVIL = "https://evil.example.com"
SITE = {"type": "Polygon", "coordinates": [[[115.9, 28.6], [115.91, 28.6], [115.91, 28.61],
                                            [115.9, 28.6]]]}


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory):
    ws = make_workspace(tmp_path_factory.mktemp("csrf") / "ws")
    yield ws
    ws.close()


@pytest.fixture(scope="module")
def app(ws: Workspace):
    return make_app(ws, trusted_origins=["https://map.example.gov.cn"])


@pytest.fixture
def browser(app):
    """A logged-in browser of ana111 (session cookie + CSRF cookie)."""
    c = client(app)
    assert login(c, "ana111").status_code == 200
    return c


def _state(ws: Workspace) -> tuple[int, ...]:
    return (rows(ws, "api_tokens"), rows(ws, "reviews"), rows(ws, "users"),
            rows(ws, "web_sessions"), audit_count(ws, "auth.token_create"))


def test_foreign_origin_is_refused(ws: Workspace, app, browser) -> None:
    before = _state(ws)
    token = csrf(browser)
    for headers in ({"Origin": EVIL}, {"Origin": "null"}, {"Referer": EVIL + "/page.html"},
                    {"Origin": "http://testserver.evil.com"}, {"Sec-Fetch-Site": "cross-site"}):
        r = browser.post("/auth/tokens", json={"name": "x"}, headers={**token, **headers})
        assert r.status_code == 403 and r.json()["code"] == "cross_site_request", headers
    # body-less and multipart writes too, even with the right token
    assert browser.post("/auth/logout", headers={**token, "Origin": EVIL}).status_code == 403
    files = {"file": ("site.geojson", json.dumps(SITE).encode(), "application/geo+json")}
    assert browser.post("/reviews", files=files, headers={**token, "Origin": EVIL}
                        ).status_code == 403
    # a login from a foreign page (login CSRF) is refused as well
    assert client(app).post("/auth/login", json={"username": "ana111", "password": "x"},
                            headers={"Origin": EVIL}).status_code == 403
    assert _state(ws) == before
    assert browser.get("/auth/me").json()["username"] == "ana111"  # not logged out
    assert audit_count(ws, "auth.csrf_refused") >= 8
    # the site itself, and a configured public origin, are fine
    for origin in ("http://testserver", "https://map.example.gov.cn"):
        r = browser.post("/auth/tokens", json={"name": origin}, headers={**token,
                                                                          "Origin": origin})
        assert r.status_code == 201, (origin, r.text)


def test_cookie_session_needs_the_csrf_token(ws: Workspace, browser) -> None:
    before = _state(ws)
    for headers in ({}, {"X-CSRF-Token": ""}, {"X-CSRF-Token": "forged"},
                    {"X-CSRF-Token": browser.cookies["onemap_session"]}):
        r = browser.post("/auth/tokens", json={"name": "x"}, headers=headers)
        assert r.status_code == 403 and "CSRF" in r.json()["detail"], headers
    assert browser.post("/auth/logout").status_code == 403
    assert _state(ws) == before
    # another session's token does not fit this session
    other = client(browser.app)
    assert login(other, "ana111").status_code == 200
    assert browser.post("/auth/tokens", json={"name": "x"}, headers=csrf(other)
                        ).status_code == 403
    assert rows(ws, "api_tokens") == before[0]
    assert browser.post("/auth/tokens", json={"name": "ok"}, headers=csrf(browser)
                        ).status_code == 201


def test_bearer_requests_need_no_csrf_token(ws: Workspace, app) -> None:
    secret = UserService(ws).create_token("ana111", "script").token
    script = client(app)
    r = script.post("/auth/tokens", json={"name": "from-script"},
                    headers={"Authorization": f"Bearer {secret}"})
    assert r.status_code == 201
    # Basic (or any other scheme) stays unsupported
    assert script.get("/auth/me", headers={"Authorization": "Basic YW5hMTExOng="}
                      ).status_code == 401


def test_text_plain_bodies_are_refused(ws: Workspace, app, browser) -> None:
    before = _state(ws)
    token = csrf(browser)
    body = json.dumps({"type": "Feature", "properties": {}, "geometry": SITE})
    for ctype in ("text/plain", "text/plain;charset=UTF-8", "application/x-www-form-urlencoded",
                  ""):
        r = browser.post("/reviews", content=body, headers={**token, "Content-Type": ctype})
        assert r.status_code == 415 and r.json()["code"] == "unsupported_media_type", ctype
        r = browser.post("/auth/tokens", content=json.dumps({"name": "x"}),
                         headers={**token, "Content-Type": ctype})
        assert r.status_code == 415, ctype
    # scripts with a bearer token are held to the same media types
    secret = UserService(ws).create_token("ana111", "script2").token
    before = _state(ws)
    assert client(app).post("/auth/tokens", content=json.dumps({"name": "x"}), headers={
        "Authorization": f"Bearer {secret}", "Content-Type": "text/plain"}).status_code == 415
    # a JSON route does not take GeoJSON's type, nor multipart
    assert browser.post("/auth/tokens", content=json.dumps({"name": "x"}), headers={
        **token, "Content-Type": "application/geo+json"}).status_code == 415
    assert _state(ws) == before
    assert browser.post("/auth/tokens", content=json.dumps({"name": "typed"}), headers={
        **token, "Content-Type": "application/json; charset=utf-8"}).status_code == 201
