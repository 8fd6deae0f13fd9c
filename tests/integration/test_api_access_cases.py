"""Scope crossing through the enforcement routes: change patches, cases, exports, ledgers."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import openpyxl
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from change_world import write_world
from onemap.api.app import create_app
from onemap.api.deps import ApiSettings
from onemap.store.access import Role
from onemap.store.workspace import Workspace
from onemap.users.models import UserCreate
from onemap.users.service import UserService

from fastapi.testclient import TestClient

USERS = {"prov": (Role.ADMIN, ["360000"]), "west": (Role.INSPECTOR, ["360111"]),
         "east": (Role.INSPECTOR, ["360121"])}


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory):
    ws = Workspace.create(tmp_path_factory.mktemp("acl-cases") / "ws")
    write_world(ws)
    users = UserService(ws)
    h = {}
    for name, (role, regions) in USERS.items():
        users.add_user(UserCreate(username=name, password="pw-12345-6789", role=role,
                                  regions=regions))
        h[name] = {"Authorization": f"Bearer {users.create_token(name).token}"}
    c = TestClient(create_app(ApiSettings(workspace=ws.root), ws))
    batch = c.post("/change/batches", json={"from_year": 2019, "to_year": 2020},
                   headers=h["prov"]).json()
    c.post("/cases/open", json={"batch_id": batch["id"]}, headers=h["prov"])
    yield c, h, batch["id"]
    ws.close()


def test_cases_and_patches_never_cross_counties(env) -> None:
    c, h, batch = env
    east = c.get("/cases", headers=h["east"]).json()
    west = c.get("/cases", headers=h["west"]).json()
    assert east and west
    assert {x["county"] for x in east} == {"360121"} and {x["county"] for x in west} == {"360111"}
    theirs = west[0]
    body = {"action": "verify", "verdict": "违法", "expected_version": theirs["version"]}
    for method, path, kw in [
        ("GET", f"/cases/{theirs['id']}", {}),
        ("GET", f"/cases/{theirs['id']}/sheet", {}),
        ("GET", f"/cases/{theirs['id']}/sheet.pdf", {}),
        ("POST", f"/cases/{theirs['id']}/transitions", {"json": body}),
        ("POST", f"/cases/{theirs['id']}/attachments",
         {"files": {"file": ("x.jpg", io.BytesIO(b"\xff\xd8\xff"), "image/jpeg")}}),
        ("GET", "/cases?county=360111", {}),
    ]:
        r = c.request(method, path, headers=h["east"], **kw)
        assert r.status_code in (403, 404), (method, path, r.status_code, r.text[:200])
    patches = c.get(f"/change/batches/{batch}/patches", headers=h["east"]).json()
    assert patches and {p["county"] for p in patches} == {"360121"}


def test_case_exports_and_ledgers_stay_inside_scope(env) -> None:
    c, h, _batch = env
    r = c.get("/cases/export.xlsx", headers=h["east"])
    assert r.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(r.content), read_only=True)
    text = " ".join(str(v) for ws in book.worksheets for row in ws.iter_rows(values_only=True)
                    for v in row if v is not None)
    assert "360121" in text and "360111" not in text
    assert c.get("/cases", headers={}).status_code in (401, 403)  # public users: closed
    c.post(f"/ledgers/post/{_batch}", headers=h["prov"])
    everyone = {r["county"] for r in c.get("/ledgers/balance", headers=h["prov"]).json()["rows"]}
    assert "360111" in everyone
    east = {r["county"] for r in c.get("/ledgers/balance", headers=h["east"]).json()["rows"]}
    assert "360111" not in east
