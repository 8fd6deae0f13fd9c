"""Review report (PDF/HTML) and the ``onemap review`` command, single and batch."""

from __future__ import annotations

import json
import subprocess
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pytest
from PIL import Image
from review_world import SITES, build_world, geod_area
from typer.testing import CliRunner

from actors import SYSTEM
from onemap.cli.main import create_cli
from onemap.reports.review import render_review_html, render_review_pdf, report_context
from onemap.reports.xlsx import read_xlsx
from onemap.review.models import BatchSummary, SiteReview
from onemap.review.service import ReviewService, parcels_from_frame
from onemap.store.access import Role
from onemap.store.workspace import Workspace
from onemap.users.models import UserCreate
from onemap.users.service import UserService

if TYPE_CHECKING:
    from pathlib import Path


@pytest.fixture(scope="module")
def ws_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("review_report") / "ws"
    ws = build_world(Workspace.create(root))
    UserService(ws).add_user(UserCreate(username="li", password="li-reviewer-pw", role=Role.ADMIN,
                                        regions=["360000"]))  # the CLI's --user li
    ws.close()
    return root


def _write_sites(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("half_redline", "hole_farmland", "two_counties"):
        gpd.GeoDataFrame({"DKBH": [name]}, geometry=[SITES[name]], crs=4490).to_file(
            folder / f"{name}.geojson", driver="GeoJSON")
    (folder / "broken.txt").write_text("[地块坐标]\n5,,DK1,,面,,,,@\nJ1,1,1,2\n", "utf-8")


def test_pdf_report_shows_chinese_text_and_a_map(ws_root: Path, tmp_path: Path) -> None:
    ws = Workspace.open(ws_root)
    service = ReviewService(ws)
    site = parcels_from_frame(gpd.GeoDataFrame({"DKBH": ["DK01"], "DKMC": ["一号地块"]},
                                               geometry=[SITES["half_redline"]], crs=4490))
    review = service.review(site, SYSTEM, site_name="南昌测试项目")
    pdf = render_review_pdf(review, site, service.map_layers(site, actor=SYSTEM))
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                          text=True, check=True).stdout
    for phrase in ("建设项目用地预审与选址合规性审查报告", "审查结论", "不通过", "生态保护红线",
                   "南昌测试项目", review.review_id, "ECO-01", "耕地占补平衡", "使用的数据版本"):
        assert phrase in text, phrase
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True).stdout
    assert "CJK" in fonts and " yes yes " in fonts  # CJK font embedded as a subset
    subprocess.run(["pdftoppm", "-r", "50", "-png", "-f", "1", "-l", "1", str(path),
                    str(tmp_path / "page")], check=True)
    png = next(tmp_path.glob("page*.png"))
    pixels = np.asarray(Image.open(png).convert("L"), dtype=float)
    assert pixels.std() > 20  # not blank: text, tables and the map
    assert (pixels < 128).mean() > 0.02
    ws.close()


def test_html_report_in_english(ws_root: Path) -> None:
    ws = Workspace.open(ws_root)
    service = ReviewService(ws)
    site = parcels_from_frame(gpd.GeoDataFrame(geometry=[SITES["hole_farmland"]], crs=4490))
    review = service.review(site, SYSTEM, record=False)
    html = render_review_html(review, site, service.map_layers(site, actor=SYSTEM), lang="en")
    assert "Conditionally approved" in html and "Farmland balance need" in html
    assert "data:image/png;base64," in html
    ctx = report_context(review, "zh")
    assert ctx["verdict"] == "有条件通过"
    ws.close()


def test_cli_review_json_and_reports(ws_root: Path, tmp_path: Path) -> None:
    site = tmp_path / "site.geojson"
    gpd.GeoDataFrame({"DKBH": ["A"]}, geometry=[SITES["outside_udb"]], crs=4490).to_file(
        site, driver="GeoJSON")
    pdf, html = tmp_path / "r.pdf", tmp_path / "r.html"
    result = CliRunner().invoke(create_cli(), [
        "review", str(ws_root), str(site), "--json", "--pdf", str(pdf), "--html", str(html),
        "--lang", "en", "--user", "li"])
    assert result.exit_code == 0, result.output
    review = SiteReview.model_validate(json.loads(result.stdout))
    assert review.verdict == "有条件通过" and review.reviewer == "li"
    assert review.area_m2 == pytest.approx(geod_area(SITES["outside_udb"]), abs=0.01)
    data = json.loads(result.stdout)
    for key in ("verdict", "area_m2", "landuse", "overlaps", "rules", "parcels"):
        assert key in data
    assert data["overlaps"]["udb"] == 0.0 and data["parcels"][0]["parcel_id"] == "A"
    assert pdf.read_bytes()[:4] == b"%PDF" and "Approved" in html.read_text("utf-8")


def test_cli_batch_writes_a_summary(ws_root: Path, tmp_path: Path) -> None:
    folder = tmp_path / "sites"
    _write_sites(folder)
    out = tmp_path / "summary.xlsx"
    result = CliRunner().invoke(create_cli(), [
        "review", str(ws_root), str(folder), "--batch", "--out", str(out), "--json"])
    assert result.exit_code == 0, result.output
    summary = BatchSummary.model_validate(json.loads(result.stdout))
    rows = {r.file: r for r in summary.rows}
    assert rows["half_redline.geojson"].verdict == "不通过"
    assert rows["hole_farmland.geojson"].verdict == "有条件通过"
    assert rows["two_counties.geojson"].verdict == "通过"
    assert rows["broken.txt"].error.startswith("[") and not rows["broken.txt"].verdict
    sheet = read_xlsx(out)["审查汇总"]
    assert sheet[1][:3] == ["文件", "审查编号", "审查结论"]
    assert len(sheet) == 2 + 4


def test_cli_bad_coordinate_file_exit_code_and_message(ws_root: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_text("[地块坐标]\n6,,DK1,,面,,,,@\nJ1,1,3170000.0,39500000.0\n"
                   "J2,1,3170000.0,39500100.0\nJ3,1,3170100.0,39500100.0\n"
                   "J1,1,3170000.0,39500000.0\n", "utf-8")
    result = CliRunner().invoke(create_cli(), ["review", str(ws_root), str(bad), "--json"])
    assert result.exit_code != 0
