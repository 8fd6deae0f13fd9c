"""Carbon panel in a real browser (Debian chromium): choropleth, tables, project library."""

from __future__ import annotations

import sys
from pathlib import Path

import geopandas as gpd
import httpx
import pytest
import shapely

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "integration"))
sys.path.insert(0, str(ROOT))
from api_helpers import PASSWORD, live_server  # noqa: E402
from browser_helpers import open_map_as  # noqa: E402
from test_web_map import ARGS, CHROMIUM, SHOTS, _ensure_built, _not_blank  # noqa: E402

from change_world import write_world  # noqa: E402
from onemap.store.access import Role  # noqa: E402
from onemap.store.workspace import Workspace  # noqa: E402
from onemap.users.models import UserCreate  # noqa: E402
from onemap.users.service import UserService  # noqa: E402

pytestmark = pytest.mark.e2e
MINE, OTHER = "360111", "360121"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):
    _ensure_built()
    root = tmp_path_factory.mktemp("e2e-carbon")
    ws = Workspace.create(root / "ws")
    write_world(ws)
    ws.write_layer("admin_county", None, gpd.GeoDataFrame(
        {"XZQDM": [MINE, OTHER], "XZQMC": ["青山湖区", "南昌县"]},
        geometry=[shapely.box(115.90, 28.60, 115.95, 28.64),
                  shapely.box(115.95, 28.60, 116.00, 28.64)], crs=4490))
    ws.write_layer("restoration_project", None, gpd.GeoDataFrame({
        "XMBH": ["XF360111001", "XF360121001"], "XMMC": ["青山湖 退耕还林", "南昌县 湿地修复"],
        "XMLX": ["水土流失治理", "湿地修复"], "TZJE": [80.0, 120.0], "KSNF": [2019, 2019],
        "JSNF": [2020, 2020], "YQDL": ["0301", "1106"], "FQKSBH": ["", ""],
        "XZQDM": [MINE, OTHER]},
        geometry=[shapely.box(115.91, 28.61, 115.915, 28.615),
                  shapely.box(115.96, 28.61, 115.965, 28.615)], crs=4490))
    users = UserService(ws)
    users.add_user(UserCreate(username="prov", password=PASSWORD, role=Role.ADMIN,
                              regions=["360000"]))
    users.add_user(UserCreate(username="west", password=PASSWORD, role=Role.ANALYST,
                              regions=[MINE]))
    admin = {"Authorization": f"Bearer {users.create_token('prov').token}"}
    ws.close()
    with live_server(root / "ws", root / "server.log") as url:
        r = httpx.post(f"{url}/change/batches", json={"from_year": 2019, "to_year": 2020},
                       headers=admin, timeout=120)
        assert r.status_code == 201, r.text
        yield url


def test_carbon_panel_shows_the_choropleth_and_only_the_users_county(server: str) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        open_map_as(page, server, "west", PASSWORD)
        page.click("button[data-tab='carbon']")
        page.wait_for_selector("#carbon-projects table", timeout=60_000)
        stock = page.inner_text("#carbon-stock")
        assert MINE in stock and OTHER not in stock
        assert "青山湖 退耕还林" in page.inner_text("#carbon-projects")
        assert "南昌县" not in page.inner_text("#carbon-projects")
        assert "2019→2020" in page.inner_text("#carbon-change")
        assert "jiangxi-tier1" in page.inner_text("#carbon-legend")
        page.select_option("#carbon-measure", "change_tc_per_ha")
        page.wait_for_timeout(1500)
        SHOTS.mkdir(parents=True, exist_ok=True)
        png = page.screenshot(path=str(SHOTS / "carbon-panel.png"))
        assert _not_blank(png) > 5
        browser.close()
