"""The API docs page (/api.html) renders in a real browser with no request leaving loopback."""

from __future__ import annotations

import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "integration"))
from api_helpers import build_workspace, live_server
from browser_helpers import wait_js, watch_csp

pytestmark = pytest.mark.e2e

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def test_api_docs_render_offline(tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    ws = build_workspace(tmp_path / "ws")
    ws.close()
    outside: list[str] = []
    with live_server(tmp_path / "ws", tmp_path / "server.log") as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        page = browser.new_page()

        def guard(route) -> None:  # the machine is offline: anything else would hang or fail
            host = urlsplit(route.request.url).hostname or ""
            if route.request.url.startswith(("data:", "blob:")) or host in LOOPBACK:
                route.continue_()
            else:
                outside.append(route.request.url)
                route.abort()

        page.route("**/*", guard)
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        blocked = watch_csp(page)
        page.goto(f"{url}/api.html")
        wait_js(page, "document.querySelectorAll('.swagger-ui .opblock').length > 10")
        title = page.inner_text(".swagger-ui .info .title")
        browser.close()
    assert "onemap" in title
    assert outside == []
    assert errors == [] and blocked == []
