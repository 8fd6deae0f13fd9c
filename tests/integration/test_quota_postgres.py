"""占补平衡 quota ledger on a real PostgreSQL: 200 concurrent debits never overdraw."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from onemap.store.workspace import Workspace

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_quota_ledger import run_concurrent_debits

from quota_world import write_world

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_ws(tmp_path, fresh_database_url: str):
    ws = Workspace.create(tmp_path / "ws", database_url=fresh_database_url)
    write_world(ws)
    yield ws
    ws.close()


def test_200_concurrent_debits_never_overdraw_postgres(pg_ws):
    run_concurrent_debits(pg_ws)


def test_entries_are_append_only_on_postgres(pg_ws):
    run_concurrent_debits(pg_ws, n=4)
    for table in ("account_entries", "account_txns", "quota_debits"):
        with pytest.raises(Exception, match="append-only"), pg_ws.session() as s:
            s.execute(text(f"DELETE FROM {table}"))
