"""进出平衡 ledger: posting a batch, corrections, balances, warnings, scope, append-only."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from onemap.change import service as change_service
from onemap.errors import InvalidInput, ScopeViolation
from onemap.ledgers import service
from onemap.ledgers.errors import AlreadyPosted
from onemap.ledgers.models import LedgerEntryIn
from onemap.store.access import Actor, Role

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from change_world import geod_area, write_world

PROVINCE = Actor(username="prov", role=Role.ADMIN, regions=["360000"])
EAST = Actor(username="east", role=Role.ANALYST, regions=["360121"])


@pytest.fixture
def posted(workspace):
    truth = write_world(workspace)
    batch = change_service.detect_changes(workspace, PROVINCE, from_year=2019, to_year=2020)
    result = service.post_batch(workspace, PROVINCE, batch.batch.id)
    return workspace, truth, batch, result


def test_batch_posts_in_and_out_and_warns_when_out_exceeds_in(posted):
    ws, truth, batch, result = posted
    by_key = {t.key: geod_area(t.geometry) for t in truth}
    out = by_key["non_grain"] + by_key["pbf_pond"] + by_key["facility"]
    assert result.entries == 4 and result.year == 2020
    assert result.out_m2 == pytest.approx(out, rel=1e-9)
    assert result.in_m2 == pytest.approx(by_key["forest_in"], rel=1e-9)
    report = service.balance_report(ws, PROVINCE, year=2020)
    (west,) = [r for r in report.rows if r.county == "360111"]
    assert west.balance_m2 == pytest.approx(by_key["forest_in"] - out, rel=1e-9)
    assert west.warning and report.warnings == 1
    assert west.out_mu == round(west.out_m2 / (10000 / 15), 2)
    assert report.province[0].county == "360000" and report.province[0].warning
    with pytest.raises(AlreadyPosted):
        service.post_batch(ws, PROVINCE, batch.batch.id)


def test_corrections_and_manual_entries_append_and_change_the_balance(posted):
    ws, _, _, _ = posted
    first = service.list_entries(ws, PROVINCE, county="360111")[0]
    with pytest.raises(InvalidInput):
        service.add_entry(ws, PROVINCE, LedgerEntryIn(
            county="360111", year=2020, direction=first.direction, area_m2=-first.area_m2,
            source="correction", corrects=first.id))  # no note
    service.add_entry(ws, PROVINCE, LedgerEntryIn(
        county="360111", year=2020, direction=first.direction, area_m2=-first.area_m2,
        source="correction", corrects=first.id, note="核查为未变化"))
    service.add_entry(ws, PROVINCE, LedgerEntryIn(
        county="360111", year=2020, direction="in", area_m2=200_000.0, note="补充耕地项目"))
    report = service.balance_report(ws, PROVINCE, year=2020)
    west = next(r for r in report.rows if r.county == "360111")
    assert not west.warning and west.entries == 6
    assert len(service.list_entries(ws, PROVINCE, county="360111")) == 6
    with pytest.raises(Exception, match="append-only"), ws.engine.begin() as conn:
        conn.execute(text("DELETE FROM ledger_entries"))


def test_scope(posted):
    ws, *_ = posted
    assert {e.county for e in service.list_entries(ws, EAST)} == set()
    with pytest.raises(ScopeViolation):
        service.add_entry(ws, EAST, LedgerEntryIn(county="360111", year=2020, direction="in",
                                                  area_m2=1.0))
    assert service.balance_report(ws, EAST).rows == []
