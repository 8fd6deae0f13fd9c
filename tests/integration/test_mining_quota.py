"""Total extraction control: concurrent reports never overdraw (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import threading

import pytest
import shapely
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from actors import SYSTEM
from onemap.errors import InvalidInput
from onemap.mining import quota_service, service
from onemap.mining.errors import AlreadyReversed, QuotaExceeded, QuotaMissing
from onemap.mining.models import QuotaIn, ReportIn, RightIn
from onemap.store.access import Actor, Role
from onemap.store.workspace import Workspace

MINERAL, YEAR = "钨精矿", 2023
GEOM = json.loads(shapely.to_geojson(shapely.box(115.96, 28.60, 115.965, 28.605)))


def _seed(ws: Workspace, mine_quota: float = 100.0) -> None:
    rights = [RightIn(right_no=no, county=county, minerals=["钨矿"], geometry=GEOM)
              for no, county in (("C1", "360121"), ("C2", "360121"), ("C3", "360111"))]
    service.register_rights(ws, SYSTEM, rights)
    quota_service.allocate(ws, SYSTEM, QuotaIn(mineral=MINERAL, year=YEAR, level="province",
                                               holder="360000", amount=1000.0))
    quota_service.allocate(ws, SYSTEM, QuotaIn(mineral=MINERAL, year=YEAR, level="city",
                                               holder="360100", amount=500.0))
    for no in ("C1", "C2", "C3"):
        quota_service.allocate(ws, SYSTEM, QuotaIn(mineral=MINERAL, year=YEAR, level="mine",
                                                   holder=no, amount=mine_quota))


def _race(ws: Workspace, right_no: str, amount: float, n: int) -> tuple[int, list[Exception]]:
    barrier = threading.Barrier(n)
    won: list[int] = []
    refused: list[Exception] = []
    lock = threading.Lock()

    def one(i: int) -> None:
        barrier.wait()
        try:
            quota_service.report_production(ws, SYSTEM, ReportIn(
                right_no=right_no, mineral=MINERAL, year=YEAR, month=1 + i % 12,
                amount=amount))
            with lock:
                won.append(i)
        except QuotaExceeded as exc:
            with lock:
                refused.append(exc)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return len(won), refused


def _check_race(ws: Workspace) -> None:
    won, refused = _race(ws, "C1", 30.0, 8)
    assert won == 3 and len(refused) == 5  # 3 × 30 fit in 100, the 4th would overdraw
    for exc in refused:
        assert exc.extra["quota"]["holder"] == "C1" and exc.extra["quota"]["level"] == "mine"
        assert exc.extra["shortfall"] == pytest.approx(20.0)  # 30 asked, 10 left
        assert "C1" in exc.user_message and "超出 20.000" in exc.user_message
    (row,) = [r for r in quota_service.balance_report(ws, SYSTEM, YEAR).rows
              if r.holder == "C1"]
    assert row.produced == pytest.approx(90.0) and not row.over


def test_concurrent_reports_sqlite(tmp_path) -> None:
    ws = Workspace.create(tmp_path / "ws")
    _seed(ws)
    _check_race(ws)


def test_region_quota_refusal_reversal_and_append_only(tmp_path) -> None:
    ws = Workspace.create(tmp_path / "ws")
    _seed(ws, mine_quota=150.0)
    quota_service.allocate(ws, SYSTEM, QuotaIn(  # the city's quota is cut mid-year (调减)
        mineral=MINERAL, year=YEAR, level="city", holder="360100", amount=-100.0))
    for no in ("C1", "C2"):
        quota_service.report_production(ws, SYSTEM, ReportIn(
            right_no=no, mineral=MINERAL, year=YEAR, month=1, amount=150.0))
    with pytest.raises(QuotaExceeded) as err:  # C3 has 150 left, the city 100
        quota_service.report_production(ws, SYSTEM, ReportIn(
            right_no="C3", mineral=MINERAL, year=YEAR, month=2, amount=120.0))
    assert err.value.extra["quota"]["level"] == "city"
    assert err.value.extra["quota"]["holder"] == "360100"
    assert err.value.extra["shortfall"] == pytest.approx(20.0)
    entry = quota_service.list_entries(ws, SYSTEM, right_no="C2")[0]
    rev = quota_service.reverse_entry(ws, SYSTEM, entry.id, "填报错误")
    assert rev.amount == -150.0 and rev.reverses == entry.id
    with pytest.raises(AlreadyReversed):
        quota_service.reverse_entry(ws, SYSTEM, entry.id, "again")
    quota_service.report_production(ws, SYSTEM, ReportIn(  # the city has room again
        right_no="C3", mineral=MINERAL, year=YEAR, month=2, amount=120.0))
    with pytest.raises(QuotaMissing):
        quota_service.report_production(ws, SYSTEM, ReportIn(
            right_no="C1", mineral="稀土氧化物", year=YEAR, month=2, amount=1.0))
    with pytest.raises(InvalidInput, match="超过 360100"):  # mines may not exceed their city
        quota_service.allocate(ws, SYSTEM, QuotaIn(mineral=MINERAL, year=YEAR, level="mine",
                                                   holder="C2", amount=1000.0))
    analyst = Actor(username="a", role=Role.ANALYST, regions=["360111"])
    with pytest.raises(Exception, match=r"scope|region"):
        quota_service.report_production(ws, analyst, ReportIn(
            right_no="C1", mineral=MINERAL, year=YEAR, month=3, amount=1.0))
    with ws.engine.begin() as con:
        for sql in ("UPDATE mining_production SET amount = 0",
                    "DELETE FROM mining_quotas"):
            with pytest.raises(DBAPIError, match="append-only"):
                con.execute(text(sql))


@pytest.mark.postgres
def test_concurrent_reports_postgres(tmp_path, fresh_database_url: str) -> None:
    ws = Workspace.create(tmp_path / "ws", database_url=fresh_database_url)
    try:
        _seed(ws)
        _check_race(ws)
        won, refused = _race(ws, "C2", 40.0, 6)  # a second mine of the same city
        assert won == 2 and len(refused) == 4
        with ws.engine.connect() as con, pytest.raises(DBAPIError, match="append-only"):
            con.execute(text("UPDATE mining_production SET amount = 0"))
    finally:
        ws.close()


def test_workspace_rule_file_turns_refusals_into_warnings(tmp_path) -> None:
    from importlib import resources

    ws = Workspace.create(tmp_path / "ws")
    _seed(ws)
    text = resources.files("onemap.mining").joinpath("rules.toml").read_text("utf-8")
    (ws.root / "mining_rules.toml").write_text(text.replace('mine = "refuse"', 'mine = "warn"'),
                                               encoding="utf-8")
    over = quota_service.report_production(ws, SYSTEM, ReportIn(
        right_no="C1", mineral=MINERAL, year=YEAR, month=1, amount=130.0))
    assert "超出" in over.warning and "C1" in over.warning  # recorded, flagged
    (row,) = [r for r in quota_service.balance_report(ws, SYSTEM, YEAR).rows
              if r.holder == "C1"]
    assert row.over and row.remaining == pytest.approx(-30.0)
    (ws.root / "mining_rules.toml").write_text("min_overlap_m2 = -1\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match=r"mining_rules\.toml"):
        quota_service.report_production(ws, SYSTEM, ReportIn(
            right_no="C1", mineral=MINERAL, year=YEAR, month=2, amount=1.0))
