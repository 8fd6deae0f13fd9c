"""The geohazard warning panel in a real browser: zones by level, legend, click → figures."""

from __future__ import annotations

import sys
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "integration"))
sys.path.insert(0, str(ROOT))
from api_helpers import PASSWORD, live_server  # noqa: E402
from browser_helpers import open_map_as  # noqa: E402
from hazard_world import DAY, WEST, write_hazard_world  # noqa: E402
from test_web_map import ARGS, CHROMIUM, SHOTS, _ensure_built, _not_blank  # noqa: E402

from change_world import write_world  # noqa: E402
from onemap.store.access import Role  # noqa: E402
from onemap.store.workspace import Workspace  # noqa: E402
from onemap.users.identity import local_operator  # noqa: E402
from onemap.users.models import UserCreate  # noqa: E402
from onemap.users.service import UserService  # noqa: E402

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):
    _ensure_built()
    root = tmp_path_factory.mktemp("e2e-hazards")
    ws = Workspace.create(root / "ws")
    write_world(ws)
    write_hazard_world(ws, local_operator(ws), root)
    users = UserService(ws)
    users.add_user(UserCreate(username="prov", password=PASSWORD, role=Role.ADMIN,
                              regions=["360000"]))
    users.add_user(UserCreate(username="west", password=PASSWORD, role=Role.INSPECTOR,
                              regions=[WEST]))
    admin = {"Authorization": f"Bearer {users.create_token('prov').token}"}
    ws.close()
    with live_server(root / "ws", root / "server.log") as url:
        issued = httpx.post(f"{url}/hazards/batches", json={"on": DAY.isoformat()},
                            headers=admin, timeout=120)
        assert issued.status_code == 201, issued.text
        west = next(b for b in issued.json()["batches"] if b["county"] == WEST)
        r = httpx.post(f"{url}/hazards/batches/{west['id']}/responses", headers=admin,
                       json={"point_id": f"{WEST}000001", "kind": "evacuated",
                             "people_moved": 7}, timeout=60)
        assert r.status_code == 201, r.text
        yield url


def test_warning_panel_shows_levels_and_figures(server: str) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        open_map_as(page, server, "west", PASSWORD)
        page.click("button[data-tab='hazards']")
        page.wait_for_selector(".hazard-table tr[data-id]", timeout=30_000)
        assert page.input_value("#hazard-day") == DAY.isoformat()  # the latest batch's day
        legend = page.inner_text(".hazard-legend")
        assert "橙色(II级)：2" in legend and "黄色(III级)：1" in legend  # 高 point + zone, 中
        rows = page.query_selector_all(".hazard-table tr[data-id]")
        ids = [r.get_attribute("data-id") for r in rows]
        assert ids and all(i.startswith(WEST) for i in ids)  # only the inspector's county
        page.click(f".hazard-table tr[data-id='{WEST}000001']")
        page.wait_for_selector(".hazard-popup", timeout=30_000)
        popup = page.inner_text(".hazard-popup")
        assert "有效降雨量 Pe" in popup and "126.9 mm" in popup and "橙色" in popup
        assert "已撤离" in popup and "撤离 7 人" in popup
        SHOTS.mkdir(parents=True, exist_ok=True)
        shot = page.screenshot(path=str(SHOTS / "hazards-panel.png"))
        assert _not_blank(shot) > 0
        browser.close()
