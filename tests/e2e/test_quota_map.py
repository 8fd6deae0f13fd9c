"""The 占补平衡 / 批供用 panel in a real browser: county choropleth, idle layer, case opening."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import pytest
import shapely

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "integration"))
sys.path.insert(0, str(ROOT))
from api_helpers import PASSWORD, live_server  # noqa: E402
from browser_helpers import open_map_as, wait_js  # noqa: E402
from test_web_map import ARGS, CHROMIUM, SHOTS, _ensure_built, _not_blank  # noqa: E402

from onemap.quota import service  # noqa: E402
from onemap.quota.models import ProjectIn  # noqa: E402
from onemap.store.access import Actor, Role  # noqa: E402
from onemap.store.workspace import Workspace  # noqa: E402
from onemap.users.models import UserCreate  # noqa: E402
from onemap.users.service import UserService  # noqa: E402
from quota_world import cell, farmland_of, gj, write_supply, write_world  # noqa: E402

pytestmark = pytest.mark.e2e
ADMIN = Actor(username="system", role=Role.ADMIN, regions=["360000"], origin="local")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):
    _ensure_built()
    root = tmp_path_factory.mktemp("e2e-quota")
    ws = Workspace.create(root / "ws")
    write_world(ws)
    write_supply(ws)
    for county in ("360111", "360121"):
        geom = shapely.union_all([cell(county, 0, 0), cell(county, 0, 1)])
        service.add_projects(ws, ADMIN, [ProjectIn(
            project_no=f"P-{county}", county=county, accepted_on=date(2020, 3, 1),
            area_m2=farmland_of(geom) * 0.99, paddy_m2=farmland_of(geom) * 0.99, grade=5,
            geometry=gj(geom))])
    UserService(ws).add_user(UserCreate(username="west", password=PASSWORD, role=Role.ANALYST,
                                        regions=["360111"]))
    ws.close()
    with live_server(root / "ws", root / "server.log") as url:
        yield url


def test_quota_panel_choropleth_idle_layer_and_case(server: str) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        open_map_as(page, server, "west", PASSWORD)
        page.click("button[data-tab='quota']")
        page.wait_for_selector(".quota-balance-table", timeout=30_000)
        balance = page.inner_text(".quota-balance-table")
        assert "360111" in balance and "360121" not in balance  # the analyst's county only
        page.wait_for_selector(".quota-supply-table", timeout=30_000)
        assert "360121" not in page.inner_text(".quota-supply-table")
        wait_js(page, "window.onemap.map.getLayer('quota-balance-fill') !== undefined")
        wait_js(page, "window.onemap.map.getSource('quota-idle') !== undefined")
        n = page.evaluate("window.onemap.map.getSource('quota-idle')._data.features.length")
        assert n == 1
        page.evaluate("window.onemap.map.jumpTo({center: [115.913, 28.603], zoom: 15})")
        wait_js(page, "window.onemap.map.loaded()", timeout=30_000)
        page.wait_for_timeout(800)
        x, y = page.evaluate("(() => { const p = window.onemap.map.project([115.913, 28.603]);"
                             " return [p.x, p.y]; })()")
        box = page.locator("#map").bounding_box()
        page.mouse.click(box["x"] + x, box["y"] + y)
        button = page.wait_for_selector("button.quota-case", timeout=15_000)
        assert "360111-GD-IDLE" in page.inner_text(".maplibregl-popup-content >> nth=-1") or \
            "360111-GD-IDLE" in page.content()
        button.click()
        wait_js(page, "document.body.textContent.includes('已立案')", timeout=15_000)
        shot = page.screenshot(path=str(SHOTS / "quota.png"))
        assert _not_blank(shot) > 10
        browser.close()
