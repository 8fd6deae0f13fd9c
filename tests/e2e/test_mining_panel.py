"""The mining panel in a real browser: rights by status, conflicts, suspects, quota gauges."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest
import shapely

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "integration"))
sys.path.insert(0, str(ROOT))
from api_helpers import PASSWORD, live_server  # noqa: E402
from browser_helpers import open_map_as, wait_js  # noqa: E402
from test_web_map import ARGS, CHROMIUM, _ensure_built  # noqa: E402

from actors import SYSTEM  # noqa: E402
from change_world import write_world  # noqa: E402
from onemap.mining import quota_service, service  # noqa: E402
from onemap.mining.models import QuotaIn, ReportIn, RightIn  # noqa: E402
from onemap.store.access import Role  # noqa: E402
from onemap.store.workspace import Workspace  # noqa: E402
from onemap.users.models import UserCreate  # noqa: E402
from onemap.users.service import UserService  # noqa: E402

pytestmark = pytest.mark.e2e


def _straddling(ws: Workspace) -> dict:
    red = ws.read_layer("eco_redline", 2020)
    poly = red.geometry.iloc[0]
    x, y = np.asarray(poly.exterior.coords)[0]
    return json.loads(shapely.to_geojson(shapely.box(x - 0.002, y - 0.002, x + 0.002, y + 0.002)))


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):
    _ensure_built()
    root = tmp_path_factory.mktemp("e2e-mining")
    ws = Workspace.create(root / "ws")
    write_world(ws)
    county = str(ws.read_layer("eco_redline", 2020)["county"].iloc[0])
    service.register_rights(ws, SYSTEM, [
        RightIn(right_no="C1", county=county, minerals=["钨矿"], geometry=_straddling(ws)),
        RightIn(right_no="T1", right_type="exploration", county=county, minerals=["钨矿"],
                geometry=json.loads(shapely.to_geojson(shapely.box(115.962, 28.604, 115.968,
                                                                   28.609))))])
    for level, holder, amount in (("province", "360000", 100.0), ("city", county[:4] + "00",
                                                                  80.0), ("mine", "C1", 50.0)):
        quota_service.allocate(ws, SYSTEM, QuotaIn(mineral="钨精矿", year=2023, level=level,
                                                   holder=holder, amount=amount))
    quota_service.report_production(ws, SYSTEM, ReportIn(right_no="C1", mineral="钨精矿",
                                                         year=2023, month=1, amount=46.0))
    UserService(ws).add_user(UserCreate(username="prov", password=PASSWORD, role=Role.ADMIN,
                                        regions=["360000"]))
    ws.close()
    with live_server(root / "ws", root / "server.log") as url:
        yield url


def test_mining_panel_draws_rights_conflicts_and_gauges(server: str) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        open_map_as(page, server, "prov", PASSWORD)
        page.click("button[data-tab='mining']")
        page.wait_for_selector("#mining-count", timeout=60_000)
        assert page.inner_text("#mining-count") == "2"
        assert page.query_selector_all("tr.mining-conflict")  # the red-line straddler
        gauge = page.query_selector(".mining-gauge[data-level='city']")
        assert gauge is not None and "57.5%" in gauge.inner_text()  # 46 of 80
        n = wait_js(page, "window.onemap.map.getSource('mining-rights') &&"
                          " window.onemap.map.getSource('mining-rights')._data.features.length")
        assert n == 2
        statuses = page.evaluate("window.onemap.map.getSource('mining-rights')._data.features"
                                 ".map(f => [f.properties.right_no, f.properties.conflict])")
        assert ["C1", 1] in statuses
        browser.close()
