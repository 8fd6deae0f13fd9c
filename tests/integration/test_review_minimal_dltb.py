"""A DLTB imported without the optional 三调 fields (KCDLBM, KCXS, GDDB) still reviews."""

from __future__ import annotations

from typing import TYPE_CHECKING

import geopandas as gpd
import shapely
from pyproj import Geod

from actors import SYSTEM
from onemap.review.service import ReviewService, parcels_from_frame

if TYPE_CHECKING:
    from onemap.store.workspace import Workspace


def test_review_without_optional_dltb_fields(workspace: Workspace) -> None:
    dltb = gpd.GeoDataFrame(
        {"BSM": ["1", "2"], "DLBM": ["0101", "0301"],
         "ZLDWDM": ["360111001001", "360111001001"], "TBMJ": [0.0, 0.0]},
        geometry=[shapely.box(115.90, 28.60, 115.91, 28.61),
                  shapely.box(115.91, 28.60, 115.92, 28.61)], crs=4490)
    workspace.write_layer("dltb", 2020, dltb)
    site = gpd.GeoDataFrame({"name": ["s"]}, geometry=[shapely.box(115.905, 28.602, 115.915,
                                                                   28.604)], crs=4490)
    result = ReviewService(workspace).review(parcels_from_frame(site), SYSTEM)
    geod = Geod(a=6378137.0, f=1 / 298.257222101)
    half = abs(geod.geometry_area_perimeter(shapely.box(115.905, 28.602, 115.91, 28.604))[0])
    assert abs(result.landuse["0101"] - half) < 0.01
    assert "1203" not in result.landuse or result.landuse["1203"] == 0
