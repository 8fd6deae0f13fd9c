"""占补平衡 quota ledger on real SQLite: credits checked against DLTB, never overdrawn."""

from __future__ import annotations

import sys
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

import pytest
import shapely
from sqlalchemy import text

from onemap.quota import service
from onemap.quota.errors import FarmlandMismatch
from onemap.quota.models import DebitIn, ProjectIn, TransferIn
from onemap.store.access import Actor, Role
from onemap.store.accounts import (
    AccountOverdrawn,
    AlreadyReversed,
    ValueDateViolation,
    account_balances,
    entry_sums,
)
from onemap.store.reader import WorkspaceReader
from onemap.store.workspace import Workspace

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from actors import SYSTEM
from quota_world import CELL, X0, Y0, cell, farmland_of, gj, write_world

A, B = "360111", "360121"
BOOK = "farmland_quota"


@pytest.fixture
def ws(tmp_path):
    w = Workspace.create(tmp_path / "ws")
    write_world(w)
    yield w
    w.close()


def project(no: str, county: str, cells: list[tuple[int, int]], when: date,
            **kw) -> ProjectIn:
    geom = shapely.union_all([cell(county, i, j) for i, j in cells])
    area = farmland_of(geom)
    paddy = area * 0.999 if all(i < 4 for i, _ in cells) else 0.0
    fields = {"area_m2": area * 0.999, "paddy_m2": paddy, "grade": 5} | kw
    return ProjectIn(project_no=no, name=f"项目{no}", county=county, accepted_on=when,
                     geometry=gj(geom), **fields)


def small(county: str, k: int) -> shapely.Polygon:
    """A 0.0002° square inside paddy cell (0, 0) of ``county`` (k only names it)."""
    x = cell(county, 0, 0).bounds[0] + 0.0004
    return shapely.box(x, Y0 + 0.0004, x + 0.0002, Y0 + 0.0006)


def state(ws: Workspace) -> tuple:
    with ws.session() as s:
        n = s.execute(text("SELECT COUNT(*) FROM account_txns")).scalar()
        m = s.execute(text("SELECT COUNT(*) FROM quota_debits")).scalar()
    return n, m, [(r.owner, r.kind, round(r.balance, 6)) for r in account_balances(ws, BOOK)]


def test_credit_is_measured_and_a_non_farmland_credit_is_refused(ws):
    p = service.add_projects(ws, SYSTEM, [project("P1", A, [(0, 0), (0, 1)], date(2020, 3, 1),
                                                  paddy_m2=1000.0)])[0]
    geom = shapely.union_all([cell(A, 0, 0), cell(A, 0, 1)])
    assert p.measured.farmland_m2 == pytest.approx(farmland_of(geom), rel=1e-6)
    assert p.measured.paddy_m2 == pytest.approx(farmland_of(geom), rel=1e-6)
    rep = service.balances(ws, SYSTEM)
    assert rep.rows[0].quantity_m2 == pytest.approx(p.area_m2)
    assert rep.rows[0].quantity_mu == pytest.approx(p.area_m2 / (10000 / 15), rel=1e-6)
    before = state(ws)
    orchard = ProjectIn(project_no="P2", county=A, accepted_on=date(2020, 3, 1),
                        area_m2=40000.0, grade=5, geometry=gj(cell(A, 6, 0)))
    with pytest.raises(FarmlandMismatch) as err:
        service.add_projects(ws, SYSTEM, [project("P3", A, [(1, 0)], date(2020, 1, 1)),
                                          orchard])
    assert "P2" in str(err.value) and "0.00 m² of farmland" in str(err.value)
    assert state(ws) == before  # the good project of the file was not credited either
    better = project("P4", A, [(4, 0)], date(2020, 1, 1), grade=3)  # DLTB says grade 9
    with pytest.raises(FarmlandMismatch, match="等别 3 claimed"):
        service.add_projects(ws, SYSTEM, [better])
    assert state(ws) == before


def test_debit_overdraw_first_supplement_and_transfer_refusals_change_nothing(ws):
    service.add_projects(ws, SYSTEM, [project("P1", A, [(0, 0)], date(2020, 6, 1))])
    site = gj(small(A, 0))
    early = DebitIn(ref="D-early", county=A, value_date=date(2020, 5, 1), geometry=site)
    before = state(ws)
    with pytest.raises(ValueDateViolation) as err:
        service.debit(ws, SYSTEM, early)
    assert err.value.extra["account"] == f"{A}/quantity" and "先补后占" in str(err.value)
    assert state(ws) == before
    big = DebitIn(ref="D-big", county=A, value_date=date(2021, 1, 5),
                  geometry=gj(shapely.union_all([cell(A, 1, 0), cell(A, 1, 1)])))
    with pytest.raises(AccountOverdrawn) as err:
        service.debit(ws, SYSTEM, big)
    assert err.value.extra["account"] == f"{A}/quantity"
    assert err.value.extra["shortfall"] > 40_000
    assert state(ws) == before
    with pytest.raises(AccountOverdrawn) as err:
        service.transfer(ws, SYSTEM, TransferIn(ref="T1", from_county=B, to_county=A,
                                                value_date=date(2021, 1, 1),
                                                quantity_m2=100.0))
    assert err.value.extra["account"] == f"{B}/quantity"
    assert err.value.extra["shortfall"] == pytest.approx(100.0)
    assert state(ws) == before
    ok = service.debit(ws, SYSTEM, DebitIn(ref="D-ok", county=A, value_date=date(2021, 1, 5),
                                           geometry=site))
    assert ok.measured.farmland_m2 == pytest.approx(farmland_of(small(A, 0)), rel=1e-6)
    assert ok.grade_matched and ok.capacity_shortfall_kg == 0


def test_grade_matching_transfer_and_reversals(ws):
    service.add_projects(ws, SYSTEM, [project("P9", A, [(4, 0)], date(2019, 6, 1), grade=9),
                                      project("P5", A, [(0, 0)], date(2019, 6, 1), grade=5)])
    # paddy of grade 5 occupied: the grade-5 lot is used, not the grade-9 one
    d = service.debit(ws, SYSTEM, DebitIn(ref="D1", county=A, value_date=date(2020, 2, 1),
                                          geometry=gj(small(A, 0))))
    assert {x.grade for x in d.draws if x.kind == "quantity"} == {5}
    assert d.grade_matched
    t = service.transfer(ws, SYSTEM, TransferIn(ref="T1", from_county=A, to_county=B,
                                                value_date=date(2020, 3, 1),
                                                quantity_m2=30_000.0, paddy_m2=1000.0))
    assert t.amounts[f"{A}/quantity"] == pytest.approx(-30_000.0)
    assert t.amounts[f"{B}/quantity"] == pytest.approx(30_000.0)
    rows = {r.county: r for r in service.balances(ws, SYSTEM).rows}
    assert rows[B].quantity_m2 == pytest.approx(30_000.0)
    assert set(rows[B].by_grade) == {"5"}  # best quota moves first, keeping its grade
    # B's paddy of grade 5 may now use the moved grade-5 lot (accepted 2019: 先补后占 holds)
    e = service.debit(ws, SYSTEM, DebitIn(ref="D2", county=B, value_date=date(2020, 4, 1),
                                          geometry=gj(small(B, 0))))
    assert e.grade_matched
    before = state(ws)
    r = service.reverse(ws, SYSTEM, d.txn_id, reason="批复撤销")
    assert r.reverses == d.txn_id
    with pytest.raises(AlreadyReversed):
        service.reverse(ws, SYSTEM, d.txn_id, reason="again")
    after = {(o, k): v for o, k, v in state(ws)[2]}
    assert after[(A, "quantity")] == pytest.approx(
        {(o, k): v for o, k, v in before[2]}[(A, "quantity")] + d.measured.farmland_m2)
    hist = service.history(ws, SYSTEM, county=A)
    assert [h.kind for h in hist] == ["credit", "credit", "debit", "transfer", "reversal"]
    assert hist[2].reversed_by == r.txn_id
    sums = entry_sums(ws, BOOK)
    for acc in account_balances(ws, BOOK):
        assert acc.balance == pytest.approx(sums[(acc.owner, acc.kind)], abs=1e-6)


def test_entries_are_append_only(ws):
    service.add_projects(ws, SYSTEM, [project("P1", A, [(0, 0)], date(2020, 6, 1))])
    for table in ("account_entries", "account_txns", "quota_projects"):
        for sql in (f"UPDATE {table} SET id = id", f"DELETE FROM {table}"):
            with pytest.raises(Exception, match="append-only"), ws.session() as s:
                s.execute(text(sql))


def test_county_user_writes_only_its_county(ws):
    from onemap.errors import ScopeViolation

    county = Actor(username="a", role=Role.ANALYST, regions=[A], origin="local")
    service.add_projects(ws, county, [project("P1", A, [(0, 0)], date(2020, 6, 1))])
    with pytest.raises(ScopeViolation):
        service.add_projects(ws, county, [project("P2", B, [(0, 0)], date(2020, 6, 1))])
    with pytest.raises(ScopeViolation):  # transfers are the province admin's
        service.transfer(ws, county, TransferIn(ref="T", from_county=A, to_county=B,
                                                value_date=date(2021, 1, 1), quantity_m2=1))
    assert [r.county for r in service.balances(ws, county).rows] == [A]


def run_concurrent_debits(ws: Workspace, n: int = 200) -> None:
    """200 debits from 32 threads against ≈ half as much quota as they ask for."""
    one = farmland_of(small(A, 0))
    credit = project("P1", A, [(0, 0)], date(2019, 6, 1))
    credit = credit.model_copy(update={"area_m2": one * n / 2 + one / 3,
                                       "paddy_m2": one * n,
                                       "geometry": gj(shapely.box(X0, Y0, X0 + CELL,
                                                                  Y0 + 4 * CELL))})
    service.add_projects(ws, SYSTEM, [credit])
    reader = WorkspaceReader(ws)

    def one_debit(k: int):
        try:
            return service.debit(ws, SYSTEM, DebitIn(ref=f"D{k:03d}", county=A,
                                                     value_date=date(2020, 5, 1),
                                                     geometry=gj(small(A, k))), reader=reader)
        except AccountOverdrawn as exc:
            return exc

    with ThreadPoolExecutor(max_workers=32) as pool:
        results = list(pool.map(one_debit, range(n)))
    accepted = [r for r in results if not isinstance(r, AccountOverdrawn)]
    refused = [r for r in results if isinstance(r, AccountOverdrawn)]
    assert len(accepted) == n // 2 and len(refused) == n - n // 2
    for exc in refused:
        assert exc.extra["account"] == f"{A}/quantity"
        assert exc.extra["shortfall"] == pytest.approx(one - one / 3, rel=1e-6)
    balances = {(a.owner, a.kind): a.balance for a in account_balances(ws, BOOK)}
    taken = sum(r.measured.farmland_m2 for r in accepted)
    assert balances[(A, "quantity")] == pytest.approx(credit.area_m2 - taken, abs=1e-6)
    assert balances[(A, "quantity")] >= 0
    assert all(v >= -1e-6 for v in balances.values())
    sums = entry_sums(ws, BOOK)
    assert all(v == pytest.approx(sums[k], abs=1e-6) for k, v in balances.items())
    assert len(service.debits(ws, SYSTEM)) == n // 2


def test_200_concurrent_debits_never_overdraw_sqlite(ws):
    run_concurrent_debits(ws)


def test_cli_refuses_a_bad_project_file_naming_the_feature(ws, tmp_path):
    import json as _json
    import subprocess

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "onemap.cli.main", *args],
                              capture_output=True, text=True)

    good = {"type": "Feature", "properties": {
        "XMBH": "F1", "county": A, "YSRQ": "2020-03-01", "XZGDMJ": 100.0, "GDDB": 5},
        "geometry": gj(cell(A, 0, 0))}
    bad = {"type": "Feature", "properties": {
        "XMBH": "F2", "county": A, "YSRQ": "03/01/2020", "XZGDMJ": 100.0, "GDDB": 5},
        "geometry": gj(cell(A, 0, 1))}
    path = tmp_path / "p.geojson"
    path.write_text(_json.dumps({"type": "FeatureCollection", "features": [good, bad]}))
    before = state(ws)
    res = run("quota", "project", "add", str(ws.root), str(path))
    assert res.returncode != 0
    assert "feature 2" in res.stderr and "F2" in res.stderr
    assert state(ws) == before
    orchard = dict(good, properties=dict(good["properties"], XMBH="F3"),
                   geometry=gj(cell(A, 6, 0)))
    path.write_text(_json.dumps({"type": "FeatureCollection", "features": [good, orchard]}))
    res = run("quota", "project", "add", str(ws.root), str(path))
    assert res.returncode != 0 and "F3" in res.stderr and "地类图斑" in res.stderr
    assert state(ws) == before
    path.write_text(_json.dumps({"type": "FeatureCollection", "features": [good]}))
    res = run("quota", "project", "add", str(ws.root), str(path), "--json")
    assert res.returncode == 0, res.stderr
    assert _json.loads(res.stdout)[0]["project_no"] == "F1"


def test_a_transfer_shows_a_county_user_only_its_own_side(ws):
    service.add_projects(ws, SYSTEM, [project("P1", A, [(0, 0)], date(2019, 6, 1))])
    service.transfer(ws, SYSTEM, TransferIn(ref="T1", from_county=A, to_county=B,
                                            value_date=date(2020, 3, 1), quantity_m2=100.0,
                                            paddy_m2=10.0))
    east = Actor(username="e", role=Role.ANALYST, regions=[B], origin="local")
    hist = service.history(ws, east)
    assert [h.kind for h in hist] == ["transfer"]
    assert set(hist[0].counties) == {B}
    assert all(k.startswith(B) for k in hist[0].amounts)
    assert "counties" not in hist[0].detail
