# ruff: noqa: E501  (JavaScript run in the page reads best on one line)
"""The web map's polish, in Chromium against ``onemap serve`` on a tiny demo with cases.

Popup within its box with names and units, legend = classes drawn in view, case list
filtered and paged with a detail panel, indicators at the latest data year, tab bar
without overflow at 1280 px in both languages, double-click ends a measurement without
zooming.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "integration"))
from api_helpers import live_server
from browser_helpers import wait_js
from test_web_map import ARGS, CHROMIUM, _ensure_built

from onemap.cli.main import create_cli
from onemap.demo.models import DemoOptions
from onemap.demo.service import build_demo

pytestmark = pytest.mark.e2e
PASSWORD = "polish-password-1"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):
    _ensure_built()
    root = tmp_path_factory.mktemp("polish")
    ws = root / "ws"
    build_demo(ws, DemoOptions(scale="tiny", seed=2019, counties=["360111", "360121"],
                               picture=False))
    from onemap.demo.job import prepare_main_job

    prepare_main_job(ws, 2019)
    runner = CliRunner()
    for argv in (["change", str(ws), "--from", "2019", "--to", "2020", "--open-cases"],
                 ["users", "add", str(ws), "admin", "--password", PASSWORD, "--role",
                  "provincial_admin", "--region", "360000", "--name", "张审查"]):
        result = runner.invoke(create_cli(), argv)
        assert result.exit_code == 0, result.output
    with live_server(ws, root / "server.log") as url:
        yield url


@pytest.fixture(scope="module")
def page(server: str):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.goto(f"{server}/map")
        wait_js(page, "document.body.dataset.ready === '1'")
        page.fill("#login-user", "admin")
        page.fill("#login-pass", PASSWORD)
        page.click("#login-btn")
        wait_js(page, "document.getElementById('logout-btn').hidden === false")
        yield page
        browser.close()


def _idle(page) -> None:
    wait_js(page, "window.onemap.map.loaded() && window.onemap.map.areTilesLoaded()")
    page.wait_for_timeout(700)


def _zoom_county(page) -> None:
    page.click("#tabs button[data-tab=layers]")
    page.evaluate("""() => { const m = window.onemap.map, s = document.getElementById('county-select');
        const b = s.options[1].value.split(',').map(Number);
        m.fitBounds([[b[0], b[1]], [b[2], b[3]]], {duration: 0}); m.zoomIn({duration: 0}); }""")
    _idle(page)


def test_popup_fits_its_box_and_names_codes(page) -> None:
    _zoom_county(page)
    point = page.evaluate("""() => { const m = window.onemap.map;
        const ids = m.getStyle().layers.map(l => l.id).filter(i => i.startsWith('dltb_2020') && i.endsWith('-fill'));
        const r = m.getContainer().getBoundingClientRect();
        for (let y = 250; y < 600; y += 21) for (let x = 200; x < 800; x += 29) {
          const h = m.queryRenderedFeatures([x, y], {layers: ids});
          if (h.length && h[0].properties.QSXZ) return [r.left + x, r.top + y]; }
        return null; }""")
    assert point, "no DLTB patch with 权属性质 in view"
    page.mouse.click(point[0], point[1])
    wait_js(page, "document.querySelector('.identify table tr') !== null")
    page.wait_for_timeout(800)
    box = page.evaluate("""() => { const c = document.querySelector('.maplibregl-popup-content');
        const i = c.querySelector('.identify'); const cr = c.getBoundingClientRect(), ir = i.getBoundingClientRect();
        return {inside: ir.top >= cr.top - 1 && ir.bottom <= cr.bottom + 1 && ir.left >= cr.left - 1 && ir.right <= cr.right + 1,
                contentOverflow: c.scrollHeight - c.clientHeight, innerOverflow: i.scrollHeight - i.clientHeight,
                innerHeight: i.clientHeight, rows: [...i.querySelectorAll('tr')].map(r => [r.cells[0].textContent, r.cells[1].textContent])}; }""")
    assert box["inside"] and box["contentOverflow"] <= 1, box  # no cut at 320 px, no blank box
    assert box["innerHeight"] > 320 or box["innerOverflow"] <= 1
    rows = dict(box["rows"])
    assert rows["权属性质"].startswith("30 集体土地所有权") or " " in rows["权属性质"], rows
    assert rows["地类编码"].split(" ", 1)[1], rows  # 0101 水田
    assert "m²" in rows["图斑面积"] and "公顷" in rows["图斑面积"] and "," in rows["图斑面积"], rows
    page.evaluate("document.querySelectorAll('.maplibregl-popup').forEach(p => p.remove())")


def test_legend_lists_every_class_in_view(page) -> None:
    _zoom_county(page)
    for step in range(2):
        drawn = page.evaluate("""() => { const m = window.onemap.map;
            const ids = m.getStyle().layers.map(l => l.id).filter(i => i.startsWith('dltb_2020') && i.endsWith('-fill'));
            return [...new Set(m.queryRenderedFeatures({layers: ids}).map(f => f.properties.DLBM))].sort(); }""")
        legend = page.evaluate("[...document.querySelectorAll('#legend .legend-row')].map(r => r.dataset.code)")
        assert drawn and legend == drawn
        assert step or len(drawn) > 9  # more than the old fixed list of nine
        page.evaluate("window.onemap.map.zoomIn({duration: 0})")
        _idle(page)


def test_case_list_is_filtered_paged_and_has_a_detail_panel(page) -> None:
    page.click("#tabs button[data-tab=cases]")
    wait_js(page, "document.querySelectorAll('.case-row').length > 0")
    total = page.evaluate("Number(document.getElementById('case-page').textContent.match(/(\\d[\\d,]*)\\s*条/)[1].replace(/,/g, ''))")
    rows = page.evaluate("document.querySelectorAll('.case-row').length")
    assert rows == min(total, 20)
    counties = page.evaluate("[...document.querySelectorAll('#case-county option')].map(o => o.value).filter(Boolean)")
    assert len(counties) == 2
    page.select_option("#case-county", counties[0])
    shown = page.evaluate("[...document.querySelectorAll('.case-row td:nth-child(3)')].map(td => td.textContent)")
    assert shown and set(shown) == {counties[0]}
    first = page.evaluate("document.querySelector('.case-row td').textContent")
    page.fill("#case-search", first[-5:])
    assert page.evaluate("document.querySelectorAll('.case-row').length") == 1
    page.click(".case-row")
    wait_js(page, "document.getElementById('case-detail-title') !== null")
    assert first in page.inner_text("#case-detail-title")
    detail = page.inner_text("#case-detail")
    assert "m²" in detail and "new_construction" not in detail and "non_agri" not in detail


def test_indicators_default_to_the_latest_data_year(page, server: str) -> None:
    values = page.evaluate("fetch('/indicators/values?region=360000').then(r => r.json())")
    latest = max(v["year"] for v in values)
    page.click("#tabs button[data-tab=indicators]")
    wait_js(page, "document.querySelector('#ind-body table') !== null")
    assert page.input_value("#ind-year") == str(latest)
    warnings = page.evaluate("[...document.querySelectorAll('#ind-body td.warn')].map(td => td.textContent.trim())")
    assert warnings and not {"green", "yellow", "red", "none"} & set(warnings)
    progress = page.evaluate("[...document.querySelectorAll('#ind-body td.progress')].map(td => td.textContent.trim())")
    assert any(p != "-" for p in progress)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_tab_bar_never_overflows_at_1280(page, lang: str) -> None:
    current = page.evaluate("document.documentElement.lang.startsWith('zh') ? 'zh' : 'en'")
    if current != lang:
        page.click("#lang-btn")
        wait_js(page, f"document.documentElement.lang.startsWith('{lang}')")
        page.wait_for_timeout(500)
    over = page.evaluate("""() => { const bar = document.getElementById('tabs');
        const out = [...bar.querySelectorAll('button')].filter(b => b.scrollWidth > b.clientWidth + 1
          || b.getBoundingClientRect().right > bar.getBoundingClientRect().right + 1).map(b => b.textContent);
        if (bar.scrollWidth > bar.clientWidth + 1) out.push('bar'); return out; }""")
    assert over == []


def test_double_click_finishes_measuring_without_zooming(page) -> None:
    page.click("#tabs button[data-tab=tools]")
    _zoom_county(page)
    page.click("#tabs button[data-tab=tools]")
    zoom = page.evaluate("window.onemap.map.getZoom()")
    page.click("#measure-line")
    box = page.evaluate("(() => { const r = window.onemap.map.getContainer().getBoundingClientRect(); return [r.left, r.top]; })()")
    page.mouse.click(box[0] + 300, box[1] + 300)
    page.mouse.click(box[0] + 500, box[1] + 320)
    page.mouse.dblclick(box[0] + 600, box[1] + 420)
    page.wait_for_timeout(800)
    assert abs(page.evaluate("window.onemap.map.getZoom()") - zoom) < 1e-6
    result = page.inner_text("#measure-result")
    assert "km" in result
    page.mouse.click(box[0] + 700, box[1] + 500)  # the measurement has ended: no new vertex
    page.wait_for_timeout(300)
    assert page.inner_text("#measure-result") == result
