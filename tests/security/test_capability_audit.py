"""Issue 12 item 10 (cases, change, ledgers, indicators) and issue 11 item 3: audit in services.

Every case transition is in the audit log (``cases.transition``: case no., action,
from → to), and every download of these capabilities is audited by the service that
produces its data, so the CLI and the API audit alike: cases export, case sheet, change
matrix, ledger balance, indicator report and XLSX. A refused download is audited as
``access.denied`` and produces no export entry.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from onemap.api.app import create_app
from onemap.api.deps import ApiSettings
from onemap.cli.main import main
from onemap.store.access import Role
from onemap.store.workspace import Workspace
from onemap.users.models import UserCreate
from onemap.users.service import UserService

from fastapi.testclient import TestClient

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from change_world import write_world

EXPORTS = ["cases.export", "cases.sheet", "change.export", "ledgers.export",
           "indicators.report", "indicators.export"]


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory):
    ws = Workspace.create(tmp_path_factory.mktemp("sec-audit") / "ws")
    write_world(ws)
    users = UserService(ws)
    headers = {}
    for name, role, regions in [("prov", Role.ADMIN, ["360000"]),
                                ("west", Role.INSPECTOR, ["360111"]),
                                ("city", Role.ANALYST, ["360100"])]:
        users.add_user(UserCreate(username=name, password="secret-password-1", role=role,
                                  regions=regions))
        headers[name] = {"Authorization": f"Bearer {users.create_token(name).token}"}
    client = TestClient(create_app(ApiSettings(workspace=ws.root), ws))
    batch = client.post("/change/batches", json={"from_year": 2019, "to_year": 2020},
                        headers=headers["prov"]).json()["id"]
    client.post("/cases/open", json={"batch_id": batch}, headers=headers["prov"])
    client.post(f"/ledgers/post/{batch}", headers=headers["prov"])
    yield client, headers, ws, batch
    ws.close()


def _count(ws: Workspace, action: str) -> int:
    return len(ws.audit_log(10_000, action=action))


def test_every_case_transition_is_audited(env) -> None:
    client, h, ws, _batch = env
    case = next(c for c in client.get("/cases", headers=h["west"]).json()
                if c["status"] == "issued" and c["suspected"])
    r = client.post(f"/cases/{case['id']}/transitions", headers=h["west"], json={
        "action": "verify", "verdict": "违法", "expected_version": case["version"]})
    assert r.status_code == 200, r.text
    main(["cases", "transition", str(ws.root), case["case_no"], "approve", "--user", "city",
          "--json"])
    got = [e for e in ws.audit_log(100, action="cases.transition")
           if e.target == case["case_no"]]
    assert [(e.actor, e.detail["action"], e.detail["from"], e.detail["to"])
            for e in reversed(got)] == [("west", "verify", "issued", "submitted"),
                                         ("city", "approve", "submitted", "confirmed")]
    refused = client.post(f"/cases/{case['id']}/transitions", headers=h["west"],
                          json={"action": "approve"})  # not the next step: refused
    assert refused.status_code == 409
    assert len([e for e in ws.audit_log(100, action="cases.transition")
                if e.target == case["case_no"]]) == 2


def test_api_and_cli_downloads_are_audited_alike(env, tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    client, h, ws, batch = env
    case = client.get("/cases", headers=h["prov"]).json()[0]
    before = {a: _count(ws, a) for a in EXPORTS}
    for path in ("/cases/export.xlsx", f"/cases/{case['id']}/sheet.pdf",
                 f"/change/batches/{batch}/matrix.xlsx", "/ledgers/balance.xlsx",
                 "/indicators/report.pdf?year=2020", "/indicators/values.xlsx?year=2020"):
        r = client.get(path, headers=h["city"])
        assert r.status_code == 200, (path, r.text[:200])
    via_api = {a: _count(ws, a) - before[a] for a in EXPORTS}
    assert via_api == dict.fromkeys(EXPORTS, 1)
    for args in (["cases", "list", str(ws.root), "--xlsx", str(tmp_path / "c.xlsx")],
                 ["cases", "sheet", str(ws.root), case["case_no"], "--out",
                  str(tmp_path / "s.html")],
                 ["change", str(ws.root), "--from", "2019", "--to", "2020", "--xlsx",
                  str(tmp_path / "m.xlsx")],
                 ["ledgers", "balance", str(ws.root), "--xlsx", str(tmp_path / "b.xlsx")],
                 ["indicators", "report", str(ws.root), "--year", "2020", "--out",
                  str(tmp_path / "r.html")],
                 ["indicators", "report", str(ws.root), "--year", "2020", "--out",
                  str(tmp_path / "v.xlsx")]):
        main([*args, "--user", "city", "--json"])
    capsys.readouterr()
    via_cli = {a: _count(ws, a) - before[a] - via_api[a] for a in EXPORTS}
    assert via_cli == dict.fromkeys(EXPORTS, 1)
    assert {e.actor for a in EXPORTS for e in ws.audit_log(4, action=a)} == {"city"}


def test_refused_downloads_are_audited_as_refusals_only(env) -> None:
    client, _h, ws, batch = env
    before = {a: _count(ws, a) for a in EXPORTS}
    denied = _count(ws, "access.denied")
    for path in ("/cases/export.xlsx", f"/change/batches/{batch}/matrix.xlsx",
                 "/ledgers/balance.xlsx", "/indicators/values.xlsx?year=2020"):
        assert client.get(path).status_code == 401, path
    assert {a: _count(ws, a) for a in EXPORTS} == before
    assert _count(ws, "access.denied") == denied + 4
