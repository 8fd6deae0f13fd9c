"""POST /files/area and POST /imports through the real app (TestClient, real workspace)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import shapely
import shapely.affinity

from onemap.api.app import create_app
from onemap.api.deps import ApiSettings
from onemap.store.formats.models import FeatureArea, ImportReport

from fastapi.testclient import TestClient

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "data"))
import make_fixtures
from api_helpers import build_workspace, token_for


@pytest.fixture
def app_ws(tmp_path: Path):
    ws = build_workspace(tmp_path / "ws")
    client = TestClient(create_app(ApiSettings(workspace=ws.root), ws))
    yield client, ws, make_fixtures.build(tmp_path / "fixtures")
    ws.close()


def _shapefile_parts(shp: Path) -> list[tuple[str, tuple[str, bytes]]]:
    return [("file", (p.name, p.read_bytes())) for p in sorted(shp.parent.glob(shp.stem + ".*"))]


def test_area_of_an_uploaded_coordinate_txt(app_ws) -> None:
    client, _, fx = app_ws
    txt = fx["parcels_two_with_hole.txt"]
    resp = client.post("/files/area", files=[("file", (txt.name, txt.read_bytes()))])
    assert resp.status_code == 200, resp.text
    rows = [FeatureArea.model_validate(r) for r in resp.json()]
    assert [r.id for r in rows] == ["DK01", "DK02"] and rows[1].line == 19
    bad = fx["bad_selfintersect.txt"]  # (an unclosed ring is closed on read: lenient)
    resp = client.post("/files/area", files=[("file", (bad.name, bad.read_bytes()))])
    assert resp.status_code == 422
    body = resp.json()
    assert body["code"] == "coordinate_file_error" and body["line"] == 14
    assert "onemap-area-" not in resp.text  # names the upload, not the server's temp folder


def _in_their_counties(folder: Path) -> Path:
    """The GBK fixture Shapefile moved so each polygon lies in the county its ZLDWDM claims.

    The fixture's squares sit just west of this workspace's 360111 outline (its three
    360111 polygons outside every county, its two 360121 ones inside 360111), which
    imports now refuse as contradicted county claims (tests/security/test_import_claims.py).
    """
    frame = make_fixtures.dltb_frame()
    east = [1_000.0 if code.startswith("360111") else 11_000.0 for code in frame["ZLDWDM"]]
    frame["geometry"] = [shapely.affinity.translate(g, dx) for g, dx in
                         zip(frame.geometry, east, strict=True)]
    folder.mkdir(parents=True, exist_ok=True)
    return make_fixtures.write_gbk_shapefile_without_cpg(folder / "dltb_gbk_nocpg.shp", frame)


def test_import_an_uploaded_shapefile_with_scope(app_ws, tmp_path: Path) -> None:
    client, ws, _fx = app_ws
    parts = _shapefile_parts(_in_their_counties(tmp_path / "moved"))
    params = {"kind": "dltb", "vintage": 2019}
    resp = client.post("/imports", params=params, files=parts,
                       headers=token_for(ws, "qingshanhu"))  # county 360111 only
    assert resp.status_code == 403, resp.text
    assert not ws.has_layer("dltb", 2019)
    resp = client.post("/imports", params=params, files=parts, headers=token_for(ws, "viewer121"))
    assert resp.status_code == 403
    checked = client.post("/imports", params={**params, "check": True}, files=parts,
                          headers=token_for(ws, "nanchang"))
    assert checked.status_code == 201 and checked.json()["dry_run"]
    assert not ws.has_layer("dltb", 2019)
    resp = client.post("/imports", params=params, files=parts, headers=token_for(ws, "nanchang"))
    assert resp.status_code == 201, resp.text
    report = ImportReport.model_validate(resp.json())
    assert report.features_imported == 5 and report.source.encoding == "GB18030"
    assert report.path == "dltb_gbk_nocpg.shp"
    assert ws.layer("dltb", 2019).source_path == "dltb_gbk_nocpg.shp"
    again = client.post("/imports", params=params, files=parts, headers=token_for(ws, "nanchang"))
    assert ImportReport.model_validate(again.json()).unchanged


def test_import_rejection_lists_features_and_changes_nothing(app_ws) -> None:
    client, ws, fx = app_ws
    txt = fx["bad_unknown_code.txt"]
    before = [(i.kind, i.vintage, i.revision) for i in ws.list_layers()]
    resp = client.post("/imports", params={"kind": "pbf", "vintage": 2024},
                       files=[("file", (txt.name, txt.read_bytes()))],
                       headers=token_for(ws, "admin"))
    assert resp.status_code == 422
    body = resp.json()
    assert body["code"] == "import_rejected" and body["rejected"][0]["line"] == 13
    assert [(i.kind, i.vintage, i.revision) for i in ws.list_layers()] == before
    resp = client.post("/imports", params={"kind": "dltb"}, content=b"x",
                       headers={**token_for(ws, "admin"), "content-type": "text/plain"})
    assert resp.status_code in (400, 415, 422)  # 415: text/plain is never a body

