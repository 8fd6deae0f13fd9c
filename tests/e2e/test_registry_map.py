"""Registration panel in a real browser: a county user's units, stage colours, the register."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "integration"))
sys.path.insert(0, str(ROOT))
from api_helpers import PASSWORD, live_server  # noqa: E402
from browser_helpers import open_map_as, wait_js  # noqa: E402
from registry_world import FOREST_A, RIVER_B, A, standard_units, write_world  # noqa: E402
from test_web_map import ARGS, CHROMIUM, SHOTS, _ensure_built, _not_blank  # noqa: E402

from onemap.registry import service  # noqa: E402
from onemap.store.access import Role  # noqa: E402
from onemap.store.formats.models import ImportRequest  # noqa: E402
from onemap.store.workspace import Workspace  # noqa: E402
from onemap.users.identity import local_operator  # noqa: E402
from onemap.users.models import UserCreate  # noqa: E402
from onemap.users.service import UserService  # noqa: E402

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):
    _ensure_built()
    root = tmp_path_factory.mktemp("e2e-registry")
    ws = Workspace.create(root / "ws")
    write_world(ws)
    service.import_units(ws, local_operator(ws), ImportRequest(
        path=standard_units(root / "units.geojson"), kind="registration_unit"))
    UserService(ws).add_user(UserCreate(username="east", password=PASSWORD, role=Role.ANALYST,
                                        regions=[A]))
    ws.close()
    with live_server(root / "ws", root / "server.log") as url:
        yield url


def test_registry_panel_shows_only_the_county_units_and_their_register(server: str) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        open_map_as(page, server, "east", PASSWORD)
        page.click("button[data-tab='registry']")
        page.wait_for_selector("#registry-units .registry-row", timeout=30_000)
        rows = page.query_selector_all("#registry-units .registry-row")
        numbers = [r.query_selector_all("td")[0].inner_text() for r in rows]
        assert numbers == [FOREST_A] and RIVER_B not in page.content()
        assert "预划" in rows[0].inner_text()
        rows[0].click()
        page.wait_for_selector("#registry-natural", timeout=30_000)
        natural = page.inner_text("#registry-natural")
        assert "林地" in natural and "水域" in natural and "耕地" in natural
        assert "永久基本农田" in page.inner_text("#registry-controls")
        assert page.get_attribute("#registry-pdf", "href").startswith(
            f"/registry/units/{FOREST_A}/register.pdf")
        wait_js(page, "window.onemap.map.getSource('registry-units') !== undefined")
        colour = page.evaluate("JSON.stringify(window.onemap.map.getPaintProperty("
                               "'registry-units-line', 'line-color'))")
        assert "登簿" in colour and "#2e7d32" in colour  # stage colours
        page.wait_for_timeout(1500)
        shot = page.screenshot(path=str(SHOTS / "registry.png"))
        assert _not_blank(shot) > 10
        browser.close()
