"""Security item 10: the audit log is append-only (database triggers) and hash-chained.

Every test asserts the refusal or the detection AND that nothing else changed: the row
counts of every catalog table, the audit rows themselves and the chain head.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import uuid
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import pytest
import shapely
from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.exc import DBAPIError
from typer.testing import CliRunner

from onemap.cli.errors import exit_code_for
from onemap.cli.main import create_cli
from onemap.errors import AuditChainBroken
from onemap.store.access import Role
from onemap.store.audit_chain import GENESIS, entry_hash
from onemap.store.models import AuditEntry, AuditVerification
from onemap.store.workspace import Workspace
from onemap.users.models import UserCreate
from onemap.users.service import UserService

if TYPE_CHECKING:
    from pathlib import Path

DETAILS: list[dict[str, Any]] = [
    {}, {"counties": ["360111", "360121"], "features": 12, "replace": False},
    {"note": "图斑 ✓ 耕地", "nested": {"b": [1, 2.5, None], "a": True}},
    {"tuple": (1, 2), 3: "int key", "float": 0.1 + 0.2, "big": 2**70},
]


# -- helpers ---------------------------------------------------------------------------
def _snapshot(ws: Workspace) -> dict[str, Any]:
    """Row count of every table, every audit row and the chain head."""
    with ws.engine.connect() as conn:
        tables = sorted(inspect(conn).get_table_names())
        counts = {t: conn.execute(text(f'SELECT count(*) FROM "{t}"')).scalar() for t in tables}
        audit = conn.execute(text("SELECT id, at, actor, action, target, detail, prev_hash, "
                                  "hash FROM audit_log ORDER BY id")).all()
        head = conn.execute(text("SELECT id, last_id, hash FROM audit_head")).all()
    return {"counts": counts, "audit": [tuple(map(str, r)) for r in audit],
            "head": [tuple(r) for r in head]}


def _sql(ws: Workspace, *statements: str) -> None:
    with ws.engine.begin() as conn:
        for stmt in statements:
            conn.execute(text(stmt))


def _drop_guards(ws: Workspace) -> None:
    """Tamper as someone with raw database access would: remove the triggers first."""
    if ws.engine.dialect.name == "sqlite":
        _sql(ws, "DROP TRIGGER audit_log_no_update", "DROP TRIGGER audit_log_no_delete")
    else:
        _sql(ws, "DROP TRIGGER audit_log_append_only ON audit_log")


def _fill(ws: Workspace, n: int) -> None:
    for i in range(n):
        ws.audit(f"user{i % 3}", "test.write", f"target/{i}", DETAILS[i % len(DETAILS)])


def _refused(ws: Workspace, stmt: str) -> str:
    with pytest.raises(DBAPIError) as info:
        _sql(ws, stmt)
    return str(info.value.orig)


def _assert_triggers_refuse(ws: Workspace) -> None:
    before = _snapshot(ws)
    for stmt in ("UPDATE audit_log SET detail = '{}' WHERE id = 2",
                 "UPDATE audit_log SET actor = 'someone-else'",
                 "DELETE FROM audit_log WHERE id = 4", "DELETE FROM audit_log"):
        assert "append-only" in _refused(ws, stmt)
    assert "audit_head" in _refused(ws, "DELETE FROM audit_head")
    assert "forward" in _refused(ws, "UPDATE audit_head SET last_id = 2, hash = 'x'")
    if ws.engine.dialect.name == "postgresql":
        assert "append-only" in _refused(ws, "TRUNCATE audit_log")
    assert _snapshot(ws) == before
    assert ws.verify_audit().ok


@pytest.fixture
def filled(workspace: Workspace) -> Workspace:
    _fill(workspace, 20)
    return workspace


# -- append-only -------------------------------------------------------------------------
def test_update_and_delete_refused_by_sqlite(filled: Workspace) -> None:
    _assert_triggers_refuse(filled)


# -- the chain on a normal workspace ---------------------------------------------------------
def test_verify_passes_after_many_writes(workspace: Workspace) -> None:
    ws = workspace
    _fill(ws, 300)
    gdf = gpd.GeoDataFrame({"BSM": ["1"], "DLBM": ["0101"], "ZLDWDM": ["360111001001"],
                            "TBMJ": [1.0]}, geometry=[shapely.box(115.9, 28.6, 115.91, 28.61)],
                           crs=4490)
    ws.write_layer("dltb", 2019, gdf, actor="tester")  # _audit inside the layer transaction
    ws.set_layer_access("dltb", 2019, classification="secret", actor="tester")
    before = _snapshot(ws)
    with pytest.raises(RuntimeError), ws.session() as s:  # rolled back: entry and head go
        ws._audit(s, "tester", "test.rolled_back", "x", {})
        raise RuntimeError
    assert _snapshot(ws) == before
    ws.audit("tester", "test.after_rollback")

    result = ws.verify_audit()
    entries = sorted(ws.audit_log(limit=10_000), key=lambda e: e.id)
    assert result.ok, result.message
    assert result.rows_checked == len(entries) == 303
    assert [e.id for e in entries] == list(range(1, 304))  # no gap, even after the rollback
    assert result.last_id == 303 and result.head_hash == entries[-1].hash
    assert [e.action for e in entries[-3:]] == ["layer.write", "layer.access",
                                                "test.after_rollback"]
    prev = GENESIS
    for e in entries:  # the documented formula, recomputed independently
        body = json.dumps({"id": e.id, "at": e.at.isoformat(timespec="microseconds"),
                           "actor": e.actor, "action": e.action, "target": e.target,
                           "detail": e.detail}, sort_keys=True, separators=(",", ":"))
        assert e.prev_hash == prev
        assert e.hash == hashlib.sha256((prev + body).encode()).hexdigest()
        prev = e.hash
    assert entries[3].detail == {"tuple": [1, 2], "3": "int key", "float": 0.1 + 0.2,
                                 "big": 2**70}
    after = _snapshot(ws)
    ws.verify_audit()
    assert _snapshot(ws) == after  # verifying writes nothing


# -- tampering behind the trigger's back ----------------------------------------------------
def _tampered(ws: Workspace, *statements: str) -> AuditVerification:
    _drop_guards(ws)
    before = _snapshot(ws)
    _sql(ws, *statements)
    tampered = _snapshot(ws)
    assert tampered != before
    assert tampered["counts"].keys() == before["counts"].keys()
    assert {t: n for t, n in tampered["counts"].items() if t != "audit_log"} == {
        t: n for t, n in before["counts"].items() if t != "audit_log"}
    result = ws.verify_audit()
    assert _snapshot(ws) == tampered  # verify changes nothing
    assert not result.ok
    return result


def test_edited_detail_is_detected(filled: Workspace) -> None:
    result = _tampered(filled, """UPDATE audit_log SET detail = '{"features": 0}' WHERE id = 7""")
    assert (result.broken_id, result.reason, result.rows_checked) == (7, "changed", 6)
    assert "7" in result.message


def test_edited_and_rehashed_entry_is_detected(filled: Workspace) -> None:
    ws = filled
    [e] = [x for x in ws.audit_log(100) if x.id == 7]
    forged = entry_hash(e.prev_hash, e.id, e.at, "someone-else", e.action, e.target, e.detail)
    result = _tampered(ws, f"UPDATE audit_log SET actor = 'someone-else', hash = '{forged}' "
                           "WHERE id = 7")
    assert (result.broken_id, result.reason) == (7, "changed")


def test_deleted_entry_is_detected(filled: Workspace) -> None:
    result = _tampered(filled, "DELETE FROM audit_log WHERE id = 11")
    assert (result.broken_id, result.reason, result.rows_checked) == (11, "deleted", 10)
    assert "11" in result.message


def test_deleted_tail_is_detected(filled: Workspace) -> None:
    result = _tampered(filled, "DELETE FROM audit_log WHERE id >= 19")
    assert (result.broken_id, result.reason, result.rows_checked) == (19, "deleted", 18)


def test_reordered_entries_are_detected(filled: Workspace) -> None:
    result = _tampered(filled, "UPDATE audit_log SET id = -5 WHERE id = 5",
                       "UPDATE audit_log SET id = 5 WHERE id = 6",
                       "UPDATE audit_log SET id = 6 WHERE id = -5")
    assert (result.broken_id, result.reason) == (5, "reordered")


def test_entry_inserted_after_the_head_is_detected(filled: Workspace) -> None:
    ws = filled
    last = ws.audit_log(1)[0]
    at = last.at.isoformat(sep=" ", timespec="microseconds")
    forged = entry_hash(last.hash, 21, last.at, "ghost", "test.write", "", {})
    result = _tampered(ws, "INSERT INTO audit_log (id, at, actor, action, target, detail, "
                           f"prev_hash, hash) VALUES (21, '{at}', 'ghost', 'test.write', '', "
                           f"'{{}}', '{last.hash}', '{forged}')")
    assert (result.broken_id, result.reason, result.rows_checked) == (21, "inserted", 20)


# -- concurrency ---------------------------------------------------------------------------
def _append_many(root: str, tag: str, n: int, ready: Any, go: Any) -> None:
    ws = Workspace.open(root)
    ready.release()
    go.wait()
    for i in range(n):
        ws.audit(f"writer-{tag}", "test.concurrent", f"{tag}/{i}", {"i": i})
    ws.close()


def _append_concurrently(ws: Workspace, n: int = 200) -> list[AuditEntry]:
    ctx = multiprocessing.get_context("spawn")
    ready, go = ctx.Semaphore(0), ctx.Event()
    procs = [ctx.Process(target=_append_many, args=(str(ws.root), tag, n, ready, go))
             for tag in ("a", "b")]
    for p in procs:
        p.start()
    for _ in procs:
        assert ready.acquire(timeout=120)
    go.set()
    for p in procs:
        p.join(timeout=300)
        assert p.exitcode == 0
    return sorted(ws.audit_log(limit=100_000), key=lambda e: e.id)


def _assert_concurrent_chain(ws: Workspace, before: dict[str, Any], n: int = 200) -> None:
    entries = _append_concurrently(ws, n)
    after = _snapshot(ws)
    assert after["counts"]["audit_log"] == before["counts"]["audit_log"] + 2 * n
    assert {t: c for t, c in after["counts"].items() if t != "audit_log"} == {
        t: c for t, c in before["counts"].items() if t != "audit_log"}
    assert after["audit"][: len(before["audit"])] == before["audit"]  # old rows untouched
    new = entries[len(before["audit"]):]
    assert sorted(e.target for e in new) == sorted(f"{t}/{i}" for t in "ab" for i in range(n))
    assert len({e.prev_hash for e in entries}) == len(entries)  # no fork: no shared parent
    assert [e.id for e in entries] == list(range(1, len(entries) + 1))
    result = ws.verify_audit()
    assert result.ok, result.message
    assert result.rows_checked == len(entries)


def test_two_processes_append_without_forking(filled: Workspace) -> None:
    _assert_concurrent_chain(filled, _snapshot(filled))


# -- upgraded workspaces -----------------------------------------------------------------------
def test_migration_chains_entries_written_before_it(workspace: Workspace) -> None:
    ws = workspace
    cfg = Config()
    cfg.set_main_option("script_location", "onemap.store:migrations")
    with ws.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "core@core_0001")  # the catalog as it was: no chain
    _sql(ws, "DELETE FROM audit_log",  # no trigger yet; then legacy rows with a gap at 3
         *(f"INSERT INTO audit_log (id, at, actor, action, target, detail) VALUES ({i}, "
           f"'2024-05-0{i} 08:00:00.{i:06d}', 'legacy', 'layer.write', 'dltb/{i}', "
           f"'{{\"n\": {i}, \"名\": \"旧\"}}')" for i in (1, 2, 4, 5)))
    ws.close()
    reopened = Workspace.open(ws.root)  # migrates: chains the four legacy rows
    before = _snapshot(reopened)
    assert [r[0] for r in before["audit"]] == ["1", "2", "4", "5"]
    result = reopened.verify_audit()
    assert result.ok, result.message
    assert (result.rows_checked, result.last_id) == (4, 5)
    assert _snapshot(reopened) == before
    _assert_triggers_refuse(reopened)
    reopened.audit("tester", "test.after_upgrade")
    assert reopened.audit_log(1)[0].id == 6
    assert reopened.verify_audit().rows_checked == 5
    reopened.close()


# -- CLI --------------------------------------------------------------------------------------
def _cli(*args: str) -> Any:
    return CliRunner().invoke(create_cli(), list(args))


def test_cli_verify_exit_code_on_broken_chain(filled: Workspace) -> None:
    ws = filled
    root = str(ws.root)
    ok = _cli("audit", "verify", root, "--json")
    assert ok.exit_code == 0, ok.output
    assert AuditVerification.model_validate_json(ok.stdout).rows_checked == 20
    _drop_guards(ws)
    _sql(ws, "DELETE FROM audit_log WHERE id = 4")
    before = _snapshot(ws)
    broken = _cli("audit", "verify", root, "--json")
    assert broken.exit_code == 16 == exit_code_for(AuditChainBroken("x"))
    report = AuditVerification.model_validate_json(broken.stdout)
    assert (report.ok, report.broken_id, report.reason) == (False, 4, "deleted")
    assert "audit_chain_broken" in broken.stderr
    plain = _cli("audit", "verify", root)
    assert plain.exit_code == 16 and "entry 4" in plain.stderr
    assert _snapshot(ws) == before  # the local operator reads: nothing written


def test_cli_log_lists_newest_first_and_refuses_non_admins(filled: Workspace) -> None:
    ws = filled
    UserService(ws).add_user(UserCreate(username="county", password="county-analyst-pw-12",
                                        role=Role.ANALYST, regions=["360111"]))
    before = _snapshot(ws)
    out = _cli("audit", "log", str(ws.root), "--limit", "5", "--json")
    assert out.exit_code == 0, out.output
    entries = [AuditEntry.model_validate(x) for x in json.loads(out.stdout)]
    assert [e.id for e in entries] == [21, 20, 19, 18, 17]  # 21: user.create
    only = _cli("audit", "log", str(ws.root), "--action", "user.create", "--json")
    assert [e["action"] for e in json.loads(only.stdout)] == ["user.create"]
    table = _cli("audit", "log", str(ws.root), "--limit", "3")
    assert table.exit_code == 0 and "user.create" in table.stdout
    assert _snapshot(ws) == before

    for cmd in ("log", "verify"):
        refused = _cli("audit", cmd, str(ws.root), "--user", "county", "--json")
        assert type(refused.exception).__name__ == "ScopeViolation"  # main(): exit code 12
    after = _snapshot(ws)
    assert after["counts"]["audit_log"] == before["counts"]["audit_log"] + 2
    assert after["audit"][:-2] == before["audit"]
    assert [e.action for e in ws.audit_log(2)] == ["access.denied", "access.denied"]
    assert ws.verify_audit().ok


# -- PostgreSQL ---------------------------------------------------------------------------------
@pytest.fixture
def pg_workspace(tmp_path: Path, postgres_url: str) -> Any:
    name = f"audit_{uuid.uuid4().hex[:8]}"
    admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name}"))
    admin.dispose()
    ws = Workspace.create(tmp_path / "ws", database_url=postgres_url.rsplit("/", 1)[0] + f"/{name}")
    _fill(ws, 20)
    yield ws
    ws.close()


@pytest.mark.postgres
def test_postgres_refuses_update_delete_truncate(pg_workspace: Workspace) -> None:
    assert pg_workspace.engine.dialect.name == "postgresql"
    _assert_triggers_refuse(pg_workspace)


@pytest.mark.postgres
def test_postgres_chain_detects_tampering(pg_workspace: Workspace) -> None:
    ws = pg_workspace
    assert ws.verify_audit().rows_checked == 20
    result = _tampered(ws, """UPDATE audit_log SET detail = '{"n": 1}' WHERE id = 9""")
    assert (result.broken_id, result.reason) == (9, "changed")
    result = _tampered_again(ws, "DELETE FROM audit_log WHERE id = 3")
    assert (result.broken_id, result.reason) == (3, "deleted")


def _tampered_again(ws: Workspace, stmt: str) -> AuditVerification:
    before = _snapshot(ws)
    _sql(ws, stmt)
    assert _snapshot(ws)["counts"]["audit_log"] == before["counts"]["audit_log"] - 1
    return ws.verify_audit()


@pytest.mark.postgres
def test_postgres_two_sessions_append_without_forking(pg_workspace: Workspace) -> None:
    _assert_concurrent_chain(pg_workspace, _snapshot(pg_workspace))
