"""Carbon accounts on a tiny demo: stock change against stock(2020) − stock(2019), projects."""

from __future__ import annotations

import csv
import io
import json
from importlib import resources

import geopandas as gpd
import pandas as pd
import pytest
from openpyxl import load_workbook
from pyproj import Geod
from typer.testing import CliRunner

from actors import SYSTEM
from onemap.carbon import service
from onemap.carbon.errors import CarbonInputMissing
from onemap.carbon.models import ChangeResult, ProjectList, StockResult
from onemap.change import service as change_service
from onemap.cli.main import create_cli, main
from onemap.demo.carbon import write_demo_projects
from onemap.demo.models import DemoOptions
from onemap.demo.service import build_demo
from onemap.store.access import Actor, Role
from onemap.store.workspace import Workspace

COUNTIES = ["360722", "361127"]
GEOD = Geod(a=6_378_137.0, f=1 / 298.257222101)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    root = tmp_path_factory.mktemp("carbon") / "ws"
    build_demo(root, DemoOptions(scale="tiny", seed=7, counties=COUNTIES, picture=False,
                                 workers=1))
    ws = Workspace.open(root)
    yield ws
    ws.close()


def _densities() -> dict[str, float]:
    """Σ pools density per class, read from the packaged CSV with the csv module only."""
    text = resources.files("onemap.standards").joinpath("data/carbon-densities.csv").read_text(
        encoding="utf-8")
    out: dict[str, float] = {}
    for row in csv.DictReader(line for line in text.splitlines() if not line.startswith("#")):
        for code in row["codes"].split():
            out[code] = out.get(code, 0.0) + float(row["tc_per_ha"])
    return out


def _independent_stock(ws: Workspace, vintage: int) -> float:
    """Σ polygon area (pyproj Geod) × density, straight from the partition files."""
    dens = _densities()
    total = 0.0
    for part in ws.partitions("dltb", vintage):
        frame = gpd.read_parquet(ws.root / part.path, columns=["DLBM", "geometry"])
        for code, geom in zip(frame["DLBM"], frame.geometry, strict=True):
            total += abs(GEOD.geometry_area_perimeter(geom)[0]) / 1e4 * dens[code]
    return total


def test_change_equals_the_difference_of_independent_stocks(demo):
    with pytest.raises(CarbonInputMissing):
        service.carbon_change(demo, SYSTEM, 2019, 2020)  # no detection batch yet
    batch = change_service.detect_changes(demo, SYSTEM, from_year=2019, to_year=2020).batch
    result = service.carbon_change(demo, SYSTEM, 2019, 2020, draws=400, seed=3)
    assert result.batch_id == batch.id
    s19, s20 = _independent_stock(demo, 2019), _independent_stock(demo, 2020)
    assert result.total.stock_from_tc == pytest.approx(s19, rel=1e-9)
    assert result.total.stock_to_tc == pytest.approx(s20, rel=1e-9)
    assert abs(result.total.net_tc - (s20 - s19)) <= 1e-9 * abs(s20 - s19)
    assert result.total.net_tc == pytest.approx(sum(c.net_tc for c in result.counties))
    # the attribution prices the batch's own patches (not a new diff) ...
    dens = _densities()
    patches = change_service.read_patches(demo, SYSTEM, batch.id)
    by_patch = sum(a / 1e4 * (dens[t] - dens[f]) for f, t, a in
                   zip(patches["from_code"], patches["to_code"], patches["area_m2"], strict=True))
    assert result.total.attributed_tc == pytest.approx(by_patch, rel=1e-9)
    assert sum(m.change_tc for m in result.matrix) == pytest.approx(by_patch, rel=1e-9)
    # ... and explains the net change: the demo's changes are all above the mapping unit
    assert abs(result.total.residual_tc) < 1e-3 * abs(result.total.net_tc)
    losses = [m for m in result.matrix if m.change_tc < 0]
    built = sum(m.change_tc for m in losses if m.to_group == "建设用地")
    assert result.construction_loss_share == pytest.approx(
        built / sum(m.change_tc for m in losses))
    u = result.uncertainty
    assert u is not None and u.draws == 400 and u.p05_tc < u.p50_tc < u.p95_tc
    again = service.carbon_change(demo, SYSTEM, 2019, 2020, draws=400, seed=3)
    assert again.uncertainty == u
    ChangeResult.model_validate(json.loads(result.model_dump_json()))


def test_a_county_user_sees_only_their_county(demo):
    if not change_service.list_batches(demo, SYSTEM):
        change_service.detect_changes(demo, SYSTEM, from_year=2019, to_year=2020)
    me = Actor(username="c1", role=Role.ANALYST, regions=[COUNTIES[0]], origin="local")
    stock = service.carbon_stock(demo, me, 2020)
    assert [r.region for r in stock.counties] == [COUNTIES[0]]
    assert stock.total.total_tc == pytest.approx(stock.counties[0].total_tc)
    change = service.carbon_change(demo, me, 2019, 2020)
    assert {m.county for m in change.matrix} <= {COUNTIES[0]}
    assert [c.region for c in change.counties] == [COUNTIES[0]]


def test_cli_stock_xlsx_indicators_and_projects(demo, tmp_path, capsys):
    runner = CliRunner()
    cli = create_cli()
    out = runner.invoke(cli, ["carbon", "stock", str(demo.root), "--vintage", "2019",
                              "--vintage", "2020", "--post-indicators", "--xlsx",
                              str(tmp_path / "s.xlsx"), "--json"])
    assert out.exit_code == 0, out.output
    series = json.loads(out.stdout)["results"]
    stocks = [StockResult.model_validate(s) for s in series]
    assert stocks[0].table.version == "2026.1"
    book = load_workbook(tmp_path / "s.xlsx", read_only=True)
    assert "碳储量2019" in book.sheetnames
    cap = next(book["碳储量2019"].iter_rows(values_only=True))[0]
    assert "jiangxi-tier1 2026.1" in cap
    from onemap.indicators.records import read_values

    vals = {(v.id, v.region, v.year): v.value for v in read_values(demo, ["carbon_stock",
                                                                         "carbon_change"])}
    root = demo.config.root_region
    assert vals[("carbon_stock", root, 2020)] == pytest.approx(stocks[1].total.total_tc / 1e4)
    assert vals[("carbon_change", root, 2020)] == pytest.approx(
        (stocks[1].total.total_tc - stocks[0].total.total_tc) / 1e4)
    from onemap.reports.indicators import write_indicators_report

    html = write_indicators_report(demo, 2020, tmp_path / "r.html", actor=SYSTEM).read_text(
        encoding="utf-8")
    assert "碳储量及变化" in html and f"{stocks[1].total.total_tc / 1e4:,.2f}" in html

    bad = tmp_path / "bad.csv"
    bad.write_text("codes,pool,tc_per_ha,low,high,source\n0101,soil,-3,0,1,x\n", encoding="utf-8")
    with pytest.raises(SystemExit) as stop:
        main(["carbon", "stock", str(demo.root), "--vintage", "2020", "--overrides", str(bad)])
    assert stop.value.code == 3
    assert "bad.csv, line 2: negative tc_per_ha" in capsys.readouterr().err

    assert write_demo_projects(demo) > 3
    out = runner.invoke(cli, ["carbon", "projects", str(demo.root), "--json"])
    assert out.exit_code == 0, out.output
    listing = ProjectList.model_validate_json(out.stdout)
    by_type = pd.DataFrame([p.model_dump() for p in listing.projects])
    done = by_type[by_type["type"].isin(["土地整治", "水土流失治理"])]
    assert len(done) and (done["status"] == "达成").all()
    assert (done["realised_share"] > 0.99).all() and (done["check_vintage"] == 2020).all()
    mines = by_type[by_type["type"] == "矿山修复"]
    assert len(mines) and (mines["status"] == "未达成").all()
    assert (mines["mine_link"] == "no register").all()
    assert (by_type[by_type["type"] == "湿地修复"]["status"] == "待核验").all()
    assert [p.rank for p in listing.projects] == list(range(1, len(listing.projects) + 1))
    gains = [p.gain_per_wan_tc for p in listing.projects]
    assert gains == sorted(gains, reverse=True)
    for p in listing.projects:  # realised gain = stock after − stock before, hand check
        if p.realised_share is not None:
            dens = _densities()
            hand = sum(a / 1e4 * dens[c] for c, a in p.realised.items()) - sum(
                a / 1e4 * dens[c] for c, a in p.baseline.items())
            assert p.realised_gain_tc == pytest.approx(hand, rel=1e-9, abs=1e-6)
    out = runner.invoke(cli, ["carbon", "projects", str(demo.root), "--xlsx",
                              str(tmp_path / "p.xlsx")])
    assert out.exit_code == 0, out.output
    rows = list(load_workbook(tmp_path / "p.xlsx", read_only=True).active.iter_rows(
        values_only=True))
    assert len(rows) == len(listing.projects) + 2


def test_api_routes_and_the_projects_collection(demo):
    from actors import bearer_headers
    from onemap.api.app import create_app
    from onemap.api.deps import ApiSettings
    from onemap.carbon.models import CarbonMap

    from fastapi.testclient import TestClient

    if not change_service.list_batches(demo, SYSTEM):
        change_service.detect_changes(demo, SYSTEM, from_year=2019, to_year=2020)
    write_demo_projects(demo)
    client = TestClient(create_app(ApiSettings(workspace=demo.root), demo))
    h = bearer_headers(demo, [("cprov", Role.ADMIN, ["360000"]),
                              ("c2", Role.READONLY, [COUNTIES[1]])])
    assert client.get("/carbon/stock?vintage=2020").status_code == 401  # anonymous
    stock = StockResult.model_validate(
        client.get("/carbon/stock?vintage=2020&draws=100", headers=h["cprov"]).json())
    assert [r.region for r in stock.counties] == COUNTIES and stock.uncertainty is not None
    mine = StockResult.model_validate(
        client.get("/carbon/stock?vintage=2020", headers=h["c2"]).json())
    assert [r.region for r in mine.counties] == [COUNTIES[1]]
    change = ChangeResult.model_validate(client.get(
        "/carbon/change?from_year=2019&to_year=2020", headers=h["cprov"]).json())
    fc = CarbonMap.model_validate(client.get("/carbon/map?vintage=2020&from_year=2019",
                                             headers=h["cprov"]).json())
    by = {f["properties"]["county"]: f["properties"] for f in fc.features}
    for row in change.counties:
        assert by[row.region]["change_tc"] == pytest.approx(row.net_tc, rel=1e-9)
        assert fc.features[0]["geometry"]["type"] in ("Polygon", "MultiPolygon")
    r = client.get("/carbon/change.xlsx?from_year=2019&to_year=2020", headers=h["c2"])
    assert r.status_code == 200
    sheets = load_workbook(io.BytesIO(r.content), read_only=True)
    assert {"分县变化", "转换类型", "转移矩阵"} <= set(sheets.sheetnames)
    assert any(a.action == "carbon.export" for a in demo.audit_log(20))
    listing = ProjectList.model_validate(client.get("/carbon/projects",
                                                    headers=h["c2"]).json())
    assert listing.projects and {p.county for p in listing.projects} == {COUNTIES[1]}
    cols = [c["id"] for c in client.get("/collections", headers=h["cprov"]).json()
            ["collections"]]
    assert "restoration_project" in cols
    items = client.get("/collections/restoration_project/items", headers=h["c2"]).json()
    assert {f["properties"]["county"] for f in items["features"]} == {COUNTIES[1]}
