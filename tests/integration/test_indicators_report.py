"""Indicators through the CLI, the API and the health-check report (PDF/HTML/XLSX)."""

from __future__ import annotations

import json
import subprocess
from typing import TYPE_CHECKING

import pytest
from indicator_world import build_indicator_demo, copy_demo
from openpyxl import load_workbook
from typer.testing import CliRunner

from actors import SYSTEM
from onemap.api.app import create_app
from onemap.api.deps import ApiSettings
from onemap.cli.main import create_cli, main
from onemap.demo.indicator_inputs import load_demo_statistics
from onemap.demo.mining import load_demo_mining
from onemap.indicators.models import Evaluation, IndicatorValue
from onemap.store.access import Role
from onemap.store.workspace import Workspace
from onemap.users.models import UserCreate
from onemap.users.service import UserService

from fastapi.testclient import TestClient

if TYPE_CHECKING:
    from pathlib import Path

runner = CliRunner()


@pytest.fixture(scope="module")
def demo_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = build_indicator_demo(tmp_path_factory.mktemp("indr") / "demo")
    ws = Workspace.open(root)
    load_demo_statistics(ws, seed=2019, actor=SYSTEM)
    load_demo_mining(ws, seed=2019, actor=SYSTEM)  # abandoned_open_pit_mines_restored
    ws.close()
    return root


@pytest.fixture
def ws_root(demo_root: Path, tmp_path: Path) -> Path:
    return copy_demo(demo_root, tmp_path / "ws")


def _cli(*args: str) -> str:
    res = runner.invoke(create_cli(), list(args))
    assert res.exit_code == 0, res.output
    return res.stdout


def test_cli_lists_every_indicator_and_region_as_json(ws_root: Path):
    rows = json.loads(_cli("indicators", str(ws_root), "--year", "2023", "--json"))
    for row in rows:
        assert {"id", "region", "year", "value", "target", "warning", "rule"} <= set(row)
        Evaluation.model_validate(row)
    ids = {r["id"] for r in rows}
    assert {"farmland_retained", "high_standard_farmland", "abandoned_open_pit_mines_restored",
            "basic_map_update_1to10k"} <= ids
    regions = {r["region"] for r in rows if r["id"] == "farmland_retained"}
    assert regions == {"360000", "360100", "360200", "360111", "360121", "360203"}
    maps = next(r for r in rows if r["id"] == "basic_map_update_1to10k")
    # 3650 sheets done by 2023 against 6192: 1175/yr recently, 1271/yr needed → yellow
    assert (maps["value"], maps["target"], maps["warning"]) == (3650.0, 6192.0, "yellow")
    assert "1271" in maps["rule"]


def test_cli_set_import_and_values(ws_root: Path, tmp_path: Path,
                                   capsys: pytest.CaptureFixture[str]):
    out = json.loads(_cli("indicators", "set", str(ws_root), "regional_geology_1to50k",
                          "360000", "2023", "1500", "--by", "王五", "--json"))
    v = IndicatorValue.model_validate(out)
    assert v.value == 1500 and v.source.entered_by == "王五"
    assert [h.value for h in v.history] == [1020.0]
    csv = tmp_path / "s.csv"
    csv.write_text("id,region,year,value\nnew_large_medium_deposits,360000,2023,7\n",
                   encoding="utf-8")
    res = json.loads(_cli("indicators", "import", str(ws_root), str(csv), "--json"))
    assert res["rows"] == 1
    vals = json.loads(_cli("indicators", "values", str(ws_root), "--indicator",
                           "new_large_medium_deposits", "--year", "2023", "--json"))
    assert vals[0]["value"] == 7 and vals[0]["history"][0]["value"] == 6
    capsys.readouterr()
    with pytest.raises(SystemExit) as info:
        main(["indicators", "set", str(ws_root), "nope", "360000", "2023", "1", "--by", "x",
              "--json"])
    assert info.value.code == 3  # InvalidInput
    assert json.loads(capsys.readouterr().out)["error"]["code"] == "indicator_input_error"


def test_catalog_is_editable_and_kept(ws_root: Path):
    out = json.loads(_cli("indicators", "edit", str(ws_root), "high_standard_farmland",
                          "--target-value", "3100", "--json"))
    assert out["target_value"] == 3100 and out["computation"]["layers"] == ["hsf"]
    cat = json.loads(_cli("indicators", "catalog", str(ws_root), "--json"))
    assert next(i for i in cat if i["id"] == "high_standard_farmland")["target_value"] == 3100
    cat = json.loads(_cli("indicators", "catalog", str(ws_root), "--replace", "--json"))
    assert next(i for i in cat if i["id"] == "high_standard_farmland")["target_value"] == 3079
    res = runner.invoke(create_cli(), ["indicators", "edit", str(ws_root), "pbf_area",
                                       "--target-kind", "sometimes"])
    assert res.exit_code != 0


def _pdf_text(path: Path) -> str:
    """Page text with whitespace removed (table cells wrap words across lines)."""
    out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                         check=True).stdout
    return "".join(out.split())


def test_report_pdf_has_chinese_text_charts_and_maps(ws_root: Path, tmp_path: Path):
    pdf = tmp_path / "report.pdf"
    _cli("indicators", "report", str(ws_root), "--year", "2023", "--out", str(pdf))
    text = _pdf_text(pdf)
    for phrase in ("国土空间规划实施年度体检报告", "耕地保有量", "高标准农田面积", "分指标监测图",
                   "分县预警分布图", "红色、黄色预警事项", "进度滞后"):
        assert phrase in text, phrase
    images = subprocess.run(["pdfimages", "-list", str(pdf)], capture_output=True, text=True,
                            check=True).stdout.splitlines()[2:]
    # one chart per indicator with values (14) and one map per spatial indicator (6)
    assert len(images) >= 14 + 5
    subprocess.run(["pdftoppm", "-r", "40", "-png", "-f", "1", "-l", "1", str(pdf),
                    str(tmp_path / "page")], check=True)
    png = next(tmp_path.glob("page*.png"))
    assert png.stat().st_size > 10_000


def test_midterm_english_html_and_xlsx(ws_root: Path, tmp_path: Path):
    pdf = tmp_path / "mid.pdf"
    _cli("indicators", "report", str(ws_root), "--year", "2023", "--out", str(pdf),
         "--mode", "midterm", "--lang", "en")
    text = _pdf_text(pdf)
    assert "Mid-termevaluation" in text and "Comparisonwiththe2020baseline" in text
    assert "behindtheneededpace" in text
    html = tmp_path / "final.html"
    _cli("indicators", "report", str(ws_root), "--year", "2025", "--out", str(html),
         "--mode", "final")
    page = html.read_text(encoding="utf-8")
    assert "总结评估报告" in page and "与2020年基期比较" in page and "data:image/png" in page
    xlsx = tmp_path / "values.xlsx"
    _cli("indicators", "report", str(ws_root), "--year", "2023", "--out", str(xlsx))
    book = load_workbook(xlsx, read_only=True)
    assert book.sheetnames == ["指标值", "评估预警"]
    rows = list(book["指标值"].iter_rows(values_only=True))
    assert rows[1][0] == "指标/统计项"
    names = {r[0] for r in rows[2:]}  # names, not ids (the label catalogue)
    assert {"地区生产总值", "耕地保有量", "治理废弃露天矿山"} <= names
    assert not {"gdp", "farmland_retained", "abandoned_open_pit_mines_restored"} & names


def test_api_scope_and_corrections(ws_root: Path):
    ws = Workspace.open(ws_root)
    users = UserService(ws)
    for name, role, regions in (("nc", Role.ANALYST, ["360100"]),
                                ("ro", Role.READONLY, ["360121"])):
        users.add_user(UserCreate(username=name, password="secret-pw-0001", role=role,
                                  regions=regions))

    def hdr(name: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {users.create_token(name).token}"}

    client = TestClient(create_app(ApiSettings(workspace=ws.root), ws))
    r = client.get("/indicators/evaluations", params={"year": 2023}, headers=hdr("nc"))
    assert r.status_code == 200
    evs = [Evaluation.model_validate(e) for e in r.json()]
    assert {e.region for e in evs} == {"360100", "360111", "360121"}
    body = {"id": "gdp", "region": "360111", "year": 2023, "value": 1234.5, "note": "更正"}
    r = client.put("/indicators/values", json=body, headers=hdr("nc"))
    assert r.status_code == 200, r.text
    v = IndicatorValue.model_validate(r.json())
    assert v.value == 1234.5 and v.source.entered_by == "nc" and len(v.history) == 1
    assert client.put("/indicators/values", json={**body, "region": "360203"},
                      headers=hdr("nc")).status_code == 403
    assert client.put("/indicators/values", json=body, headers=hdr("ro")).status_code == 403
    r = client.get("/indicators/values", params={"indicator": "gdp"}, headers=hdr("ro"))
    assert {x["region"] for x in r.json()} == {"360121"}
    cat = client.get("/indicators", headers=hdr("ro")).json()
    assert len(cat) == 15  # + registration_coverage (registry)
    assert client.get("/indicators/nope", headers=hdr("ro")).status_code == 404
    r = client.get("/indicators/report.html", params={"year": 2023}, headers=hdr("nc"))
    assert r.status_code == 200 and "体检" in r.text
    r = client.get("/indicators/dashboard", params={"year": 2023}, headers=hdr("nc"))
    assert r.status_code == 200 and "规划指标监测预警" in r.text and "耕地保有量" in r.text
    assert "360203" not in r.text  # outside the analyst's scope
    ws.close()
