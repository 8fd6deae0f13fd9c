"""A small DLTB county with known problems, for the quality-check tests.

County 360111 is the box 115.80–115.84 E × 28.60–28.62 N, tiled by a 4 × 2 grid
of 0.01° cells (BSM 1–8), then spoilt on purpose:

* cell 2 is widened 0.002° west, so it overlaps cell 1 by a 0.002° × 0.01° strip;
* cell 8 is missing, leaving one gap of exactly that cell;
* a ninth polygon (BSM 9, ZLDWDM 360111...) lies east of the county;
* BSM 5 is used twice (cells 5 and 6);
* cell 3 has DLBM 9999; cell 4 has TBDLMJ off by 1 m²; cell 7 (forest) carries
  KCXS/KCMJ; cell 1's TBMJ is 1 % too large.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely

from onemap.geometry.area import ellipsoidal_area

X0, Y0, D = 115.80, 28.60, 0.01
COUNTY = shapely.box(X0, Y0, X0 + 4 * D, Y0 + 2 * D)
OVERLAP = shapely.box(X0 + D - 0.002, Y0, X0 + D, Y0 + D)
GAP = shapely.box(X0 + 3 * D, Y0 + D, X0 + 4 * D, Y0 + 2 * D)


def cells() -> list[shapely.Polygon]:
    return [shapely.box(X0 + (i % 4) * D, Y0 + (i // 4) * D, X0 + (i % 4 + 1) * D,
                        Y0 + (i // 4 + 1) * D) for i in range(8)]


def dltb_layer() -> gpd.GeoDataFrame:
    geoms = cells()[:7]
    geoms[1] = shapely.box(X0 + D - 0.002, Y0, X0 + 2 * D, Y0 + D)
    geoms.append(shapely.box(X0 + 5 * D, Y0, X0 + 6 * D, Y0 + D))  # outside the county
    area = np.round(ellipsoidal_area(geoms), 2)
    bsm = ["1", "2", "3", "4", "5", "5", "7", "9"]
    dlbm = ["0101", "0103", "9999", "0702", "0301", "0301", "0301", "1101"]
    kcxs = np.array([0.1, 0.05, 0, 0, 0, 0, 0.05, 0])
    tbmj = area.copy()
    tbmj[0] = round(area[0] * 1.01, 2)
    kcmj = np.round(tbmj * kcxs, 2)
    tbdlmj = np.round(tbmj - kcmj, 2)
    tbdlmj[3] += 1.0
    return gpd.GeoDataFrame({
        "BSM": bsm, "DLBM": dlbm, "ZLDWDM": ["360111001001"] * len(bsm), "TBMJ": tbmj,
        "KCXS": kcxs, "KCMJ": kcmj, "TBDLMJ": tbdlmj}, geometry=geoms, crs=4490)


def admin_county() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"XZQDM": ["360111"], "XZQMC": ["青山湖区"]}, geometry=[COUNTY],
                            crs=4490)


EXPECTED_COUNTS = {
    "ATTR_KC_NONFARM": 1, "ATTR_TBDLMJ": 1, "ATTR_TBMJ_AREA": 1, "BSM_DUPLICATE": 1,
    "COVERAGE_GAP": 1, "COVERAGE_OVERLAP": 1, "LANDCLASS_UNKNOWN": 1,
    "LOCATION_OUTSIDE_COUNTY": 1,
}
