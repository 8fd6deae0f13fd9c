"""Imports check each feature's county claim against the workspace's county boundaries.

Reproduces issue 12 item 3 (a 360111 analyst planted a PBF polygon lying in 360702,
tagged ``XZQDM=360111001``; it was stored under 360111), the role refusals of item 11
(inspectors and readonly users import nothing) and the temporary upload path of item 12
(an import report or error named the server's temporary folder).
"""

from __future__ import annotations

import io
import json
import sys
import tempfile
import zipfile
from pathlib import Path

import geopandas as gpd
import pytest
import shapely

from actors import SYSTEM
from onemap.api.app import create_app
from onemap.api.deps import ApiSettings
from onemap.cli.main import main
from onemap.errors import ImportRejected, ScopeViolation
from onemap.store.access import Actor, Role
from onemap.store.formats.models import ImportReport, ImportRequest
from onemap.store.importer import import_file
from onemap.store.workspace import Workspace
from onemap.users.models import UserCreate
from onemap.users.service import UserService

from fastapi.testclient import TestClient

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "data"))
from typing import TYPE_CHECKING

import make_fixtures

if TYPE_CHECKING:
    from collections.abc import Iterator

# Toy county outlines (0.1° squares): 360111 and 360121 share the meridian 116.0°E,
# 360702 lies further south-west, as in Jiangxi.
BOXES = {"360111": (115.90, 28.60), "360121": (116.00, 28.60), "360702": (114.90, 25.80)}
PASSWORD = "a-long-enough-password"
TMP = tempfile.gettempdir() + "/"
ANALYST = Actor(username="qsh", role=Role.ANALYST, regions=["360111"])


def _box(county: str, dx: float, dy: float, size: float = 0.01) -> shapely.Polygon:
    x, y = BOXES[county]
    return shapely.box(x + dx, y + dy, x + dx + size, y + dy + size)


def _admin() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"XZQDM": list(BOXES), "XZQMC": ["青山湖区", "南昌县", "章贡区"]},
                            geometry=[shapely.box(x, y, x + 0.1, y + 0.1)
                                      for x, y in BOXES.values()], crs=4490)


def _pbf(rows: list[tuple[str, str | None, shapely.Geometry]]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"BSM": [r[0] for r in rows], "XZQDM": [r[1] for r in rows],
                             "DLBM": "0101", "MJ": 1.0},
                            geometry=[r[2] for r in rows], crs=4490)


@pytest.fixture
def ws(tmp_path: Path) -> Iterator[Workspace]:
    ws = Workspace.create(tmp_path / "ws")
    ws.write_layer("admin_county", None, _admin())
    # 360702's own farmland, which the planted polygon would sit next to
    ws.write_layer("pbf", 2024, _pbf([("PBF-702-1", "360702001", _box("360702", 0.02, 0.02)),
                                      ("PBF-111-1", "360111001", _box("360111", 0.02, 0.02))]))
    users = UserService(ws)
    for name, role, region in [("qsh", Role.ANALYST, "360111"), ("zg", Role.ANALYST, "360702"),
                               ("insp", Role.INSPECTOR, "360111"),
                               ("ro", Role.READONLY, "360111"), ("admin", Role.ADMIN, "360000")]:
        users.add_user(UserCreate(username=name, password=PASSWORD, role=role, regions=[region]))
    yield ws
    ws.close()


def _state(ws: Workspace) -> tuple[object, ...]:
    layers = [(i.kind, i.vintage, i.features, i.revision, i.area_m2) for i in ws.list_layers()]
    files = sorted(str(p.relative_to(ws.root)) for p in (ws.root / "layers").rglob("*")
                   if p.is_file())
    staging = ws.root / ".import-staging"  # empty process folders may stay; files may not
    return layers, files, sorted(str(p) for p in staging.rglob("*") if p.is_file())


def _write(frame: gpd.GeoDataFrame, path: Path) -> Path:
    frame.to_file(path, driver="GeoJSON")
    return path


def _request(path: Path, **kw: object) -> ImportRequest:
    return ImportRequest(path=path, kind="pbf", vintage=2024, **kw)


def test_a_polygon_planted_in_another_county_is_refused(ws: Workspace, tmp_path: Path) -> None:
    planted = _write(_pbf([("PLANT-1", "360111001", _box("360702", 0.05, 0.05))]),
                     tmp_path / "planted.geojson")
    before = _state(ws)
    with pytest.raises(ImportRejected) as info:
        import_file(ws, _request(planted), actor=ANALYST)
    rejected = info.value.extra["rejected"]
    assert [r["index"] for r in rejected] == [0] and "PLANT-1" in rejected[0]["feature_id"]
    assert (rejected[0]["claimed_county"], rejected[0]["located_county"]) == ("360111", "360702")
    assert "360111" in rejected[0]["reasons"][0] and "360702" in rejected[0]["reasons"][0]
    assert "PLANT-1" in info.value.user_message
    with pytest.raises(ImportRejected, match="no feature left"):  # --skip-invalid drops it
        import_file(ws, _request(planted, skip_invalid=True), actor=ANALYST)
    with pytest.raises(ImportRejected):  # an admin may not mislabel a county either
        import_file(ws, _request(planted), actor=SYSTEM)
    assert _state(ws) == before  # catalog, partition files, no staging left
    assert sorted(ws.read_layer("pbf", 2024, counties=["360702"])["BSM"]) == ["PBF-702-1"]
    refused = ws.audit_log(action="import.claims_refused")
    assert refused and refused[0].detail["features"][0].startswith("0 (BSM PLANT-1)")


def test_a_mixed_file_imports_only_the_true_claims(ws: Workspace, tmp_path: Path) -> None:
    mixed = _write(_pbf([("OWN-1", "360111002", _box("360111", 0.05, 0.05)),
                         ("PLANT-2", "360111003", _box("360702", 0.05, 0.05))]),
                   tmp_path / "mixed.geojson")
    report = import_file(ws, _request(mixed, skip_invalid=True), actor=ANALYST)
    assert report.features_imported == 1 and report.counties == ["360111"]
    assert [r.feature_id for r in report.rejected] == ["1 (BSM PLANT-2)"]
    assert sorted(ws.read_layer("pbf", 2024, counties=["360111"])["BSM"]) == ["OWN-1"]
    assert sorted(ws.read_layer("pbf", 2024, counties=["360702"])["BSM"]) == ["PBF-702-1"]


def test_the_cli_refuses_the_planted_polygon_too(ws: Workspace, tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    planted = _write(_pbf([("PLANT-3", "360111001", _box("360702", 0.05, 0.05))]),
                     tmp_path / "planted.geojson")
    before = _state(ws)
    with pytest.raises(SystemExit) as info:
        main(["import", str(ws.root), str(planted), "--kind", "pbf", "--vintage", "2024",
              "--user", "qsh", "--json"])
    assert info.value.code == 4
    error = json.loads(capsys.readouterr().out)["error"]
    assert error["rejected"][0]["located_county"] == "360702"
    assert _state(ws) == before


def test_a_straddling_feature_goes_to_its_majority_county(ws: Workspace, tmp_path: Path) -> None:
    x = BOXES["360121"][0]  # the shared boundary, 116.0°E
    straddle = shapely.box(x - 0.007, 28.65, x + 0.003, 28.66)  # 70 % in 360111
    path = _write(_pbf([("S-1", "360111004", straddle)]), tmp_path / "s.geojson")
    wrong = _write(_pbf([("S-2", "360121004", straddle)]), tmp_path / "w.geojson")
    untagged = _write(_pbf([("S-3", None, straddle)]).drop(columns="XZQDM"),
                      tmp_path / "u.geojson")
    before = _state(ws)
    with pytest.raises(ImportRejected) as info:  # the minority county's claim fails
        import_file(ws, _request(wrong), actor=SYSTEM)
    located = info.value.extra["rejected"][0]
    assert (located["claimed_county"], located["located_county"]) == ("360121", "360111")
    assert "70" in located["reasons"][0]  # the share inside the majority county
    assert _state(ws) == before
    assert import_file(ws, _request(path), actor=ANALYST).counties == ["360111"]
    report = import_file(ws, ImportRequest(path=untagged, kind="pbf", vintage=2025),
                         actor=SYSTEM)
    assert report.counties == ["360111"]


def test_points_hold_their_claim_within_the_boundary_tolerance(ws: Workspace,
                                                               tmp_path: Path) -> None:
    from onemap.store.counties import BOUNDARY_TOLERANCE_M

    x0, y0 = BOXES["360111"]
    metre = 1 / 110_900  # degrees of latitude per metre near 28.6°N
    assert BOUNDARY_TOLERANCE_M == 1.0
    points = gpd.GeoDataFrame(
        {"ZHDBH": ["ON-EDGE", "HALF-METRE-OUT", "FAR-OUT"],
         "XZQDM": ["360111001", "360111001", "360111001"]},
        geometry=[shapely.Point(x0 + 0.05, y0), shapely.Point(x0 + 0.05, y0 - 0.5 * metre),
                  shapely.Point(x0 + 0.15, y0 + 0.05)], crs=4490)  # the last in 360121
    path = _write(points, tmp_path / "p.geojson")
    report = import_file(ws, ImportRequest(path=path, kind="hazard_point", vintage=2024,
                                           skip_invalid=True), actor=ANALYST)
    assert report.features_imported == 2
    assert [(r.feature_id, r.located_county) for r in report.rejected] == [
        ("2 (ZHDBH FAR-OUT)", "360121")]


def test_out_of_scope_features_are_refused_with_ids_and_counties(ws: Workspace,
                                                                 tmp_path: Path) -> None:
    theirs = _write(_pbf([("THEIRS-1", "360702001", _box("360702", 0.05, 0.05)),
                          ("MINE-1", "360111001", _box("360111", 0.05, 0.05)),
                          ("THEIRS-2", None, _box("360121", 0.05, 0.05))]),
                    tmp_path / "theirs.geojson")
    before = _state(ws)
    with pytest.raises(ScopeViolation) as info:
        import_file(ws, _request(theirs), actor=ANALYST)
    assert "360702" in info.value.user_message and "360121" in info.value.user_message
    assert "THEIRS-1" in info.value.reason and "THEIRS-2" in info.value.reason
    assert "MINE-1" not in info.value.reason
    assert info.value.extra["counties"] == ["360121", "360702"]
    assert _state(ws) == before
    denied = ws.audit_log(action="access.denied")
    assert denied and denied[0].actor == "qsh" and denied[0].detail["action"] == "edit"


@pytest.mark.parametrize("role", [Role.INSPECTOR, Role.READONLY, Role.PUBLIC])
def test_inspectors_readonly_and_public_users_cannot_import(ws: Workspace, tmp_path: Path,
                                                            role: Role) -> None:
    mine = _write(_pbf([("MINE-2", "360111001", _box("360111", 0.05, 0.05))]),
                  tmp_path / "mine.geojson")
    before = _state(ws)
    actor = Actor(username=f"u-{role.value}", role=role, regions=["360111"])
    with pytest.raises(ScopeViolation) as info:
        import_file(ws, _request(mine), actor=actor)
    assert "edit" in info.value.reason
    assert _state(ws) == before
    assert ws.audit_log(action="access.denied")[0].actor == actor.username


def test_without_county_boundaries_the_attribute_claim_is_used(tmp_path: Path) -> None:
    ws = Workspace.create(tmp_path / "bare")
    try:
        planted = _write(_pbf([("PLANT-4", "360111001", _box("360702", 0.05, 0.05))]),
                         tmp_path / "planted.geojson")
        assert import_file(ws, _request(planted), actor=ANALYST).counties == ["360111"]
    finally:
        ws.close()


# -- HTTP -------------------------------------------------------------------------------
def _token(ws: Workspace, username: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {UserService(ws).create_token(username).token}"}


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def test_api_reports_and_errors_name_only_the_uploaded_file(ws: Workspace,
                                                            tmp_path: Path) -> None:
    client = TestClient(create_app(ApiSettings(workspace=ws.root), ws))
    admin = _token(ws, "admin")
    before = _state(ws)
    junk = [("file", ("junk.gpkg", b"junk" * 100))]
    broken_zip = [("file", ("parcels.zip", _zip({"inner/junk.gpkg": b"junk" * 100})))]
    for files in (junk, broken_zip):
        for route, params in (("/imports", {"kind": "pbf", "vintage": 2024}), ("/files/area", {})):
            resp = client.post(route, params=params, files=files, headers=admin)
            assert resp.status_code == 422, (route, resp.text)
            assert "onemap-" not in resp.text and TMP not in resp.text, (route, resp.text)
            assert files[0][1][0] in resp.json()["message"]
    planted = _pbf([("PLANT-5", "360111001", _box("360702", 0.05, 0.05))]).to_json()
    resp = client.post("/imports", params={"kind": "pbf", "vintage": 2024},
                       files=[("file", ("planted.geojson", planted.encode()))],
                       headers=_token(ws, "qsh"))
    assert resp.status_code == 422 and resp.json()["rejected"][0]["located_county"] == "360702"
    assert "onemap-" not in resp.text
    for name in ("insp", "ro"):
        resp = client.post("/imports", params={"kind": "pbf", "vintage": 2024},
                           files=[("file", ("planted.geojson", planted.encode()))],
                           headers=_token(ws, name))
        assert resp.status_code == 403, resp.text
    assert _state(ws) == before
    txt = make_fixtures.build(tmp_path / "fx")["parcels_two_with_hole.txt"]
    resp = client.post("/imports", params={"kind": "approval", "vintage": 2024,
                                           "alias": ["DKBH=PZWH"]},
                       files=[("file", (txt.name, txt.read_bytes()))], headers=admin)
    assert resp.status_code == 201, resp.text
    report = ImportReport.model_validate(resp.json())
    assert report.path == report.source.path == "parcels_two_with_hole.txt"
    assert "onemap-" not in resp.text
    assert ws.layer("approval", 2024).source_path == "parcels_two_with_hole.txt"
