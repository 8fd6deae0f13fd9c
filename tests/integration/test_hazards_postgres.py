"""Geohazard warning on a real PostgreSQL catalog: the closed loop, triggers, a close race."""

from __future__ import annotations

import queue
import sys
import threading
from pathlib import Path

import pytest
from sqlalchemy import text

from onemap.errors import Conflict
from onemap.hazards import loop
from onemap.hazards.errors import BatchClosed
from onemap.hazards.models import CloseRequest, IssueRequest, ResponseKind, ResponseRequest
from onemap.store.access import Actor, Role
from onemap.store.workspace import Workspace

sys.path.insert(0, str(Path(__file__).resolve().parent))
from hazard_world import DAY, EAST, write_hazard_world

pytestmark = pytest.mark.postgres
PROVINCE = Actor(username="prov", role=Role.ADMIN, regions=["360000"])


@pytest.fixture
def pg_ws(tmp_path, fresh_database_url: str):
    ws = Workspace.create(tmp_path / "ws", database_url=fresh_database_url)
    write_hazard_world(ws, PROVINCE, tmp_path)
    yield ws
    ws.close()


def test_closed_loop_and_append_only_on_postgres(pg_ws):
    ws = pg_ws
    issued = loop.issue(ws, PROVINCE, IssueRequest(on=DAY, counties=[EAST]))
    batch = issued.batches[0]
    loop.respond(ws, PROVINCE, batch.id, ResponseRequest(point_id=f"{EAST}000001",
                                                         kind=ResponseKind.NOTIFIED))
    results: queue.Queue = queue.Queue()
    barrier = threading.Barrier(3)

    def lift() -> None:
        barrier.wait()
        try:
            loop.close(ws, PROVINCE, batch.id, CloseRequest(comment="race"))
            results.put("closed")
        except (Conflict, BatchClosed) as exc:
            results.put(type(exc).__name__)

    threads = [threading.Thread(target=lift) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    outcomes = sorted(results.get() for _ in range(3))
    assert outcomes.count("closed") == 1, outcomes
    with ws.engine.connect() as con:
        log = con.execute(text("SELECT action FROM hazard_batch_log WHERE batch_id = :b "
                               "ORDER BY seq"), {"b": batch.id}).scalars().all()
    assert log == ["issue", "close"]
    for sql in ("UPDATE hazard_responses SET comment = 'x'", "DELETE FROM hazard_warnings",
                "TRUNCATE hazard_batch_log CASCADE"):
        with ws.engine.begin() as con, pytest.raises(Exception, match="append-only"):
            con.execute(text(sql))
