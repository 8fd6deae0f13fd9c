"""CLI of the web platform: users add/list/token and ``api get`` through the in-process app."""

from __future__ import annotations

import json

import pytest
from api_helpers import admin_frame, dltb_frame
from typer.testing import CliRunner

from onemap.cli.main import create_cli
from onemap.store.workspace import Workspace


@pytest.fixture
def ws_root(tmp_path):
    ws = Workspace.create(tmp_path / "ws")
    ws.write_layer("dltb", 2020, dltb_frame(per_side=2))
    ws.write_layer("admin_county", None, admin_frame())
    ws.close()
    return tmp_path / "ws"


def test_users_and_api_get(ws_root) -> None:
    cli, run = create_cli(), CliRunner()
    r = run.invoke(cli, ["users", "add", str(ws_root), "qsh", "--password", "pw-1234-5678",
                         "--role", "analyst", "--region", "360111", "--json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["regions"] == ["360111"]
    listed = json.loads(run.invoke(cli, ["users", "list", str(ws_root), "--json"]).stdout)
    assert [u["username"] for u in listed] == ["qsh"]
    token = json.loads(run.invoke(cli, ["users", "token", str(ws_root), "qsh", "--json"]).stdout)
    assert token["token"].startswith("om_")
    r = run.invoke(cli, ["api", "get", "/collections/dltb_2020/items?limit=100",
                         "--workspace", str(ws_root), "--user", "qsh", "--json"])
    assert r.exit_code == 0, r.output
    body = json.loads(r.stdout)
    assert {f["properties"]["county"] for f in body["features"]} == {"360111"}
    r = run.invoke(cli, ["api", "get", "/collections/dltb_2020", "--workspace", str(ws_root)])
    assert r.exit_code == 3  # anonymous: the internal layer is invisible → HTTP 404
    dup = run.invoke(cli, ["users", "add", str(ws_root), "qsh", "--password", "x-1234-56789"])
    assert type(dup.exception).__name__ == "Conflict"  # main() maps it to exit code 10
