"""Item 7: session forgery from workspace files (plain session ids, world-readable secrets)."""

from __future__ import annotations

import logging
import os
import stat
from datetime import timedelta
from typing import TYPE_CHECKING

import pytest
from alembic import command
from alembic.config import Config
from auth_world import client, csrf, login, make_app, make_workspace, rows
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import text

from onemap.store.config import load_config
from onemap.store.db import utc_now
from onemap.store.workspace import Workspace
from onemap.users.passwords import token_digest

if TYPE_CHECKING:
    from pathlib import Path


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory):
    ws = make_workspace(tmp_path_factory.mktemp("sessions") / "ws")
    yield ws
    ws.close()


def _cookie_for(ws: Workspace, sid: str) -> str:
    """Sign ``sid`` exactly as the server does, with the key read from onemap.toml."""
    key = load_config(ws.root).secret_key
    return URLSafeTimedSerializer(key, salt="onemap-session").dumps({"sid": sid})


def test_session_table_holds_no_usable_id(ws: Workspace) -> None:
    c = client(make_app(ws))
    assert login(c, "admin").status_code == 200
    signed = c.cookies["onemap_session"]
    sid = URLSafeTimedSerializer(load_config(ws.root).secret_key,
                                 salt="onemap-session").loads(signed)["sid"]
    with ws.engine.connect() as conn:
        stored = [r[0] for r in conn.execute(text("SELECT id_hash FROM web_sessions"))]
    assert stored == [token_digest(sid)] and sid not in stored
    # an attacker with onemap.toml and a copy of the catalog forges a cookie from the row
    before = rows(ws, "web_sessions")
    forged = client(make_app(ws))
    forged.cookies.set("onemap_session", _cookie_for(ws, stored[0]))
    me = forged.get("/auth/me").json()
    assert me["authenticated"] is False and me["username"] == "anonymous"
    assert forged.post("/auth/tokens", json={"name": "x"}, headers={
        "X-CSRF-Token": "x"}).status_code == 401
    assert rows(ws, "web_sessions") == before and rows(ws, "api_tokens") == 0
    # the real cookie still works, and logout revokes the hashed row
    assert c.get("/auth/me").json()["username"] == "admin"
    assert c.post("/auth/logout", headers=csrf(c)).status_code == 200
    with ws.engine.connect() as conn:
        assert conn.execute(text("SELECT revoked FROM web_sessions")).scalar_one() in (1, True)


def test_secret_files_are_private(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    root = tmp_path / "ws"
    old = os.umask(0o022)  # the usual umask, which made them 644
    try:
        Workspace.create(root).close()
    finally:
        os.umask(old)
    for name in ("onemap.toml", "catalog.sqlite"):
        assert stat.S_IMODE((root / name).stat().st_mode) == 0o600, name
    # a workspace made by an older version (or copied with cp) is tightened on open
    os.chmod(root / "onemap.toml", 0o644)
    os.chmod(root / "catalog.sqlite", 0o640)
    key = load_config(root).secret_key
    with caplog.at_level(logging.WARNING, logger="onemap.store.config"):
        Workspace.open(root).close()
    for name in ("onemap.toml", "catalog.sqlite", "catalog.sqlite-wal", "catalog.sqlite-shm"):
        if (root / name).exists():
            assert stat.S_IMODE((root / name).stat().st_mode) == 0o600, name
    assert "onemap.toml was mode 644" in caplog.text
    assert "catalog.sqlite was mode 640" in caplog.text
    assert load_config(root).secret_key == key  # nothing else changed


def test_plain_sessions_are_dropped_by_the_migration(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path / "ws")
    cfg = Config()
    cfg.set_main_option("script_location", "onemap.store:migrations")
    with ws.engine.begin() as conn:  # back to the schema with plain-text session ids
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "users_0001")
    now = utc_now()
    with ws.engine.begin() as conn:
        conn.execute(text("INSERT INTO web_sessions (id, user_id, created_at, expires_at, "
                          "revoked) VALUES ('plain-sid', 1, :now, :later, 0)"),
                     {"now": now, "later": now + timedelta(days=7)})
        conn.execute(text("INSERT INTO api_tokens (user_id, name, token_hash, created_at, "
                          "revoked) VALUES (1, 'old', :h, :now, 0)"),
                     {"h": token_digest("om_old"), "now": now})
    ws.close()
    ws = Workspace.open(ws.root)  # upgrades to users_0002
    assert rows(ws, "web_sessions") == 0
    with ws.engine.connect() as conn:
        expires = conn.execute(text("SELECT expires_at FROM api_tokens")).scalar_one()
    assert str(expires) > str(now + timedelta(days=89))  # old tokens get 90 days, not forever
    c = client(make_app(ws))
    c.cookies.set("onemap_session", _cookie_for(ws, "plain-sid"))
    assert c.get("/auth/me").json()["authenticated"] is False
    assert c.get("/auth/me", headers={"Authorization": "Bearer om_old"}).json()["username"] \
        == "admin"
    ws.close()
