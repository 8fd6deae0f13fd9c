"""Import parameters are checked once (CLI = API), and ``layers remove`` / DELETE /admin/layers."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from actors import bearer_headers
from onemap.api.app import create_app
from onemap.api.deps import ApiSettings
from onemap.cli.main import main
from onemap.store.access import Role
from onemap.store.models import LayerInfo
from onemap.store.workspace import Workspace

from fastapi.testclient import TestClient

sys.path.insert(0, str(Path(__file__).resolve().parent))
from api_helpers import admin_frame, dltb_frame

DATA = Path(__file__).resolve().parents[1] / "data"
USERS = [("prov", Role.ADMIN, ["360000"]), ("county", Role.ADMIN, ["360111"]),
         ("analyst", Role.ANALYST, ["360000"])]


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    ws = Workspace.create(tmp_path / "ws")
    ws.write_layer("dltb", 2020, dltb_frame(per_side=3))
    ws.write_layer("admin_county", None, admin_frame())
    return ws


def _files(ws: Workspace) -> list[str]:
    return sorted(p.relative_to(ws.root).as_posix() for p in (ws.root / "layers").rglob("*")
                  if p.is_file())


def _cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, dict]:
    try:
        main([*map(str, argv), "--json"])
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    out = capsys.readouterr().out
    return code, json.loads(out) if out.strip() else {}


def _geojson(tmp_path: Path) -> Path:
    path = tmp_path / "dltb.geojson"
    dltb_frame(per_side=2).to_file(path, driver="GeoJSON")
    return path


@pytest.mark.parametrize(("option", "value", "words"), [
    ("--vintage", "99999", "1900–2200"), ("--vintage", "1899", "1900–2200"),
    ("--encoding", "no-such-codec", "encoding")])
def test_cli_and_api_refuse_the_same_import_parameters(
        ws: Workspace, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        option: str, value: str, words: str) -> None:
    src = _geojson(tmp_path)
    before = (ws.list_layers(), _files(ws))
    args = ["import", ws.root, src, "--kind", "dltb", option, value]
    if option != "--vintage":
        args += ["--vintage", "2021"]
    code, out = _cli(args, capsys)
    assert code == 3 and out["error"]["code"] == "invalid_input"
    assert words in out["error"]["message"]
    headers = bearer_headers(ws, USERS[:1])
    query = {"kind": "dltb", "vintage": "2021", option.lstrip("-"): value}
    with TestClient(create_app(ApiSettings(workspace=ws.root), ws)) as c:
        r = c.post("/imports", params=query, headers=headers["prov"],
                   files={"file": ("dltb.geojson", src.read_bytes(), "application/geo+json")})
    assert r.status_code == 400, r.text
    assert r.json()["code"] == "invalid_input" and words in r.json()["detail"]
    assert (ws.list_layers(), _files(ws)) == before


def test_layers_remove_cli_is_for_admins_audited_and_removes_the_files(
        ws: Workspace, capsys: pytest.CaptureFixture[str]) -> None:
    bearer_headers(ws, USERS)
    files = _files(ws)
    assert any("/dltb/2020/" in f for f in files)
    for who in ("analyst", "county"):  # not administrators of the province
        code, out = _cli(["layers", "remove", ws.root, "dltb", "2020", "--user", who], capsys)
        assert code == 12 and out["error"]["code"] == "scope_violation"
    assert _files(ws) == files and ws.has_layer("dltb", 2020)
    code, out = _cli(["layers", "remove", ws.root, "dltb", "2020", "--user", "prov"], capsys)
    assert code == 0
    removed = LayerInfo.model_validate(out)
    assert (removed.kind, removed.vintage, removed.features) == ("dltb", 2020, 27)
    assert not ws.has_layer("dltb", 2020)
    assert [f for f in _files(ws) if "/dltb/" in f] == []
    entry = ws.audit_log(limit=5, action="layer.delete")[0]
    assert entry.actor == "prov" and entry.target == "dltb/2020"
    code, out = _cli(["layers", "remove", ws.root, "dltb", "2020"], capsys)
    assert code == 8 and out["error"]["code"] == "not_found"
    code, out = _cli(["layers", ws.root], capsys)  # ``layers DIR`` still lists
    assert code == 0 and [i["kind"] for i in out] == ["admin_county"]


def test_layers_remove_route(ws: Workspace) -> None:
    headers = bearer_headers(ws, USERS)
    with TestClient(create_app(ApiSettings(workspace=ws.root), ws)) as c:
        assert c.get("/collections/dltb_2020", headers=headers["prov"]).status_code == 200
        for who in ("analyst", "county"):
            r = c.delete("/admin/layers/dltb_2020", headers=headers[who])
            assert r.status_code == 403, r.text
        assert ws.has_layer("dltb", 2020)
        r = c.delete("/admin/layers/dltb_2020", headers=headers["prov"])
        assert r.status_code == 200, r.text
        assert LayerInfo.model_validate(r.json()).features == 27
        assert c.get("/collections/dltb_2020", headers=headers["prov"]).status_code == 404
        assert c.delete("/admin/layers/dltb_2020", headers=headers["prov"]).status_code == 404
    assert [f for f in _files(ws) if "/dltb/" in f] == []
