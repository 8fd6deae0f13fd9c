"""Item 12 (tokens): API tokens expire and can be revoked; listing never shows a secret."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import TYPE_CHECKING

import pytest
from auth_world import audit_count, client, make_app, make_workspace, rows
from sqlalchemy import update
from typer.testing import CliRunner

from onemap.cli.main import create_cli
from onemap.store.db import utc_now
from onemap.users.models import TokenInfo
from onemap.users.schema import TokenRow
from onemap.users.service import UserService

if TYPE_CHECKING:
    from pathlib import Path

    from onemap.store.workspace import Workspace


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory):
    ws = make_workspace(tmp_path_factory.mktemp("tokens") / "ws")
    yield ws
    ws.close()


def _bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def test_expired_tokens_are_refused(ws: Workspace) -> None:
    tok = UserService(ws).create_token("ana111", "short", days=1)
    assert abs(tok.expires_at - (utc_now() + timedelta(days=1))) < timedelta(minutes=1)
    default = UserService(ws).create_token("ana111", "default")
    assert (default.expires_at - utc_now()).days == 89  # 90 days by default
    with ws.session() as s:
        s.execute(update(TokenRow).where(TokenRow.id == tok.id)
                  .values(expires_at=utc_now() - timedelta(seconds=1)))
    c = client(make_app(ws))
    before = (rows(ws, "api_tokens"), audit_count(ws, "auth.token_create"))
    r = c.post("/auth/tokens", json={"name": "x"}, headers=_bearer(tok.token))
    assert r.status_code == 401 and "expired" in r.json()["detail"]
    assert (rows(ws, "api_tokens"), audit_count(ws, "auth.token_create")) == before
    assert c.get("/auth/me", headers=_bearer(default.token)).json()["username"] == "ana111"
    listed = [TokenInfo.model_validate(t) for t in
              c.get("/auth/tokens", headers=_bearer(default.token)).json()]
    assert {t.id: t.active for t in listed if t.id in (tok.id, default.id)} == {
        tok.id: False, default.id: True}
    assert tok.token not in json.dumps(c.get("/auth/tokens", headers=_bearer(
        default.token)).json())
    assert c.post("/auth/tokens", json={"days": 5000}, headers=_bearer(default.token)
                  ).status_code == 422


def test_revoked_tokens_are_refused_and_only_owner_or_admin_revokes(ws: Workspace) -> None:
    c = client(make_app(ws))
    users = UserService(ws)
    victim = users.create_token("ana111", "victim")
    outsider = users.create_token("ana203", "outsider")
    county_admin = users.create_token("admin111", "admin111")
    assert c.get("/auth/me", headers=_bearer(victim.token)).status_code == 200  # now cached
    # another analyst and anonymous callers may not revoke it; nothing changes
    assert c.delete(f"/auth/tokens/{victim.id}", headers=_bearer(outsider.token)
                    ).status_code == 403
    assert c.delete(f"/auth/tokens/{victim.id}").status_code == 401
    assert c.get("/auth/me", headers=_bearer(victim.token)).json()["username"] == "ana111"
    assert audit_count(ws, "auth.token_revoke") == 0
    # other users' tokens are not listed to an analyst
    mine = c.get("/auth/tokens", headers=_bearer(outsider.token)).json()
    assert {t["username"] for t in mine} == {"ana203"}
    assert c.get("/auth/tokens").status_code == 401
    # the owner revokes: refused at once, despite the 30 s cache
    r = c.delete(f"/auth/tokens/{victim.id}", headers=_bearer(victim.token))
    assert r.status_code == 200 and r.json()["revoked"] is True
    assert c.get("/auth/me", headers=_bearer(victim.token)).status_code == 401
    # an admin of the owner's county revokes too; the county admin may not touch ana203's
    second = users.create_token("ana111", "second")
    assert c.delete(f"/auth/tokens/{outsider.id}", headers=_bearer(county_admin.token)
                    ).status_code == 403
    assert c.get("/auth/me", headers=_bearer(outsider.token)).status_code == 200
    assert c.delete(f"/auth/tokens/{second.id}", headers=_bearer(county_admin.token)
                    ).status_code == 200
    assert c.get("/auth/me", headers=_bearer(second.token)).status_code == 401
    assert c.delete("/auth/tokens/999999", headers=_bearer(county_admin.token)
                    ).status_code == 404
    assert audit_count(ws, "auth.token_revoke") == 2


def test_cli_token_days_list_and_revoke(ws: Workspace, tmp_path: Path) -> None:
    run, cli = CliRunner(), create_cli()
    made = run.invoke(cli, ["users", "token", str(ws.root), "ana203", "--days", "7",
                            "--name", "nightly", "--json"])
    assert made.exit_code == 0, made.output
    tok = json.loads(made.stdout)
    assert (utc_now() + timedelta(days=6)).isoformat() < tok["expires_at"]
    listed = run.invoke(cli, ["users", "tokens", str(ws.root), "ana203", "--json"])
    assert tok["token"] not in listed.stdout and "nightly" in listed.stdout
    refused = run.invoke(cli, ["users", "revoke-token", str(ws.root), str(tok["id"]),
                               "--user", "ana111"])
    assert refused.exit_code != 0
    c = client(make_app(ws))
    assert c.get("/auth/me", headers=_bearer(tok["token"])).json()["username"] == "ana203"
    done = run.invoke(cli, ["users", "revoke-token", str(ws.root), str(tok["id"]), "--json"])
    assert done.exit_code == 0 and json.loads(done.stdout)["revoked"] is True
    assert client(make_app(ws)).get("/auth/me", headers=_bearer(tok["token"])
                                    ).status_code == 401
