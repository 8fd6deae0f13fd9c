"""Mining supervision on the demo province against its truth, through service, CLI and API."""

from __future__ import annotations

import io
import json
import shutil

import pytest
import shapely
from openpyxl import load_workbook
from pypdf import PdfReader
from pyproj import Geod
from typer.testing import CliRunner

from actors import SYSTEM, bearer_headers
from onemap.api.app import create_app
from onemap.api.deps import ApiSettings
from onemap.cases.service import list_cases
from onemap.cli.main import create_cli, main
from onemap.demo.mining import AS_OF, load_demo_mining, load_truth
from onemap.demo.models import DemoOptions
from onemap.demo.service import build_demo
from onemap.indicators.records import read_values
from onemap.mining import quota_service, restoration_service, service
from onemap.mining.models import CheckReport, QuotaReport, Right
from onemap.store.access import Role
from onemap.store.workspace import Workspace

from fastapi.testclient import TestClient

COUNTIES = ["360722", "361181", "360902"]  # Ganzhou 信丰 (W, REE), Dexing (Cu), Yichun (Li)
GEOD = Geod(ellps="GRS80")
runner = CliRunner()


def geod(g: shapely.Geometry) -> float:
    return sum(abs(GEOD.geometry_area_perimeter(p)[0]) for p in shapely.get_parts(g)
               if p.geom_type == "Polygon")


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("mining") / "ws"
    build_demo(root, DemoOptions(scale="small", counties=COUNTIES, picture=False, workers=1))
    ws = Workspace.open(root)
    load_demo_mining(ws, 2019, actor=SYSTEM)
    ws.close()
    return root


@pytest.fixture
def ws(built, tmp_path):
    root = tmp_path / "ws"
    shutil.copytree(built, root)
    w = Workspace.open(root)
    yield w
    w.close()


def test_check_finds_the_truth(ws: Workspace) -> None:
    truth = load_truth(ws.root)
    report = service.run_check(ws, SYSTEM, as_of=AS_OF, workers=2)
    got = {(c.right_no, c.layer, c.zone): c for c in report.conflicts}
    want = {(c["right_no"], c["layer"], c["zone"]): c for c in truth["conflicts"]}
    assert got.keys() == want.keys()  # recall 100 %, no false conflict
    assert {"redline", "core_exit"} <= {k for k, v in truth["planted"].items() if v}
    for key, c in got.items():
        assert c.action == want[key]["action"], key
    assert any(c.action == "exit" and c.zone == "core" for c in got.values())
    # overlap areas against an independent overlay: plain shapely + pyproj, right by right
    rights = {r.right_no: shapely.geometry.shape(r.geometry) for r in
              service.list_rights(ws, SYSTEM)}
    for (no, kind, zone), c in got.items():
        layer = ws.read_layer(kind, ws.latest_vintage(kind))
        if kind == "nature_reserve":
            layer = layer[layer.ZONE == zone]
        piece = shapely.intersection(rights[no], shapely.union_all(layer.geometry.to_numpy()))
        assert abs(c.overlap_m2 - geod(piece)) < 0.01, (no, kind, zone)
        assert c.share == pytest.approx(geod(piece) / geod(rights[no]), rel=1e-6)
    issues = {(i.kind, i.right_no, i.other) for i in report.issues}
    assert {i[1] for i in issues if i[0] == "expired_active"} == set(truth["expired_active"])
    assert sorted(sorted(i[1:]) for i in issues if i[0] == "overlap") == truth["overlaps"]
    found = {p.bsm: p for p in report.suspected}
    assert found.keys() == {s["bsm"] for s in truth["suspected"]}
    for s in truth["suspected"]:
        assert found[s["bsm"]].kind == s["kind"]
        assert abs(found[s["bsm"]].area_m2 - s["area_m2"]) < 0.01
    assert {p.kind for p in found.values()} == {"unlicensed", "beyond_licence"}
    assert truth["refused"] == truth["applications"] and truth["refused"]
    assert not set(truth["refused"]) & set(rights)


def test_cases_are_opened_once_with_reason_codes(ws: Workspace) -> None:
    first = service.run_check(ws, SYSTEM, as_of=AS_OF, open_cases=True)
    assert first.cases_opened == len(first.suspected) > 0
    again = service.run_check(ws, SYSTEM, as_of=AS_OF, open_cases=True)
    assert again.cases_opened == 0
    cases = [c for c in list_cases(ws, SYSTEM) if c.detection_source == "mining_check"]
    assert sorted(c.case_no for c in cases) == sorted(p.case_no for p in first.suspected)
    assert {c.case_no[:4] for c in cases} == {"KC01", "KC02"}


def test_quotas_restoration_indicator_and_green(ws: Workspace) -> None:
    truth = load_truth(ws.root)
    q = truth["quota"]
    assert len(q["refused"]) == 2 and all(r["code"] == "mining_quota_exceeded"
                                          for r in q["refused"])
    assert all(r["shortfall"] == pytest.approx(37.5) for r in q["refused"])
    rows = {r.holder: r for r in quota_service.balance_report(ws, SYSTEM, 2023).rows
            if r.level == "mine"}
    for no, m in q["mines"].items():
        assert rows[no].produced == pytest.approx(m["produced"])  # the reversal offsets
        assert rows[no].quota == m["quota"] and not rows[no].over
    progress = restoration_service.restoration_progress(ws, SYSTEM)
    want = {(c, int(y)): n for c, by in truth["restoration"]["restored"].items()
            for y, n in by.items()}
    assert {(p.county, p.year): p.restored for p in progress if p.year >= 2021} == want
    checks = {c.mine_id: c.verdict for c in restoration_service.restoration_checks(ws, SYSTEM)}
    assert {m: checks[m] for m in truth["restoration"]["checks_2019"]} == \
        truth["restoration"]["checks_2019"]
    values = {(v.region, v.year): v.value for v in
              read_values(ws, ["abandoned_open_pit_mines_restored"])}
    for county in COUNTIES:
        for year in (2021, 2022, 2023):
            assert values[(county, year)] == want.get((county, year), 0)
    green = restoration_service.list_green(ws, SYSTEM, AS_OF)
    assert sorted(g.right_no for g in green if not g.right_valid) == \
        truth["green"]["right_invalid"]


def test_layers_published_and_desensitised_for_the_public(ws: Workspace) -> None:
    assert ws.has_layer("mining_right", 2023) and ws.has_layer("abandoned_mine")
    ws.set_layer_access("mining_right", 2023, classification="public", published=True)
    client = TestClient(create_app(ApiSettings(workspace=ws.root), ws))
    anon = client.get("/collections/mining_right_2023/items?limit=200").json()
    props = [f["properties"] for f in anon["features"]]
    assert props and all("CKQR" not in p for p in props) and all(p["XKZH"] for p in props)
    assert client.get("/mining/rights").status_code == 401
    h = bearer_headers(ws, [("ganzhou", Role.ANALYST, ["360700"])])["ganzhou"]
    inner = client.get("/collections/mining_right_2023/items?limit=200", headers=h).json()
    assert any(f["properties"].get("CKQR") for f in inner["features"])
    mine = [Right.model_validate(r) for r in client.get("/mining/rights", headers=h).json()]
    assert mine and {r.county for r in mine} == {"360722"}
    check = CheckReport.model_validate(client.get(f"/mining/check?as_of={AS_OF}",
                                                  headers=h).json())
    assert check.conflicts and {c.county for c in check.conflicts} == {"360722"}
    balance = QuotaReport.model_validate(client.get("/mining/quotas/balance?year=2023",
                                                    headers=h).json())
    assert {r.level for r in balance.rows} == {"city", "mine"}  # the province's is not theirs
    resp = client.post("/mining/reports", headers=h, json={
        "right_no": next(r.holder for r in balance.rows if r.level == "mine"),
        "mineral": balance.rows[0].mineral, "year": 2023, "month": 8, "amount": 1e6})
    assert resp.status_code == 409 and resp.json()["shortfall"] > 0
    assert "超指标" in resp.json()["detail"] or "超指标" in json.dumps(resp.json(),
                                                                       ensure_ascii=False)
    pdf = client.get("/mining/annual.pdf?year=2023", headers=h)
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "矿产资源监管年度报告" in text and "360722" in text and "361181" not in text


def test_cli_json_and_reports(ws: Workspace, tmp_path, capsys) -> None:
    app = create_cli()
    out = runner.invoke(app, ["mining", "check", str(ws.root), "--as-of", str(AS_OF),
                              "--json"])
    assert out.exit_code == 0, out.output
    report = CheckReport.model_validate_json(out.stdout)
    assert report.conflicts and report.suspected
    xlsx = tmp_path / "annual.xlsx"
    out = runner.invoke(app, ["mining", "annual", str(ws.root), "--year", "2023", "--out",
                              str(xlsx)])
    assert out.exit_code == 0, out.output
    book = load_workbook(xlsx, read_only=True)
    assert book.sheetnames[:3] == ["冲突", "登记核查", "疑似违法开采"]
    conflicts = list(book["冲突"].iter_rows(values_only=True))
    assert len(conflicts) - 2 == len(report.conflicts)
    codes = {"application", "active", "suspended", "closed", "expired_active", "overlap",
             "unlicensed", "beyond_licence", "listed", "under_review", "rectify", "removed",
             "province", "city", "mine"}
    cells = {v for sheet in book.worksheets for row in sheet.iter_rows(values_only=True)
             for v in row if isinstance(v, str | bool)}
    assert not cells & codes and True not in cells  # Chinese names, not internal codes
    assert "有效" in cells
    refused = load_truth(ws.root)["quota"]["refused"][0]
    capsys.readouterr()
    with pytest.raises(SystemExit) as stop:
        main(["mining", "report", str(ws.root), "--licence", refused["right_no"], "--mineral",
              refused["mineral"], "--year", "2023", "--month", "9", "--amount", "100000",
              "--json"])
    assert stop.value.code == 10  # Conflict
    captured = capsys.readouterr()
    error = json.loads(captured.out)["error"]
    assert error["code"] == "mining_quota_exceeded" and error["shortfall"] > 99_000
    assert error["quota"]["holder"] == refused["right_no"] and "超指标" in captured.err
