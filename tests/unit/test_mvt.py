"""The vectorised MVT encoder agrees with mapbox_vector_tile's reference encoder."""

from __future__ import annotations

import mapbox_vector_tile
import numpy as np
import shapely

from onemap.api.ogc.mvt import encode_layer

OPTS = {"y_coord_down": True}


def _decode(blob: bytes) -> list[dict]:
    return mapbox_vector_tile.decode(blob, default_options=OPTS)["L"]["features"]


def test_polygons_holes_multiparts_and_points_round_trip() -> None:
    rng = np.random.default_rng(5)
    blobs = list(shapely.buffer(shapely.points(rng.uniform(100, 4000, (200, 2))), 25,
                                quad_segs=3))
    donut = shapely.Polygon([(0, 0), (0, 1000), (1000, 1000), (1000, 0)],
                            [[(200, 200), (800, 200), (800, 800), (200, 800)]])
    ccw = shapely.Polygon([(0, 0), (100, 0), (100, 100), (0, 100)])  # wrong winding in
    multi = shapely.MultiPolygon([shapely.box(10, 10, 50, 50), shapely.box(60, 60, 90, 90)])
    geoms = [donut, ccw, multi, shapely.Point(5, 7), *blobs]
    feats = [{"geometry": g, "properties": {"DLBM": "0101", "n": i, "x": 1.5, "ok": True}}
             for i, g in enumerate(geoms)]
    mine = _decode(encode_layer("L", feats))
    ref = _decode(mapbox_vector_tile.encode(
        [{"name": "L", "features": feats}],
        default_options={"extents": 4096, "y_coord_down": True, "quantize_bounds": None}))
    assert len(mine) == len(ref) == len(geoms)
    for a, b in zip(mine, ref, strict=True):
        assert a["properties"] == b["properties"]
        ga, gb = shapely.geometry.shape(a["geometry"]), shapely.geometry.shape(b["geometry"])
        assert ga.geom_type == gb.geom_type and ga.equals(gb)
    assert shapely.geometry.shape(mine[0]["geometry"]).area == 1000 * 1000 - 600 * 600


def test_collapsed_rings_are_skipped() -> None:
    sliver = shapely.Polygon([(0, 0), (0.2, 0), (0.2, 0.2)])  # rounds to one point
    keep = shapely.box(0, 0, 10, 10)
    got = _decode(encode_layer("L", [{"geometry": sliver, "properties": {}},
                                     {"geometry": keep, "properties": {"k": 1}}]))
    assert len(got) == 1 and got[0]["properties"] == {"k": 1}
