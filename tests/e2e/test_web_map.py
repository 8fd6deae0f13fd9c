"""The web map in a real browser (Debian chromium) against a real ``onemap serve``."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "integration"))
from api_helpers import PASSWORD, build_workspace, live_server
from browser_helpers import wait_js, watch_csp

pytestmark = pytest.mark.e2e

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run",
        "--use-gl=swiftshader", "--enable-unsafe-swiftshader"]
DIST = Path(__file__).resolve().parents[2] / "src/onemap/api/static/dist"
WEB = Path(__file__).resolve().parents[2] / "web"
SHOTS = Path(__file__).resolve().parents[2] / "tests/e2e/screenshots"


def _ensure_built() -> None:
    if (DIST / "app.js").is_file() and (DIST / "maplibre-gl.js").is_file():
        return
    npm = shutil.which("npm")
    assert npm, "npm is needed to build the web map (make web)"
    subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=WEB, check=True)
    subprocess.run([npm, "run", "build"], cwd=WEB, check=True)


def _not_blank(png: bytes) -> float:
    from PIL import Image

    img = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=float)
    return float(img.std())


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):
    _ensure_built()
    root = tmp_path_factory.mktemp("e2e")
    ws = build_workspace(root / "ws")
    ws.close()
    with live_server(root / "ws", root / "server.log") as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield b
        b.close()


def _wait_map_idle(page) -> None:
    wait_js(page, "document.body.dataset.ready === '1'", timeout=30_000)
    wait_js(
        page, "window.onemap.map.loaded() && window.onemap.map.areTilesLoaded()", timeout=30_000)
    page.wait_for_timeout(500)


def test_login_map_identify_and_review(server: str, browser, tmp_path: Path) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    blocked = watch_csp(page)  # the map must work under its Content-Security-Policy
    page.goto(f"{server}/map")
    wait_js(page, "document.body.dataset.ready === '1'", timeout=30_000)
    assert "访客" in page.inner_text("#who")  # Chinese UI by default, anonymous
    page.fill("#login-user", "nanchang")
    page.fill("#login-pass", PASSWORD)
    page.click("#login-btn")
    wait_js(page, "document.getElementById('who').textContent.includes('nanchang')")
    page.wait_for_selector("input[data-layer='dltb_2020']:checked")
    page.select_option("#county-select", index=1)  # zoom to 青山湖区
    page.wait_for_timeout(1500)
    _wait_map_idle(page)
    shot = page.screenshot(path=str(SHOTS / "map.png"))
    assert _not_blank(shot) > 10, "map screenshot is blank"
    # click the middle of a land-use polygon of 360111
    x, y = page.evaluate("(() => { const p = window.onemap.map.project([115.925, 28.625]);"
                         " return [p.x, p.y]; })()")
    box = page.locator("#map").bounding_box()
    page.mouse.click(box["x"] + x, box["y"] + y)
    popup = page.wait_for_selector(".identify", timeout=15_000)
    text = popup.inner_text()
    assert "地类编码" in text and "标识码" in text and "360111" in text
    shot = page.screenshot(path=str(SHOTS / "identify.png"))
    assert _not_blank(shot) > 10
    # draw a site and review it (when the review route exists)
    page.click("button[data-tab='review']")
    page.fill("#project-name", "测试项目")
    page.click("#draw-start")
    page.keyboard.press("Escape")
    for lon, lat in [(115.905, 28.605), (115.935, 28.605), (115.935, 28.635), (115.905, 28.635)]:
        px, py = page.evaluate(f"(() => {{ const p = window.onemap.map.project([{lon}, {lat}]);"
                               " return [p.x, p.y]; })()")
        page.mouse.click(box["x"] + px, box["y"] + py)
    page.click("#draw-finish")
    wait_js(page, "!document.getElementById('review-result').textContent"
                  ".includes('正在审查')", timeout=90_000)
    assert page.query_selector("#review-result .error") is None, page.inner_text("#review-result")
    verdict = page.wait_for_selector("#review-verdict", timeout=5_000)
    assert "审查结论" in verdict.inner_text()
    pdf = page.get_attribute("#review-pdf", "href")
    assert pdf and pdf.endswith("report.pdf")
    shot = page.screenshot(path=str(SHOTS / "review.png"))
    assert _not_blank(shot) > 10
    # upload a site file (GeoJSON) and review it
    site = tmp_path / "site.geojson"
    site.write_text(json.dumps({"type": "FeatureCollection", "features": [{
        "type": "Feature", "properties": {"name": "上传地块"}, "geometry": {
            "type": "Polygon", "coordinates": [[[115.95, 28.65], [115.97, 28.65],
                                                [115.97, 28.67], [115.95, 28.67],
                                                [115.95, 28.65]]]}}]}), encoding="utf-8")
    page.evaluate("document.getElementById('review-result').textContent = ''")
    page.set_input_files("#upload-file", str(site))
    page.click("#upload-btn")
    wait_js(page, "document.getElementById('review-verdict') !== null ||"
                  " document.querySelector('#review-result .error') !== null",
                  timeout=90_000)
    assert page.query_selector("#review-result .error") is None, page.inner_text("#review-result")
    pdf = page.get_attribute("#review-pdf", "href")
    assert pdf.endswith("report.pdf")
    got = page.request.get(server + pdf)  # with the browser's session cookie
    assert got.status == 200 and got.body().startswith(b"%PDF")
    # statistics table and indicators dashboard
    page.click("button[data-tab='stats']")
    page.click("#stats-load")
    page.wait_for_selector("#stats-body table", timeout=30_000)
    assert "青山湖区" in page.inner_text("#stats-body")
    page.click("button[data-tab='indicators']")
    wait_js(page, "document.getElementById('ind-body') &&"
                  " !document.getElementById('ind-body').textContent.includes('加载中')",
                  timeout=60_000)
    assert page.query_selector("#indicators-body .error") is None, \
        page.inner_text("#indicators-body")
    year = page.input_value("#ind-year")
    dash = page.get_attribute("#ind-dashboard", "href")
    assert dash == f"/indicators/dashboard?year={year}&lang=zh", dash
    assert page.inner_text("#ind-dashboard") == "指标看板"
    with page.context.expect_page() as opened:  # opens in a new tab with the session cookie
        page.click("#ind-dashboard")
    board = opened.value
    board.wait_for_load_state()
    assert board.url.endswith(dash) and "<html" in board.content()
    assert "指标" in board.inner_text("body") and year in board.inner_text("body")
    board.screenshot(path=str(SHOTS / "indicators-dashboard.png"))
    board.close()
    page.screenshot(path=str(SHOTS / "indicators.png"))
    # English switch
    page.click("#lang-btn")
    wait_js(page, "document.querySelector('[data-tab=layers]').textContent === 'Layers'")
    assert not errors, errors
    assert not blocked, blocked
