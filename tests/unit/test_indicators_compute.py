"""Spatial indicator kernels against plain geopandas / pyproj computations."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import Geod

from onemap.indicators.compute import (
    class_area_m2,
    class_change_m2,
    from_m2,
    intensity_decline,
    reduce_regions,
)

GEOD = Geod(a=6378137.0, f=1 / 298.257222101)  # CGCS2000


def _geod_area(geoms) -> float:
    return float(sum(abs(GEOD.geometry_area_perimeter(g)[0]) for g in geoms))


def test_class_area_uses_tbdlmj_and_falls_back_to_tbmj_minus_kcmj():
    df = pd.DataFrame({"DLBM": ["0101", "0102", "0103", "0701", " 0101"],
                       "TBMJ": [100.0, 80.0, 50.0, 30.0, 10.0],
                       "KCMJ": [10.0, 5.0, None, 0.0, 1.0],
                       "TBDLMJ": [90.0, None, 50.0, 30.0, 9.0]})
    assert class_area_m2(df, ["0101", "0102", "0103"]) == pytest.approx(90 + 75 + 50 + 9)
    assert class_area_m2(df.drop(columns="TBDLMJ"), ["0701"]) == 30.0
    assert class_area_m2(df.iloc[:0], ["0101"]) == 0.0


def test_units():
    assert from_m2(10000 / 15 * 1e4, "万亩") == pytest.approx(1.0)
    assert from_m2(1e6, "km2") == 1.0
    with pytest.raises(Exception, match="unit"):
        from_m2(1.0, "furlong")


def test_class_change_equals_geopandas_overlay():
    rng = np.random.default_rng(3)
    # previous vintage: a 4 x 4 grid of cells; current: a shifted grid
    def grid(dx: float, codes) -> gpd.GeoDataFrame:
        cells = [shapely.box(115 + i * 0.01 + dx, 28 + j * 0.01, 115.01 + i * 0.01 + dx,
                             28.01 + j * 0.01) for i in range(4) for j in range(4)]
        return gpd.GeoDataFrame({"DLBM": codes}, geometry=cells, crs="EPSG:4490")
    prev = grid(0.0, rng.choice(["0101", "0201", "0701", "1001"], 16))
    cur = grid(0.003, rng.choice(["0101", "0701", "0702", "1001"], 16))
    construction = ["0701", "0702", "1001"]
    got = class_change_m2(prev.geometry, prev.DLBM, cur.geometry, cur.DLBM, construction)
    a = cur[cur.DLBM.isin(construction)]
    b = prev[~prev.DLBM.isin(construction)]
    pieces = gpd.overlay(a, b, how="intersection", keep_geom_type=True)
    expected = _geod_area(pieces.geometry)
    assert expected > 0
    assert got == pytest.approx(expected, rel=1e-9)


def test_intensity_decline_and_reductions():
    assert intensity_decline(82.0, 100.0, 100.0, 100.0) == pytest.approx(18.0)
    with pytest.raises(Exception, match="positive"):
        intensity_decline(1.0, 0.0, 1.0, 1.0)
    out = reduce_regions({"360111": 1.0, "360121": 2.0, "360203": 4.0})
    assert out == {"360111": 1.0, "360121": 2.0, "360203": 4.0, "360100": 3.0,
                   "360200": 4.0, "360000": 7.0}
