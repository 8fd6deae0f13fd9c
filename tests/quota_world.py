"""A tiny two-county DLTB world for the quota ledger and land-supply tests (made by code).

County 360111 spans lon 115.90–115.92, county 360121 lon 115.92–115.94, lat 28.60–28.61,
cells of 0.002° (≈ 196 m × 222 m). Columns 0–3 of each county are paddy 0101 of grade
5, columns 4–5 dry land 0103 of grade 9, columns 6–7 orchard 0201, 8–9 rural housing
0702. Farmland has 5 % 田坎 (KCXS 0.05). DLTB 2019 and 2020 are the same grid.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import geopandas as gpd
import shapely
from pyproj import Geod
from shapely.geometry import mapping

if TYPE_CHECKING:
    from onemap.store.workspace import Workspace

GEOD = Geod(a=6_378_137.0, f=1 / 298.257222101)
CELL = 0.002
X0, Y0, NX, NY = 115.90, 28.60, 10, 5
COUNTIES = ("360111", "360121")
RIDGE = 0.05


def cell_class(i: int) -> tuple[str, int]:
    if i < 4:
        return "0101", 5
    if i < 6:
        return "0103", 9
    return ("0201", 0) if i < 8 else ("0702", 0)


def cell(county: str, i: int, j: int) -> shapely.Polygon:
    x = X0 + COUNTIES.index(county) * NX * CELL + i * CELL
    return shapely.box(x, Y0 + j * CELL, x + CELL, Y0 + (j + 1) * CELL)


def geod_area(geom: shapely.Geometry) -> float:
    return abs(GEOD.geometry_area_perimeter(geom)[0])


def dltb_frame(year: int) -> gpd.GeoDataFrame:
    rows = []
    for county in COUNTIES:
        for i in range(NX):
            for j in range(NY):
                code, grade = cell_class(i)
                farm = code in ("0101", "0103")
                rows.append({"BSM": f"{county}{year}{i:02d}{j:02d}", "DLBM": code,
                             "ZLDWDM": f"{county}001001", "KCDLBM": "1203" if farm else "",
                             "KCXS": RIDGE if farm else 0.0, "GDDB": grade,
                             "TBMJ": geod_area(cell(county, i, j)),
                             "county": county, "geometry": cell(county, i, j)})
    return gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4490")


def write_world(ws: Workspace) -> None:
    for year in (2019, 2020):
        ws.write_layer("dltb", year, dltb_frame(year))


def gj(geom: shapely.Geometry) -> dict:
    return dict(mapping(geom))


def farmland_of(geom: shapely.Geometry) -> float:
    """Farmland (net of 田坎) of a geometry lying inside farmland cells, by pyproj Geod."""
    return geod_area(geom) * (1 - RIDGE)


IDLE_GDBH = "360111-GD-IDLE"


def write_supply(ws: Workspace) -> None:
    """Counties, approvals and supply parcels of 360111 (vintage 2020).

    * approval A1 (2015) on orchard cell (6, 0): not supplied (批而未供, > 5 yr);
    * approval A2 (2016) on orchard cell (6, 1), supplied 2016, agreed start 2017-03-01,
      still orchard in DLTB 2020: idle (闲置), price 1000 万元;
    * approval A3 (2016) on housing cell (8, 0), supplied 2016, agreed 2017: developed.
    """
    counties = gpd.GeoDataFrame(
        {"XZQDM": list(COUNTIES), "XZQMC": ["青山湖区", "南昌县"]},
        geometry=[shapely.box(X0 + k * NX * CELL, Y0, X0 + (k + 1) * NX * CELL, Y0 + NY * CELL)
                  for k in range(2)], crs="EPSG:4490")
    ws.write_layer("admin_county", None, counties)
    a = "360111"
    ws.write_layer("approval", 2020, gpd.GeoDataFrame(
        {"PZWH": ["A1", "A2", "A3"], "PZRQ": ["2015-03-01", "2016-01-10", "2016-01-10"],
         "XZQDM": [a] * 3, "county": [a] * 3},
        geometry=[cell(a, 6, 0), cell(a, 6, 1), cell(a, 8, 0)], crs="EPSG:4490"))
    ws.write_layer("land_supply", 2020, gpd.GeoDataFrame(
        {"GDBH": [IDLE_GDBH, "360111-GD-DEV"], "GDRQ": ["2016-06-01", "2016-06-01"],
         "YDDGRQ": ["2017-03-01", "2017-03-01"], "CJJG": [1000.0, 500.0],
         "XZQDM": [a] * 2, "county": [a] * 2},
        geometry=[cell(a, 6, 1), cell(a, 8, 0)], crs="EPSG:4490"))
