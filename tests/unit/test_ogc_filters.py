"""CQL2-Text evaluation and Part 2 CRS handling (pure functions of the OGC layer)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely

from onemap.api.ogc import crs as ogc_crs
from onemap.api.ogc.cql import FilterEvaluator, attributes, parse_filter
from onemap.errors import InvalidInput


@pytest.fixture
def frame() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"DLBM": ["0101", "0301", "0702", "1101"], "TBMJ": [1.0, 5.0, 10.0, 20.0],
         "DLMC": ["水田", "乔木林地", None, "河流水面"], "GDDB": [3, None, None, None]},
        geometry=[shapely.box(115 + i, 28, 115.5 + i, 28.5) for i in range(4)], crs=4490)


@pytest.mark.parametrize(("text", "want"), [
    ("DLBM = '0101'", [True, False, False, False]),
    ("DLBM <> '0101'", [False, True, True, True]),
    ("TBMJ >= 5 AND TBMJ < 20", [False, True, True, False]),
    ("DLBM = '0101' OR TBMJ > 15", [True, False, False, True]),
    ("NOT (TBMJ > 2)", [True, False, False, False]),
    ("DLBM IN ('0301', '1101')", [False, True, False, True]),
    ("DLBM NOT IN ('0301', '1101')", [True, False, True, False]),
    ("DLMC LIKE '%地'", [False, True, False, False]),
    ("DLMC IS NULL", [False, False, True, False]),
    ("GDDB IS NOT NULL", [True, False, False, False]),
    ("TBMJ BETWEEN 5 AND 10", [False, True, True, False]),
    ("S_INTERSECTS(geometry, POINT(116.2 28.2))", [False, True, False, False]),
    ("S_INTERSECTS(geometry, BBOX(115.2, 28.1, 116.2, 28.2))", [True, True, False, False]),
    ("DLBM = 301", [False, True, False, False]),  # numbers compare with text codes as text
])
def test_cql2_text(frame: gpd.GeoDataFrame, text: str, want: list[bool]) -> None:
    got = FilterEvaluator(frame).mask(parse_filter(text))
    assert got.tolist() == want


def test_bad_filters_are_invalid_input(frame: gpd.GeoDataFrame) -> None:
    with pytest.raises(InvalidInput):
        parse_filter("DLBM = ")
    with pytest.raises(InvalidInput):
        FilterEvaluator(frame).mask(parse_filter("NOPE = 1"))
    got = attributes(parse_filter("AA = 1 AND (BB > 2 OR CC IS NULL)"))
    assert got == {"AA", "BB", "CC"}


def test_crs_axis_order_and_round_trip() -> None:
    pts = np.array([shapely.Point(115.9, 28.6)])
    lat_lon = ogc_crs.from_storage(pts, 4490)[0]
    assert (lat_lon.x, lat_lon.y) == (28.6, 115.9)
    gk = ogc_crs.from_storage(pts, 4527)[0]  # zone 39, northing first
    assert 3_100_000 < gk.x < 3_200_000 and 39_000_000 < gk.y < 40_000_000
    back = ogc_crs.to_storage(np.array([gk]), 4527)[0]
    assert back.distance(pts[0]) < 1e-9
    box = ogc_crs.bbox_to_storage((28.5, 115.8, 28.7, 116.0), 4490)
    assert box == pytest.approx((115.8, 28.5, 116.0, 28.7))
    with pytest.raises(InvalidInput):
        ogc_crs.parse_crs("http://www.opengis.net/def/crs/EPSG/0/3857")
