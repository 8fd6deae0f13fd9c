"""Case list, case map and workflow buttons in a real browser (Debian chromium)."""

from __future__ import annotations

import sys
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "integration"))
sys.path.insert(0, str(ROOT))
from api_helpers import PASSWORD, live_server  # noqa: E402
from browser_helpers import open_map_as, wait_js  # noqa: E402
from test_web_map import ARGS, CHROMIUM, SHOTS, _ensure_built, _not_blank  # noqa: E402

from change_world import write_world  # noqa: E402
from onemap.store.access import Role  # noqa: E402
from onemap.store.workspace import Workspace  # noqa: E402
from onemap.users.models import UserCreate  # noqa: E402
from onemap.users.service import UserService  # noqa: E402

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):
    _ensure_built()
    root = tmp_path_factory.mktemp("e2e-cases")
    ws = Workspace.create(root / "ws")
    write_world(ws)
    users = UserService(ws)
    users.add_user(UserCreate(username="prov", password=PASSWORD, role=Role.ADMIN,
                              regions=["360000"]))
    users.add_user(UserCreate(username="west", password=PASSWORD, role=Role.INSPECTOR,
                              regions=["360111"]))
    admin = {"Authorization": f"Bearer {users.create_token('prov').token}"}
    ws.close()
    with live_server(root / "ws", root / "server.log") as url:
        batch = httpx.post(f"{url}/change/batches", json={"from_year": 2019, "to_year": 2020},
                           headers=admin, timeout=120).json()
        opened = httpx.post(f"{url}/cases/open", json={"batch_id": batch["id"]},
                            headers=admin, timeout=120)
        assert opened.status_code == 201, opened.text
        yield url


def test_case_list_map_and_workflow(server: str) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        answers = {"核查结论": "违法", "原因代码": "", "说明": "未批先建 (e2e)"}
        page.on("dialog", lambda d: d.accept(next(
            (v for k, v in answers.items() if k in d.message), "")))
        open_map_as(page, server, "west", PASSWORD)
        page.click("button[data-tab='cases']")
        page.wait_for_selector("#case-list .case-row", timeout=30_000)
        rows = page.query_selector_all("#case-list .case-row")
        counties = {r.query_selector_all("td")[2].inner_text() for r in rows}
        assert counties == {"360111"}  # only the inspector's county
        rows[0].click()
        page.wait_for_selector("#case-detail h4", timeout=30_000)
        assert "已下发待核查" in page.inner_text("#case-detail h4")
        page.click("#case-detail button[data-action='verify']")
        wait_js(page, "document.querySelector('#case-detail h4') &&"
                      " document.querySelector('#case-detail h4').textContent"
                      ".includes('已举证待审核')", timeout=30_000)
        assert "未批先建 (e2e)" in page.inner_text("#case-detail")
        case_no = page.inner_text("#case-detail h4").split("·")[0].strip()
        # review (审核) is the city's or province's: the inspector gets no review buttons
        assert page.query_selector("#case-detail button[data-action='approve']") is None
        assert page.query_selector("#case-detail button[data-action='reject']") is None
        assert page.query_selector("#case-detail button[data-action='verify']") is None
        wait_js(page, "window.onemap.map.getSource('case') !== undefined")
        page.wait_for_timeout(1500)
        shot = page.screenshot(path=str(SHOTS / "cases.png"))
        assert _not_blank(shot) > 10

        prov = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
        prov.goto(f"{server}/map")
        wait_js(prov, "document.body.dataset.ready === '1'", timeout=30_000)
        prov.fill("#login-user", "prov")
        prov.fill("#login-pass", PASSWORD)
        prov.click("#login-btn")
        wait_js(prov, "document.getElementById('who').textContent.includes('prov')")
        prov.click("button[data-tab='cases']")
        prov.wait_for_selector("#case-list .case-row", timeout=30_000)
        prov.click(f"#case-list .case-row:has-text('{case_no}')")
        prov.wait_for_selector("#case-detail button[data-action='approve']", timeout=30_000)
        assert prov.query_selector("#case-detail button[data-action='reject']") is not None
        browser.close()
