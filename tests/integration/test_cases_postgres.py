"""Cases on a real PostgreSQL catalog: append-only triggers and the optimistic-lock race."""

from __future__ import annotations

import queue
import sys
import threading
from pathlib import Path

import pytest
from sqlalchemy import text

from actors import SYSTEM
from onemap.cases import service
from onemap.cases.models import Action, TransitionRequest, Verdict
from onemap.change import service as change_service
from onemap.errors import Conflict
from onemap.store.access import Actor, Role
from onemap.store.workspace import Workspace

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from change_world import write_world

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_ws(tmp_path, fresh_database_url: str):
    ws = Workspace.create(tmp_path / "ws", database_url=fresh_database_url)
    write_world(ws)
    yield ws
    ws.close()


def test_race_and_append_only_on_postgres(pg_ws):
    ws = pg_ws
    batch = change_service.detect_changes(ws, SYSTEM, from_year=2019, to_year=2020)
    opened = service.open_cases(ws, SYSTEM, batch.batch.id)
    case = next(c for c in opened.created if c.county == "360111")
    results: queue.Queue = queue.Queue()
    barrier = threading.Barrier(4)

    def contend(who: str) -> None:
        actor = Actor(username=who, role=Role.INSPECTOR, regions=["360111"])
        barrier.wait()
        try:
            service.transition(ws, actor, case.id, TransitionRequest(
                action=Action.VERIFY, verdict=Verdict.ILLEGAL, comment=who,
                expected_version=case.version))
            results.put("won")
        except Conflict:
            results.put("conflict")

    threads = [threading.Thread(target=contend, args=(f"t{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(results.get() for _ in range(4)) == ["conflict"] * 3 + ["won"]
    assert [e.seq for e in service.get_case(ws, SYSTEM, case.id).events] == [1, 2]
    for sql in ("UPDATE case_events SET actor = 'x'", "DELETE FROM case_events",
                "DELETE FROM ledger_entries"):
        with pytest.raises(Exception, match="append-only"), ws.engine.begin() as conn:
            conn.execute(text(sql))
