"""OGC API – Tiles: MVT content, generalisation under the byte budget, ETag, CGCS2000Quad."""

from __future__ import annotations

import geopandas as gpd
import mapbox_vector_tile
import morecantile
import numpy as np
import pytest
import shapely
from api_helpers import build_workspace, token_for

from onemap.api.app import create_app
from onemap.api.deps import ApiSettings
from onemap.api.ogc.tiles import get_tms

from fastapi.testclient import TestClient


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory):
    ws = build_workspace(tmp_path_factory.mktemp("tiles") / "ws")
    # a dense layer: 40 000 small polygons with long rings in one county
    rng = np.random.default_rng(3)
    xs, ys = rng.uniform(114.0, 114.4, 40_000), rng.uniform(27.0, 27.4, 40_000)
    circles = shapely.buffer(shapely.points(xs, ys), 0.0008, quad_segs=16)
    dense = gpd.GeoDataFrame({"BSM": [str(i) for i in range(len(xs))],
                              "DLBM": rng.choice(["0101", "0301", "0702"], len(xs)),
                              "ZLDWDM": "360822001001", "TBMJ": 1.0}, geometry=circles, crs=4490)
    ws.write_layer("dltb", 2021, dense)
    app = create_app(ApiSettings(workspace=ws.root, tile_max_bytes=200_000), ws)
    yield ws, TestClient(app), token_for(ws, "admin")
    ws.close()


def _tile(tms: str, lon: float, lat: float, z: int) -> str:
    t = get_tms(tms).tile(lon, lat, z)
    return f"{tms}/{t.z}/{t.y}/{t.x}"


def test_mvt_tile_has_features_in_tile_units(env) -> None:
    _ws, c, admin = env
    r = c.get(f"/collections/dltb_2020/tiles/{_tile('WebMercatorQuad', 115.95, 28.65, 12)}",
              headers=admin)
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/vnd.mapbox-vector-tile"
    layer = mapbox_vector_tile.decode(r.content)["dltb_2020"]
    assert layer["extent"] == 4096 and len(layer["features"]) > 5
    props = layer["features"][0]["properties"]
    assert {"DLBM", "fid", "county"} <= set(props)
    assert props["county"] == "360111"


def test_etag_and_not_modified(env) -> None:
    _ws, c, admin = env
    url = f"/collections/dltb_2020/tiles/{_tile('WebMercatorQuad', 115.95, 28.65, 10)}"
    first = c.get(url, headers=admin)
    assert first.headers["cache-control"].startswith("private")
    again = c.get(url, headers={**admin, "If-None-Match": first.headers["etag"]})
    assert again.status_code == 304 and again.content == b""


def test_dense_tiles_stay_under_budget_and_drop_small_features(env) -> None:
    _ws, c, admin = env
    sizes = {}
    counts = {}
    for z in (7, 9, 11, 14):
        r = c.get(f"/collections/dltb_2021/tiles/{_tile('WebMercatorQuad', 114.2, 27.2, z)}",
                  headers=admin)
        assert r.status_code == 200
        sizes[z] = len(r.content)
        layer = mapbox_vector_tile.decode(r.content).get("dltb_2021", {"features": []})
        counts[z] = len(layer["features"])
    assert max(sizes.values()) <= 200_000, sizes
    assert counts[7] < 40_000 and counts[14] > 0, counts


def test_low_zoom_coverage_tiles_fill_dropped_polygons_with_a_mosaic(env) -> None:
    _ws, c, admin = env
    low = c.get(f"/collections/dltb_2021/tiles/{_tile('WebMercatorQuad', 114.2, 27.2, 7)}",
                headers=admin)
    feats = mapbox_vector_tile.decode(low.content)["dltb_2021"]["features"]
    mosaic = [f for f in feats if f["properties"].get("generalised") == 1]
    assert mosaic and all(f["properties"]["DLBM"] in ("0101", "0301", "0702") for f in mosaic)
    high = c.get(f"/collections/dltb_2021/tiles/{_tile('WebMercatorQuad', 114.2, 27.2, 13)}",
                 headers=admin)
    feats = mapbox_vector_tile.decode(high.content)["dltb_2021"]["features"]
    assert feats and not any("generalised" in f["properties"] for f in feats)


def test_cgcs2000_quad_and_tilejson(env) -> None:
    _ws, c, admin = env
    tms = c.get("/tileMatrixSets/CGCS2000Quad").json()
    assert tms["id"] == "CGCS2000Quad" and "4490" in str(tms["crs"])
    level0 = tms["tileMatrices"][0]
    assert (level0["matrixWidth"], level0["matrixHeight"]) == (2, 1)
    r = c.get(f"/collections/dltb_2020/tiles/{_tile('CGCS2000Quad', 115.95, 28.65, 11)}",
              headers=admin)
    assert len(mapbox_vector_tile.decode(r.content)["dltb_2020"]["features"]) > 0
    tj = c.get("/collections/dltb_2020/tiles/WebMercatorQuad/tilejson.json", headers=admin).json()
    assert tj["tilejson"] == "3.0.0" and tj["vector_layers"][0]["id"] == "dltb_2020"
    assert "{z}/{y}/{x}" in tj["tiles"][0]
    assert c.get("/collections/dltb_2020/tiles/Nope/1/0/0", headers=admin).status_code == 404
    assert c.get("/collections/dltb_2020/tiles/WebMercatorQuad/3/99/0",
                 headers=admin).status_code == 404
    assert morecantile.tms.get("WebMercatorQuad")  # the standard set is served too
