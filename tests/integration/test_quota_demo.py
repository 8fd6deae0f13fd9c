"""The demo province's 占补平衡 and 批供用 figures equal the generator's truth (CLI, API, XLSX)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from onemap.api.app import create_app
from onemap.api.deps import ApiSettings
from onemap.cli.main import create_cli
from onemap.demo.job import prepare_main_job
from onemap.demo.models import DemoOptions
from onemap.demo.service import build_demo
from onemap.quota.allocate import capacity_per_m2
from onemap.store.access import Role
from onemap.store.workspace import Workspace

from fastapi.testclient import TestClient

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from actors import bearer_headers

COUNTIES = ["360111", "360121", "360203"]
REL = 1e-3  # 0.1 %


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    root = tmp_path_factory.mktemp("quota-demo") / "ws"
    build_demo(root, DemoOptions(scale="tiny", seed=2019, counties=COUNTIES, picture=False,
                                 workers=1))
    prepare_main_job(root, 2019)
    truth = json.loads((root / "truth" / "quota.json").read_text("utf-8"))
    cli = CliRunner()
    app = create_cli()
    out = root / "outputs"
    for args in (["quota", "project", "add", str(root), str(out / "quota" / "projects.geojson")],
                 ["quota", "debit", str(root), "--approvals-file",
                  str(out / "quota" / "debits.txt")]):
        res = cli.invoke(app, [*args, "--json"])
        assert res.exit_code == 0, res.output
    return root, truth, cli, app


def run_json(cli, app, *args):
    res = cli.invoke(app, [*args, "--json"])
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)


def test_the_generator_and_the_ledger_share_the_capacity_rule():
    from onemap.demo.quota import _capacity_per_m2

    assert all(_capacity_per_m2(g) == capacity_per_m2(g) for g in range(1, 16))


def test_each_county_balance_equals_the_truth(demo):
    root, truth, cli, app = demo
    assert len(truth["counties"]) >= 2
    report = run_json(cli, app, "quota", "balance", str(root))
    rows = {r["county"]: r for r in report["rows"]}
    for county, t in truth["counties"].items():
        assert rows[county]["quantity_m2"] == pytest.approx(t["balance"]["quantity"], rel=REL)
        assert rows[county]["paddy_m2"] == pytest.approx(t["balance"]["paddy"], rel=REL,
                                                         abs=0.01)
        assert rows[county]["capacity_kg"] == pytest.approx(t["balance"]["capacity"], rel=REL)
        assert rows[county]["debited_m2"] == pytest.approx(t["debited_m2"], rel=REL)
    hist = run_json(cli, app, "quota", "history", str(root))
    assert {h["kind"] for h in hist} == {"credit", "debit"}


def test_supply_figures_equal_the_truth(demo, tmp_path):
    root, truth, cli, app = demo
    status = run_json(cli, app, "supply", "status", str(root), "--year", "2020")
    rows = {r["county"]: r for r in status["counties"]}
    for county, t in truth["counties"].items():
        r = rows[county]
        assert r["approved"]["m2"] == pytest.approx(t["approved_m2"], rel=REL)
        assert r["unsupplied"]["m2"] == pytest.approx(t["unsupplied_m2"], rel=REL)
        for bucket, m2 in t["unsupplied_by_age_m2"].items():
            assert r["unsupplied_by_age"][bucket]["m2"] == pytest.approx(m2, rel=REL, abs=0.01)
        assert r["unsupplied_batches"] == t["unsupplied_batches"]
        assert r["idle"]["m2"] == pytest.approx(t["idle_m2"], rel=REL)
        assert r["idle_parcels"] == t["idle_parcels"]
        assert r["suspected_idle"]["m2"] == pytest.approx(t["suspected_idle_m2"], rel=REL)
        assert r["suspected_idle_parcels"] == t["suspected_idle_parcels"]
        assert r["idle_fee_basis_wan"] == pytest.approx(t["idle_fee_basis_wan"], rel=REL)
        assert r["disposed_unsupplied"]["m2"] == pytest.approx(t["disposed_unsupplied_m2"],
                                                               rel=REL)
        assert r["earned_quota"]["m2"] == pytest.approx(t["earned_quota_m2"], rel=REL)
        assert r["unsupplied"]["mu"] == pytest.approx(r["unsupplied"]["m2"] / (10000 / 15),
                                                      rel=1e-6)
        statuses = {p["gdbh"]: p["status"] for p in status["parcels"] if p["county"] == county}
        for gdbh, expected in t["parcels"].items():
            assert statuses[gdbh] == expected, gdbh
    total = sum(t["unsupplied_m2"] for t in truth["counties"].values())
    others = sum(r["unsupplied"]["m2"] for c, r in rows.items() if c not in truth["counties"])
    assert status["province"]["unsupplied"]["m2"] == pytest.approx(total + others, rel=REL)
    xlsx = tmp_path / "s.xlsx"
    res = cli.invoke(app, ["supply", "status", str(root), "--year", "2020", "--xlsx", str(xlsx)])
    assert res.exit_code == 0, res.output
    book = load_workbook(xlsx, read_only=True)
    assert book.sheetnames == ["批供用 2020", "批而未供批次", "闲置土地"]
    idle_rows = list(book["闲置土地"].iter_rows(values_only=True))[1:]
    expected = sum(t["idle_parcels"] + t["suspected_idle_parcels"]
                   for t in truth["counties"].values())
    assert len(idle_rows) == expected


def test_county_user_api_case_and_review_quota(demo):
    root, truth, _cli, _app = demo
    ws = Workspace.open(root)
    county = sorted(truth["counties"])[0]
    other = sorted(truth["counties"])[1]
    h = bearer_headers(ws, [("qa", Role.ANALYST, [county])])["qa"]
    client = TestClient(create_app(ApiSettings(workspace=ws.root), ws))
    bal = client.get("/quota/balance", headers=h).json()
    assert [r["county"] for r in bal["rows"]] == [county]
    st = client.get("/supply/status?year=2020", headers=h).json()
    assert [r["county"] for r in st["counties"]] == [county]
    idle = client.get("/supply/idle?year=2020", headers=h).json()
    gdbh = next(f["properties"]["gdbh"] for f in idle["features"]
                if f["properties"]["status"] == "idle")
    case = client.post("/supply/cases", headers=h, json={"year": 2020, "gdbh": gdbh})
    assert case.status_code == 201, case.text
    assert case.json()["county"] == county
    t = client.post("/quota/transfers", headers=h, json={
        "ref": "T", "from_county": county, "to_county": other, "value_date": "2021-01-01",
        "quantity_m2": 1.0})
    assert t.status_code == 403
    # a site on farmland of the county: the review shows its remaining quota
    projects = client.get("/quota/projects", headers=h).json()
    site = {"type": "Feature", "properties": {}, "geometry": _inner(projects, ws)}
    review = client.post("/reviews", headers=h, json=site)
    assert review.status_code < 300, review.text
    remaining = review.json()["balance"]["remaining"]
    assert [q["county"] for q in remaining] == [county]
    assert remaining[0]["quantity_m2"] == pytest.approx(
        truth["counties"][county]["balance"]["quantity"], rel=REL)
    ws.close()


def _inner(projects, ws):
    """A small square inside the first project's polygon (farmland in DLTB)."""
    import shapely
    from shapely.geometry import mapping

    with ws.session() as s:
        from onemap.quota.schema import QuotaProjectRow

        row = s.get(QuotaProjectRow, projects[0]["id"])
        geom = shapely.from_wkb(row.geometry)
    p = geom.representative_point()
    return mapping(shapely.box(p.x - 0.0005, p.y - 0.0005, p.x + 0.0005, p.y + 0.0005)
                   .intersection(geom))
