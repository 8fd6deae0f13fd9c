"""Issue 12 item 5: one county's ledger post locked the other counties out of the batch.

Posting a detection batch to the 进出平衡 ledger is per (batch, county): a county user
posts only their counties, re-posting a county is refused (409) and posts nothing, and
an admin posting afterwards posts the remaining counties. Roles without ``EDIT``
(inspectors, readonly users) post nothing.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from actors import bearer_headers
from onemap.api.app import create_app
from onemap.api.deps import ApiSettings
from onemap.ledgers.models import PostResult
from onemap.ledgers.schema import LedgerEntryRow
from onemap.store.access import Role
from onemap.store.workspace import Workspace

from fastapi.testclient import TestClient

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from change_world import write_world

USERS = [("prov", Role.ADMIN, ["360000"]), ("west", Role.ANALYST, ["360111"]),
         ("east_inspector", Role.INSPECTOR, ["360121"]), ("viewer", Role.READONLY, ["360000"])]


def _farmland_out_in_the_east(ws: Workspace) -> None:
    """Turn two paddy fields of 360121 into orchards in 2020 (出: farmland leaves)."""
    east = ws.read_layer("dltb", 2020, counties=["360121"])
    paddy = east.index[east["DLBM"] == "0101"][:2]
    east.loc[paddy, "DLBM"] = "0201"
    east.loc[paddy, "DLMC"] = "果园"
    ws.write_layer("dltb", 2020, east.drop(columns="county"))


@pytest.fixture
def env(tmp_path: Path):
    ws = Workspace.create(tmp_path / "ws")
    write_world(ws)
    _farmland_out_in_the_east(ws)
    headers = bearer_headers(ws, USERS)
    client = TestClient(create_app(ApiSettings(workspace=ws.root), ws))
    batch = client.post("/change/batches", json={"from_year": 2019, "to_year": 2020},
                        headers=headers["prov"]).json()
    yield client, headers, ws, batch["id"]
    ws.close()


def _entries(ws: Workspace) -> dict[str, int]:
    with ws.session() as s:
        rows = s.execute(select(LedgerEntryRow.county, func.count())
                         .group_by(LedgerEntryRow.county)).all()
    return {str(county): int(n) for county, n in rows}


def test_a_county_post_leaves_the_other_counties_to_post(env) -> None:
    client, h, ws, batch = env
    r = client.post(f"/ledgers/post/{batch}", headers=h["west"])
    assert r.status_code == 201, r.text
    west = PostResult.model_validate(r.json())
    assert west.counties == ["360111"] and west.entries > 0
    after_west = _entries(ws)
    assert set(after_west) == {"360111"} and after_west["360111"] == west.entries

    again = client.post(f"/ledgers/post/{batch}", headers=h["west"])
    assert again.status_code == 409, again.text
    assert again.json()["code"] == "ledger_already_posted"
    assert _entries(ws) == after_west  # nothing posted twice

    r = client.post(f"/ledgers/post/{batch}", headers=h["prov"])
    assert r.status_code == 201, r.text  # was 409 for every other county
    prov = PostResult.model_validate(r.json())
    assert prov.counties == ["360121"] and prov.already_posted == ["360111"]
    assert prov.entries == 2
    assert _entries(ws) == {"360111": west.entries, "360121": 2}

    final = _entries(ws)
    assert client.post(f"/ledgers/post/{batch}", headers=h["prov"]).status_code == 409
    assert _entries(ws) == final
    audit = ws.audit_log(10, action="ledgers.post")
    assert [(a.actor, a.detail["counties"]) for a in reversed(audit)] == [
        ("west", ["360111"]), ("prov", ["360121"])]


def test_roles_without_edit_post_nothing(env) -> None:
    client, h, ws, batch = env
    for user in ("east_inspector", "viewer"):
        r = client.post(f"/ledgers/post/{batch}", headers=h[user])
        assert r.status_code == 403, (user, r.text)
    r = client.post(f"/ledgers/post/{batch}", headers={})
    assert r.status_code == 401, r.text
    assert _entries(ws) == {}
    assert ws.audit_log(10, action="ledgers.post") == []
    refused = ws.audit_log(10, action="access.denied")
    assert {a.actor for a in refused} >= {"east_inspector", "viewer"}


def test_a_county_user_cannot_post_another_county(env) -> None:
    from onemap.errors import ScopeViolation
    from onemap.ledgers import service
    from onemap.store.access import Actor

    _client, _h, ws, batch = env
    west = Actor(username="west", role=Role.ANALYST, regions=["360111"])
    with pytest.raises(ScopeViolation):
        service.post_batch(ws, west, batch, counties=["360121"])
    assert _entries(ws) == {}


def test_the_cli_posts_per_county_too(env, capsys: pytest.CaptureFixture[str]) -> None:
    from onemap.cli.main import main

    _client, _h, ws, batch = env
    main(["ledgers", "post", str(ws.root), str(batch), "--user", "west", "--json"])
    assert PostResult.model_validate_json(capsys.readouterr().out).counties == ["360111"]
    with pytest.raises(SystemExit) as stop:
        main(["ledgers", "post", str(ws.root), str(batch), "--user", "west", "--json"])
    assert stop.value.code == 10
    assert '"ledger_already_posted"' in capsys.readouterr().out
    main(["ledgers", "post", str(ws.root), str(batch), "--json"])  # the local operator
    assert PostResult.model_validate_json(capsys.readouterr().out).counties == ["360121"]
    assert set(_entries(ws)) == {"360111", "360121"}
