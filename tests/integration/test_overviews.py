"""Overviews: class areas and shared edges kept, never stale, scoped tiles, import and backfill."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import geopandas as gpd
import mapbox_vector_tile
import numpy as np
import pytest
import shapely
from sqlalchemy import update

from onemap.api.app import create_app
from onemap.api.deps import ApiSettings
from onemap.api.ogc.tiles import TileAddress, get_tms
from onemap.cli.main import main
from onemap.demo.models import DemoOptions
from onemap.demo.service import build_demo
from onemap.errors import WorkspaceError
from onemap.geometry.area import ellipsoidal_area
from onemap.store.access import Actor, Role
from onemap.store.overviews import BANDS, current_overview
from onemap.store.reader import WorkspaceReader
from onemap.store.schema import LayerRow, OverviewRow
from onemap.store.workspace import Workspace

from fastapi.testclient import TestClient

sys.path.insert(0, str(Path(__file__).resolve().parent))
from api_helpers import build_workspace, dltb_frame, token_for, workspace_copy

COUNTIES = ["360111", "360121"]  # 360111's DLTB has unmatched shared vertices; 360121 is clean


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("overviews") / "ws"
    build_demo(root, DemoOptions(scale="small", counties=COUNTIES, picture=False, workers=1))
    ws = Workspace.open(root)
    yield ws
    ws.close()


def _overview(ws: Workspace, part) -> gpd.GeoDataFrame:
    return gpd.read_parquet(ws.root / part.overview.path)


def test_demo_writes_current_overviews_without_sensitive_fields(demo) -> None:
    for kind, vintage in [("dltb", 2020), ("dltb", 2019), ("pbf", 2020)]:
        parts = demo.partitions(kind, vintage)
        assert parts and all(current_overview(p) for p in parts), kind
    ov = _overview(demo, demo.partitions("dltb", 2020)[0])
    assert set(ov.columns) == {"band", "DLBM", "county", "tolerance", "geometry"}
    assert set(ov.band) == {b.name for b in BANDS}
    assert not any(p.overview for p in demo.partitions("hazard_point", 2020))  # points: none


def test_overview_class_areas_within_one_percent_of_full_detail(demo) -> None:
    """Every class, however small its share: no threshold (the tolerance adapts per county)."""
    full: dict[str, float] = {}
    over: dict[tuple[str, str], float] = {}
    for part in demo.partitions("dltb", 2020):
        frame = demo.read_partition(part, columns=["DLBM"])
        for code, area in zip(frame.DLBM, ellipsoidal_area(frame.geometry.to_numpy()),
                              strict=True):
            full[code] = full.get(code, 0.0) + float(area)
        ov = _overview(demo, part)
        for band, code, area in zip(ov.band, ov.DLBM,
                                    ellipsoidal_area(ov.geometry.to_numpy()), strict=True):
            over[(band, code)] = over.get((band, code), 0.0) + float(area)
    assert len(full) > 20
    for band in BANDS:
        errors = {c: abs(over.get((band.name, c), 0.0) / a - 1) for c, a in full.items()}
        worst = max(errors, key=errors.__getitem__)
        assert errors[worst] <= 0.01, (band.name, worst, errors[worst])


def test_dissolved_classes_keep_shared_edges(demo) -> None:
    for part in demo.partitions("dltb", 2020):
        source = demo.read_partition(part, columns=["DLBM"]).geometry.to_numpy()
        ov = _overview(demo, part)
        for band in BANDS:
            geoms = ov[ov.band == band.name].geometry.to_numpy()
            total = float(shapely.area(geoms).sum())
            union = shapely.union_all(geoms)
            assert total - union.area <= 1e-6 * total  # no overlaps between classes
            holes = shapely.difference(shapely.union_all(source), union).area
            assert holes <= 0.003 * total  # no gaps (only the outline moves, within tolerance)
            if shapely.coverage_is_valid(source):  # clean input: a valid coverage out
                assert shapely.coverage_is_valid(geoms)


def _tile_url(cid: str, lon: float, lat: float, z: int) -> str:
    t = get_tms("WebMercatorQuad").tile(lon, lat, z)
    return f"/collections/{cid}/tiles/WebMercatorQuad/{t.z}/{t.y}/{t.x}"


def _features(client: TestClient, url: str, headers: dict[str, str], cid: str) -> list[dict]:
    r = client.get(url, headers=headers)
    assert r.status_code == 200, r.text
    return mapbox_vector_tile.decode(r.content).get(cid, {"features": []})["features"]


@pytest.fixture(scope="module")
def small_base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("small") / "ws"
    build_workspace(root).close()
    return root


@pytest.fixture
def small(small_base: Path, tmp_path: Path):
    """A copy of the API test workspace (three counties, users), for one test to change."""
    ws = workspace_copy(small_base, tmp_path)
    client = TestClient(create_app(ApiSettings(workspace=ws.root), ws))
    yield ws, client
    ws.close()


def test_low_zoom_tiles_come_from_overviews_and_stay_in_scope(small) -> None:
    ws, c = small
    url = _tile_url("dltb_2020", 115.95, 28.65, 8)  # 360111 and 360121 in one tile
    admin = _features(c, url, token_for(ws, "admin"), "dltb_2020")
    assert {f["properties"]["county"] for f in admin} >= {"360111", "360121"}
    assert all("fid" not in f["properties"] and f["properties"]["generalised"] == 1
               for f in admin)  # class polygons, not survey polygons
    county = _features(c, url, token_for(ws, "qingshanhu"), "dltb_2020")
    assert county and {f["properties"]["county"] for f in county} == {"360111"}
    detail = _features(c, _tile_url("dltb_2020", 115.95, 28.65, 12), token_for(ws, "admin"),
                       "dltb_2020")
    assert detail and all("fid" in f["properties"] for f in detail)


def test_public_overview_tiles_are_coarsened(small) -> None:
    ws, c = small
    ws.set_layer_access("dltb", 2020, classification="public")
    z = 9
    t = get_tms("WebMercatorQuad").tile(115.95, 28.65, z)
    west, _s, east, _n = TileAddress("WebMercatorQuad", z, t.x, t.y).bounds()
    feats = _features(c, _tile_url("dltb_2020", 115.95, 28.65, z), {}, "dltb_2020")
    assert feats and all("generalised" in f["properties"] for f in feats)
    xy = np.array([p for f in feats for p in _coords(f["geometry"])], dtype=float)
    inner = ((xy > -60) & (xy < 4096 + 60)).all(axis=1)  # not on the clipped buffer edge
    xs = xy[inner, 0]
    lon = west + xs / 4096 * (east - west)
    units_per_grid = 0.001 / (east - west) * 4096  # public coordinates: 3 decimals
    off = np.abs(lon * 1000 - np.round(lon * 1000)) * units_per_grid
    assert len(xs) > 10 and off.max() <= 0.51


def _coords(geometry: dict) -> list[tuple[float, float]]:
    coords = geometry["coordinates"]
    if geometry["type"] == "Polygon":
        coords = [coords]
    return [tuple(p) for poly in coords for ring in poly for p in ring]


def test_rewritten_partition_never_uses_the_old_overview(small) -> None:
    ws, c = small
    admin = token_for(ws, "admin")
    url = _tile_url("dltb_2020", 115.95, 28.65, 8)
    before = c.get(url, headers=admin)
    old = next(p for p in ws.partitions("dltb", 2020) if p.county == "360111")
    frame = dltb_frame()
    frame = frame[frame.ZLDWDM.str.startswith("360111")].copy()
    frame["DLBM"] = "1101"
    ws.write_layer("dltb", 2020, frame)
    new = next(p for p in ws.partitions("dltb", 2020) if p.county == "360111")
    assert current_overview(new) and new.overview.path != old.overview.path
    assert not (ws.root / old.overview.path).exists()
    after = c.get(url, headers=admin)
    assert after.headers["etag"] != before.headers["etag"]
    feats = mapbox_vector_tile.decode(after.content)["dltb_2020"]["features"]
    assert {f["properties"]["DLBM"] for f in feats
            if f["properties"]["county"] == "360111"} == {"1101"}
    # an overview recorded for other contents than the partition's is not drawn
    with ws.session() as s:  # (and the layer's revision moves, as on any catalog change)
        s.execute(update(OverviewRow).values(source_checksum="0" * 64))
        s.execute(update(LayerRow).values(revision=LayerRow.revision + 1))
    stale = c.get(url, headers=admin)
    assert stale.headers["etag"] != after.headers["etag"]
    feats = mapbox_vector_tile.decode(stale.content)["dltb_2020"]["features"]
    assert feats and any("fid" in f["properties"] for f in feats)  # full-detail path
    reader = WorkspaceReader(ws)
    data = reader.scoped(Actor(username="prov", role=Role.ADMIN, regions=["360000"]))
    entry = data.layer("dltb", 2020)
    assert data.overviews(entry, (115.0, 28.0, 117.0, 30.0), "A") is None


def test_failed_commit_leaves_no_overview_files(small) -> None:
    ws, _c = small
    written = ws.write_partitions("dltb", 2021, dltb_frame(per_side=2))
    assert all(w.overview is not None and (ws.root / w.overview.path).exists()
               for w in written)
    with pytest.raises(WorkspaceError):
        ws.commit_partitions("dltb", 2021, [*written, written[0]])
    assert not any((ws.root / w.overview.path).exists() for w in written if w.overview)
    assert not ws.has_layer("dltb", 2021)


def _cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, dict]:
    try:
        main([*map(str, argv), "--json"])
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    out = capsys.readouterr().out
    return code, json.loads(out) if out.strip() else {}


def test_import_writes_overviews(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ws = Workspace.create(tmp_path / "ws")
    ws.close()
    src = tmp_path / "dltb.geojson"
    dltb_frame().to_file(src, driver="GeoJSON")
    code, report = _cli(["import", tmp_path / "ws", src, "--kind", "dltb", "--vintage", "2020"],
                        capsys)
    assert code == 0, report
    ws = Workspace.open(tmp_path / "ws")
    parts = ws.partitions("dltb", 2020)
    assert len(parts) == 3 and all(current_overview(p) for p in parts)
    ws.close()


def test_backfill_command_makes_missing_overviews_once(small, capsys) -> None:
    ws, _c = small
    paths = [p.overview.path for p in ws.partitions("dltb", 2020)]
    with ws.session() as s:  # a workspace built before overviews existed
        s.query(OverviewRow).delete()
    for rel in paths:
        (ws.root / rel).unlink()
    assert not any(p.overview for p in ws.partitions("dltb", 2020))
    args = ["layers", "overviews", ws.root, "dltb", "2020", "--workers", "2"]
    code, first = _cli(args, capsys)
    assert code == 0, first
    assert sorted(first["made"]) == ["360111", "360121", "360203"] and first["current"] == 0
    assert first["area_error"] <= 0.005
    assert first["seed"]["rendered"] > 0 and first["seed"]["zooms"] == [6, 7, 8, 9]
    parts = ws.partitions("dltb", 2020)
    assert all(current_overview(p) and (ws.root / p.overview.path).exists() for p in parts)
    code, again = _cli(args, capsys)
    assert code == 0 and again["made"] == [] and again["current"] == 3
    assert again["seed"]["rendered"] == 0 and again["seed"]["skipped"] == first["seed"]["tiles"]
    assert [p.overview for p in ws.partitions("dltb", 2020)] == [p.overview for p in parts]
    assert ws.audit_log(1, action="layer.overviews")
    code, error = _cli(["layers", "overviews", ws.root, "hazard_point", "2023"], capsys)
    assert code != 0 and error["error"]["code"] == "invalid_input"
