"""Issue 12 item 1: stored XSS through case attachments.

An attachment's type is sniffed from its bytes (the declared type is ignored), anything
outside the allow-list is refused at upload with the file name and the detected type,
and every attachment is served as a download with ``nosniff`` and a sandbox CSP.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path
from urllib.parse import quote

import pytest
from PIL import Image
from sqlalchemy import func, select

from actors import bearer_headers
from onemap.api.app import create_app
from onemap.api.deps import ApiSettings
from onemap.cases.schema import AttachmentRow, CaseEventRow
from onemap.store.access import Role
from onemap.store.workspace import Workspace

from fastapi.testclient import TestClient

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from change_world import write_world

HTML = (b"<!DOCTYPE html><html><body><script>fetch('/admin/users',{method:'POST'})"
        b"</script>evidence</body></html>")


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (16, 12), (200, 120, 40)).save(out, format="JPEG")
    return out.getvalue()


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory):
    ws = Workspace.create(tmp_path_factory.mktemp("sec-att") / "ws")
    write_world(ws)
    headers = bearer_headers(ws, [("prov", Role.ADMIN, ["360000"]),
                                  ("west", Role.ANALYST, ["360111"])])
    client = TestClient(create_app(ApiSettings(workspace=ws.root), ws))
    batch = client.post("/change/batches", json={"from_year": 2019, "to_year": 2020},
                        headers=headers["prov"]).json()
    client.post("/cases/open", json={"batch_id": batch["id"]}, headers=headers["prov"])
    case = next(c for c in client.get("/cases", headers=headers["west"]).json()
                if c["status"] == "issued")
    yield client, headers, ws, case["id"]
    ws.close()


def _state(ws: Workspace, case_id: int) -> tuple[int, int, int, int]:
    with ws.session() as s:
        files = s.scalar(select(func.count()).select_from(AttachmentRow)) or 0
        events = s.scalar(select(func.count()).select_from(CaseEventRow)
                          .where(CaseEventRow.case_id == case_id)) or 0
    folder = ws.root / "attachments"
    on_disk = sum(1 for p in folder.rglob("*") if p.is_file()) if folder.exists() else 0
    return files, events, on_disk, len(ws.audit_log(1000, action="cases.attach"))


@pytest.mark.parametrize(("name", "declared"), [("evidence.html", "text/html"),
                                                ("x.jpg", "image/jpeg")])
def test_html_attachments_are_refused_and_nothing_is_stored(env, name: str,
                                                            declared: str) -> None:
    client, h, ws, case_id = env
    before = _state(ws, case_id)
    version = client.get(f"/cases/{case_id}", headers=h["west"]).json()["case"]["version"]
    r = client.post(f"/cases/{case_id}/attachments", headers=h["west"],
                    files={"file": (name, io.BytesIO(HTML), declared)})
    assert r.status_code == 400, r.text
    body = r.json()
    assert body["code"] == "attachment_rejected"
    assert name in body["detail"] and "text/html" in body["detail"]
    assert body["filename"] == name and body["detected_type"] == "text/html"
    assert _state(ws, case_id) == before
    assert client.get(f"/cases/{case_id}", headers=h["west"]).json()["case"]["version"] == version


def test_other_types_outside_the_allow_list_are_refused(env) -> None:
    client, h, ws, case_id = env
    before = _state(ws, case_id)
    for name, data, detected in [
        ("photo.svg", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
         "image/svg+xml"),
        ("tool.exe", b"MZ\x90\x00" + bytes(200), "application/x-msdownload"),
        ("note.txt", b"see <script>alert(1)</script>", "text/html"),
        ("blob.bin", bytes(range(256)) * 4, "application/octet-stream"),
    ]:
        r = client.post(f"/cases/{case_id}/attachments", headers=h["west"],
                        files={"file": (name, io.BytesIO(data), "image/png")})
        assert r.status_code == 400, (name, r.text)
        assert r.json()["detected_type"] == detected, name
    assert _state(ws, case_id) == before


def test_a_real_jpeg_is_stored_with_its_sniffed_type_and_served_as_a_download(env) -> None:
    client, h, ws, case_id = env
    before = _state(ws, case_id)
    photo = _jpeg()
    r = client.post(f"/cases/{case_id}/attachments", headers=h["west"],
                    files={"file": ("现场照片.jpg", io.BytesIO(photo), "text/html")})
    assert r.status_code == 201, r.text
    att = r.json()
    assert att["media_type"] == "image/jpeg"  # sniffed; the declared text/html is ignored
    files, events, on_disk, audited = _state(ws, case_id)
    assert (files, events, on_disk, audited) == (before[0] + 1, before[1] + 1, before[2] + 1,
                                                 before[3] + 1)
    got = client.get(f"/cases/attachments/{att['id']}", headers=h["west"])
    assert got.status_code == 200 and got.content == photo
    assert got.headers["content-type"] == "image/jpeg"
    assert got.headers["content-disposition"] == (
        "attachment; filename*=UTF-8''" + quote("现场照片.jpg", safe=""))
    assert got.headers["x-content-type-options"] == "nosniff"
    assert got.headers["content-security-policy"] == "sandbox; default-src 'none'"


def test_attachments_stored_before_the_fix_are_served_as_inert_downloads(env) -> None:
    client, h, ws, case_id = env
    r = client.post(f"/cases/{case_id}/attachments", headers=h["west"],
                    files={"file": ("notes.txt", io.BytesIO("现场核查记录".encode()), "x/y")})
    assert r.status_code == 201, r.text
    att = r.json()
    assert att["media_type"] == "text/plain"
    with ws.session() as s:  # what an upload of the old code stored (rows are append-only)
        row = s.get(AttachmentRow, att["id"])
        old = AttachmentRow(case_id=row.case_id, event_seq=row.event_seq, filename="x.html",
                            path=row.path, sha256=row.sha256, size=row.size,
                            media_type="text/html", uploaded_by=row.uploaded_by,
                            uploaded_at=row.uploaded_at)
        s.add(old)
        s.flush()
        old_id = old.id
    got = client.get(f"/cases/attachments/{old_id}", headers=h["west"])
    assert got.status_code == 200
    assert got.headers["content-type"] == "application/octet-stream"
    assert got.headers["content-disposition"].startswith("attachment;")
    assert got.headers["x-content-type-options"] == "nosniff"


def test_the_cli_refuses_the_same_files(env, tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    from onemap.cli.main import main

    _client, _h, ws, case_id = env
    before = _state(ws, case_id)
    bad = tmp_path / "evidence.html"
    bad.write_bytes(HTML)
    with pytest.raises(SystemExit) as stop:
        main(["cases", "attach", str(ws.root), str(case_id), str(bad), "--user", "west",
              "--json"])
    assert stop.value.code == 3
    out = capsys.readouterr().out
    assert "evidence.html" in out and "text/html" in out
    assert _state(ws, case_id) == before
