"""English mode of the web map: every panel's own text switches (real chromium)."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "integration"))
sys.path.insert(0, str(ROOT))
from api_helpers import PASSWORD, live_server  # noqa: E402
from browser_helpers import open_map_as, wait_js  # noqa: E402
from test_web_map import ARGS, CHROMIUM, SHOTS, _ensure_built  # noqa: E402

from change_world import write_world  # noqa: E402
from onemap.store.access import Role  # noqa: E402
from onemap.store.workspace import Workspace  # noqa: E402
from onemap.users.models import UserCreate  # noqa: E402
from onemap.users.service import UserService  # noqa: E402

pytestmark = pytest.mark.e2e
HAN = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):
    _ensure_built()
    root = tmp_path_factory.mktemp("e2e-english")
    ws = Workspace.create(root / "ws")
    write_world(ws)
    users = UserService(ws)
    users.add_user(UserCreate(username="prov", password=PASSWORD, role=Role.ADMIN,
                              regions=["360000"]))
    admin = {"Authorization": f"Bearer {users.create_token('prov').token}"}
    ws.close()
    with live_server(root / "ws", root / "server.log") as url:
        batch = httpx.post(f"{url}/change/batches", json={"from_year": 2019, "to_year": 2020},
                           headers=admin, timeout=120).json()
        opened = httpx.post(f"{url}/cases/open", json={"batch_id": batch["id"]},
                            headers=admin, timeout=120)
        assert opened.status_code == 201, opened.text
        yield url


def _chinese(text: str) -> list[str]:
    """Lines with Chinese left, ignoring a rule's cited law or standard ("(《…》…)" at the end)."""
    return [line for line in text.splitlines() if HAN.search(re.sub(r"\s*\(《.*$", "", line))]


def test_every_panel_switches_to_english_and_back(server: str) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        open_map_as(page, server, "prov", PASSWORD)
        page.click("button[data-tab='cases']")  # open in Chinese, then switch
        page.wait_for_selector("#case-list .case-row", timeout=30_000)
        assert "已下发待核查" in page.inner_text("#case-list")
        page.click("#lang-btn")
        wait_js(page, "document.querySelector('#case-list th') &&"
                      " document.querySelector('#case-list th').textContent === 'Case'",
                      timeout=30_000)
        page.query_selector_all("#case-list .case-row")[0].click()
        page.wait_for_selector("#case-detail button[data-action='verify']", timeout=30_000)
        assert page.inner_text("#case-detail button[data-action='verify']") == "Verify"
        assert page.inner_text("#lang-btn") == "中文"  # the way back stays in Chinese
        seen = {"header": page.inner_text("header").replace("中文", ""),
                "tabs": page.inner_text("#tabs"),
                "cases": page.inner_text("#cases-body")}
        page.screenshot(path=str(SHOTS / "english-cases.png"))
        page.click("button[data-tab='layers']")
        page.wait_for_selector("#layer-tree .tree-cat")
        seen["layers"] = page.inner_text("#layer-tree")
        seen["legend"] = page.inner_text("#legend")
        page.screenshot(path=str(SHOTS / "english-layers.png"))
        page.click("button[data-tab='stats']")
        page.click("#stats-load")
        page.wait_for_selector("#stats-body table", timeout=30_000)
        seen["stats"] = page.inner_text("#stats-body")
        page.click("button[data-tab='indicators']")
        wait_js(page, "document.getElementById('ind-body') &&"
                      " !document.getElementById('ind-body').textContent"
                      ".includes('loading')", timeout=60_000)
        seen["indicators"] = page.inner_text("#indicators-body")
        page.screenshot(path=str(SHOTS / "english-indicators.png"))
        page.click("button[data-tab='tools']")
        seen["tools"] = page.inner_text("#panel-tools")
        page.click("button[data-tab='review']")
        site = Path(__file__).parent / "screenshots" / "english-site.geojson"
        site.write_text('{"type": "Polygon", "coordinates": [[[115.905, 28.605], [115.915, 28.605],'
                        ' [115.915, 28.615], [115.905, 28.615], [115.905, 28.605]]]}')
        page.set_input_files("#upload-file", str(site))
        page.click("#upload-btn")
        wait_js(page, "document.getElementById('review-verdict') !== null ||"
                      " document.querySelector('#review-result .error') !== null",
                      timeout=90_000)
        site.unlink()
        seen["review"] = page.inner_text("#panel-review")
        assert page.get_attribute("#review-pdf", "href").endswith("report.pdf?lang=en")
        page.screenshot(path=str(SHOTS / "english-review.png"))
        left = {k: _chinese(v) for k, v in seen.items() if _chinese(v)}
        assert not left, left
        assert "Legend (land use)" in seen["legend"] and "0101 Paddy field" in seen["legend"]
        assert "Total" in seen["stats"] and "Cultivated land" in seen["stats"]
        assert "Three zones & three lines" in seen["layers"]
        assert "(1 feature)" in seen["layers"] and "(1 features)" not in seen["layers"]
        assert "provincial admin" in seen["header"]
        page.click("#lang-btn")  # and back to Chinese
        wait_js(page, "document.getElementById('legend').textContent.includes('水田')")
        wait_js(page, "document.getElementById('who').textContent.includes('省级管理员')")
        page.click("button[data-tab='cases']")
        wait_js(page, "document.querySelector('#case-list th') &&"
                      " document.querySelector('#case-list th').textContent === '编号'",
                      timeout=30_000)
        browser.close()
