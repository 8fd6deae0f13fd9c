"""Property tests of the vintage diff: additivity of patch areas, symmetry, no-change."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from onemap.change.diff import diff_vintages
from onemap.change.models import SliverRules
from onemap.geometry.area import ellipsoidal_area

CODES = ["0101", "0103", "0301", "0702", "0201"]
NONE = SliverRules(min_area_construction_m2=0, min_area_farmland_m2=0, min_area_other_m2=0,
                   min_width_m=0)


def _grid(codes: list[int]) -> gpd.GeoDataFrame:
    cells = [shapely.box(116 + i * 0.001, 28 + j * 0.001, 116 + (i + 1) * 0.001,
                         28 + (j + 1) * 0.001) for j in range(4) for i in range(4)]
    return gpd.GeoDataFrame({"BSM": [f"c{k}" for k in range(16)],
                             "DLBM": [CODES[c] for c in codes]}, geometry=cells, crs=4490)


changes = st.lists(st.tuples(st.integers(0, 15), st.floats(0.05, 0.45), st.floats(0.05, 0.45),
                             st.integers(0, 4)), min_size=0, max_size=6, unique_by=lambda t: t[0])


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(0, 4), min_size=16, max_size=16), changes)
def test_patch_area_equals_area_that_changed_class(codes, edits):
    old = _grid(codes)
    geoms, dlbm = list(old.geometry), list(old.DLBM)
    changed_area = 0.0
    for k, fx, fy, to in edits:
        cell = geoms[k]
        x0, y0, x1, y1 = cell.bounds
        cut = shapely.box(x0 + fx * 0.001, y0 + fy * 0.001, x1 - 0.0002, y1 - 0.0002)
        geoms[k] = cell.difference(cut)
        geoms.append(cut)
        dlbm.append(CODES[to])
        if CODES[to] != dlbm[k]:
            changed_area += float(ellipsoidal_area([cut])[0])
    new = gpd.GeoDataFrame({"BSM": [f"n{k}" for k in range(len(geoms))], "DLBM": dlbm},
                           geometry=geoms, crs=4490)
    patches, _ = diff_vintages(old, new, county="360111", sliver=NONE)
    assert np.isclose(patches["area_m2"].sum(), changed_area, rtol=1e-9, atol=1e-6)
    assert (patches["from_code"] != patches["to_code"]).all()
    back, _ = diff_vintages(new, old, county="360111", sliver=NONE)
    assert np.isclose(back["area_m2"].sum(), changed_area, rtol=1e-9, atol=1e-6)
    same, st_ = diff_vintages(new, new.copy(), county="360111", sliver=NONE)
    assert len(same) == 0 and st_.pairs_tested == 0
