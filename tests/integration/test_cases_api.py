"""Change, cases and ledger routes through the real app (TestClient), with tokens and scope."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest

from onemap.api.app import create_app
from onemap.api.deps import ApiSettings
from onemap.cases.models import Attachment, Case, CaseDetail, OpenCasesResult
from onemap.change.models import BatchSummary, ChangePatch, MatrixCell
from onemap.ledgers.models import LedgerReport, PostResult
from onemap.store.access import Role
from onemap.users.models import UserCreate
from onemap.users.service import UserService

from fastapi.testclient import TestClient

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from change_world import write_world

USERS = {"prov": (Role.ADMIN, ["360000"]), "city": (Role.ANALYST, ["360100"]),
         "west": (Role.INSPECTOR, ["360111"]), "east": (Role.INSPECTOR, ["360121"])}


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    from onemap.store.workspace import Workspace

    ws = Workspace.create(tmp_path_factory.mktemp("api") / "ws")
    write_world(ws)
    users = UserService(ws)
    headers = {}
    for name, (role, regions) in USERS.items():
        users.add_user(UserCreate(username=name, password="secret-pw-0001", role=role,
                                  regions=regions))
        headers[name] = {"Authorization": f"Bearer {users.create_token(name).token}"}
    client = TestClient(create_app(ApiSettings(workspace=ws.root), ws))
    yield client, headers, ws
    ws.close()


def test_detect_issue_act_and_report(api):
    client, h, _ = api
    r = client.post("/change/batches", json={"from_year": 2019, "to_year": 2020},
                    headers=h["prov"])
    assert r.status_code == 201, r.text
    batch = BatchSummary.model_validate(r.json())
    r = client.get(f"/change/batches/{batch.id}/patches", headers=h["west"])
    west = [ChangePatch.model_validate(p) for p in r.json()]
    assert west and {p.county for p in west} == {"360111"}
    cells = [MatrixCell.model_validate(c) for c in
             client.get(f"/change/batches/{batch.id}/matrix", headers=h["prov"]).json()]
    assert sum(c.patches for c in cells) == batch.patches
    assert client.get(f"/change/batches/{batch.id}/matrix.xlsx",
                      headers=h["prov"]).content[:2] == b"PK"

    opened = OpenCasesResult.model_validate(
        client.post("/cases/open", json={"batch_id": batch.id}, headers=h["prov"]).json())
    assert len(opened.created) == 8
    east_cases = [Case.model_validate(c) for c in client.get("/cases", headers=h["east"]).json()]
    assert {c.county for c in east_cases} == {"360121"}
    case = next(c for c in opened.created if c.county == "360111" and c.suspected)

    assert client.get(f"/cases/{case.id}", headers=h["east"]).status_code == 403
    body = {"action": "verify", "verdict": "违法", "comment": "未批先建",
            "expected_version": case.version}
    r = client.post(f"/cases/{case.id}/transitions", json=body, headers=h["west"])
    assert r.status_code == 200 and Case.model_validate(r.json()).status == "submitted"
    r = client.post(f"/cases/{case.id}/transitions", json=body, headers=h["west"])
    assert r.status_code == 409 and r.json()["code"] == "conflict"
    r = client.post(f"/cases/{case.id}/transitions", json={"action": "approve"},
                    headers=h["west"])
    assert r.status_code == 409 and r.json()["code"] == "transition_refused"
    r = client.post(f"/cases/{case.id}/transitions", json={"action": "approve"},
                    headers=h["city"])
    assert Case.model_validate(r.json()).illegal

    photo = b"\xff\xd8\xff" + b"photo" * 100
    r = client.post(f"/cases/{case.id}/attachments", headers=h["west"],
                    files={"file": ("现场.jpg", io.BytesIO(photo), "image/jpeg")},
                    data={"comment": "现场照片"})
    assert r.status_code == 201, r.text
    att = Attachment.model_validate(r.json())
    got = client.get(f"/cases/attachments/{att.id}", headers=h["west"])
    assert got.content == photo and got.headers["x-checksum-sha256"] == att.sha256
    detail = CaseDetail.model_validate(client.get(f"/cases/{case.id}", headers=h["prov"]).json())
    assert [e.action.value for e in detail.events] == ["create", "verify", "approve", "attach"]

    pdf = client.get(f"/cases/{case.id}/sheet.pdf", headers=h["west"])
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content[:4] == b"%PDF"

    posted = PostResult.model_validate(
        client.post(f"/ledgers/post/{batch.id}", headers=h["prov"]).json())
    assert posted.entries == 4
    assert client.post(f"/ledgers/post/{batch.id}", headers=h["prov"]).status_code == 409
    report = LedgerReport.model_validate(client.get("/ledgers/balance?year=2020",
                                                    headers=h["prov"]).json())
    assert report.warnings == 1
    east_report = LedgerReport.model_validate(client.get("/ledgers/balance",
                                                         headers=h["east"]).json())
    assert east_report.rows == []
    assert client.get("/ledgers/balance.xlsx", headers=h["city"]).content[:2] == b"PK"


def test_anonymous_and_readonly_cannot_act(api):
    client, _, _ = api
    for path in ("/cases", "/change/batches", "/ledgers/balance", "/ledgers/entries",
                 "/cases/1", "/cases/warnings"):
        r = client.get(path)
        assert r.status_code in (401, 403), (path, r.status_code)
    r = client.post("/change/batches", json={"from_year": 2019, "to_year": 2020})
    assert r.status_code in (401, 403)


def _ensure_cases(client, h) -> None:
    """Issue cases when this test runs before (or without) the one that does (xdist)."""
    if client.get("/cases", headers=h["prov"]).json():
        return
    if not client.get("/change/batches", headers=h["prov"]).json():
        client.post("/change/batches", json={"from_year": 2019, "to_year": 2020},
                    headers=h["prov"])
    batch_id = client.get("/change/batches", headers=h["prov"]).json()[0]["id"]
    client.post("/cases/open", json={"batch_id": batch_id}, headers=h["prov"])


def test_sheet_pdf_text(api, tmp_path):
    client, h, _ = api
    _ensure_cases(client, h)
    cases = [Case.model_validate(c) for c in client.get("/cases", headers=h["prov"]).json()]
    pdf = client.get(f"/cases/{cases[0].id}/sheet.pdf", headers=h["prov"]).content
    (tmp_path / "s.pdf").write_bytes(pdf)
    text = subprocess.run(["pdftotext", str(tmp_path / "s.pdf"), "-"], capture_output=True,
                          text=True, check=True).stdout
    for needle in ("卫片执法图斑举证核查表", cases[0].case_no, "平台预判", "核查结论",
                   "历年地类", "永久基本农田", "生态保护红线", "城镇开发边界", "界址点"):
        assert needle in text, needle


def test_case_detail_lists_only_the_callers_actions(api):
    client, h, _ = api
    r = client.get("/change/batches", headers=h["prov"])
    if not r.json():
        client.post("/change/batches", json={"from_year": 2019, "to_year": 2020},
                    headers=h["prov"])
        batch_id = client.get("/change/batches", headers=h["prov"]).json()[0]["id"]
        client.post("/cases/open", json={"batch_id": batch_id}, headers=h["prov"])
    issued = [Case.model_validate(c) for c in
              client.get("/cases?status=issued&county=360111", headers=h["west"]).json()]
    case = issued[0]

    def actions(user: str) -> list[str]:
        got = client.get(f"/cases/{case.id}", headers=h[user])
        assert got.status_code == 200, got.text
        return [a.value for a in CaseDetail.model_validate(got.json()).allowed_actions]

    assert actions("west")[0] == "verify"
    r = client.post(f"/cases/{case.id}/transitions", headers=h["west"],
                    json={"action": "verify", "verdict": "违法", "expected_version": case.version})
    assert r.status_code == 200, r.text
    west = actions("west")
    assert "approve" not in west and "reject" not in west  # the county inspector may not review
    assert "comment" in west and "attach" in west
    for user in ("city", "prov"):
        assert actions(user)[:2] == ["approve", "reject"], user
    # what is listed is what the server accepts, and what is not listed it refuses
    r = client.post(f"/cases/{case.id}/transitions", json={"action": "approve"},
                    headers=h["west"])
    assert r.status_code == 409 and r.json()["code"] == "transition_refused"
    r = client.post(f"/cases/{case.id}/transitions", json={"action": "approve"},
                    headers=h["city"])
    assert r.status_code == 200, r.text
    assert actions("city")[:2] == ["file", "comment"]  # a confirmed 违法 is filed, not closed
