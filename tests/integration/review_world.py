"""A tiny hand-made world for site-review tests: two counties, a DLTB grid, control boxes.

Everything is made by code (no binary fixtures) so the expected answers can be
computed independently with pyproj ``Geod`` on the same hand-made geometry.

Layout (lon 115.90–116.00 E, lat 28.60–28.64 N, cells of 0.002°):

* counties 360111 (lon < 115.95) and 360121 (lon ≥ 115.95); townships split at lat 28.62;
* DLTB: cells inside the UDB are 0601/0702; cells in the PBF box 0101; elsewhere a
  repeating 0101 / 0103 (sloped, KCXS 0.08 田坎) / 0301 / 0102 pattern; GDDB 5 / 8 / - / 6;
* eco red line, nature reserve core/general, UDB, PBF, HSF, hazard zone, hazard points,
  mining right, approval and supply as axis-aligned boxes (see ``BOXES``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import geopandas as gpd
import shapely
from pyproj import Geod
from shapely.geometry.polygon import orient

if TYPE_CHECKING:
    from onemap.store.workspace import Workspace

GEOD = Geod(a=6_378_137.0, f=1 / 298.257222101)  # CGCS2000, independent of onemap
CELL = 0.002
X0, Y0, NX, NY = 115.90, 28.60, 50, 20
SPLIT_LON, SPLIT_LAT = 115.95, 28.62

BOXES = {
    "eco_redline": (115.90, 28.63, 115.92, 28.64),
    "reserve_core": (115.90, 28.60, 115.91, 28.61),
    "reserve_general": (115.91, 28.60, 115.92, 28.61),
    "udb": (115.93, 28.60, 115.97, 28.625),
    "pbf": (115.975, 28.60, 115.99, 28.62),
    "hsf": (115.98, 28.62, 115.99, 28.64),
    "hazard_zone": (115.96, 28.63, 115.965, 28.64),
    "mining_right": (115.92, 28.62, 115.925, 28.63),
    "approval": (115.94, 28.60, 115.945, 28.61),
    "land_supply": (115.94, 28.605, 115.945, 28.61),
}
HAZARD_POINTS = {"ZH001": (115.966, 28.635), "ZH002": (115.999, 28.601)}

# Hand-made sites of known answers.
SITES = {
    "half_redline": shapely.box(115.905, 28.625, 115.915, 28.635),
    "two_counties": shapely.box(115.943, 28.6065, 115.955, 28.6155),
    "hole_farmland": shapely.Polygon(
        [(115.981, 28.621), (115.989, 28.621), (115.989, 28.629), (115.981, 28.629)],
        [[(115.9841, 28.6241), (115.9859, 28.6241), (115.9859, 28.6259), (115.9841, 28.6259)]]),
    "outside_udb": shapely.box(115.955, 28.631, 115.963, 28.639),
    "in_pbf": shapely.box(115.976, 28.601, 115.984, 28.609),
}


def geod_area(geom: shapely.Geometry) -> float:
    """Ellipsoidal area (m²) by pyproj Geod, the independent reference."""
    if geom.is_empty:
        return 0.0
    # pyproj adds ring areas with their signs: exteriors CCW, holes CW
    return sum(GEOD.geometry_area_perimeter(orient(p, 1.0))[0]
               for p in getattr(geom, "geoms", [geom]) if p.geom_type == "Polygon")


def box(name: str) -> shapely.Polygon:
    return shapely.box(*BOXES[name])


def cell_code(i: int, j: int) -> tuple[str, float, float | None]:
    """(DLBM, KCXS, GDDB) of grid cell i (east), j (north)."""
    c = shapely.box(X0 + i * CELL, Y0 + j * CELL, X0 + (i + 1) * CELL, Y0 + (j + 1) * CELL)
    centre = c.centroid
    if box("udb").contains(centre):
        return ("0601" if (i + j) % 2 else "0702"), 0.0, None
    if box("pbf").contains(centre):
        return "0101", 0.0, 5
    return [("0101", 0.0, 5), ("0103", 0.08, 8), ("0301", 0.0, None),
            ("0102", 0.0, 6)][(i + j) % 4]


def dltb_frame() -> gpd.GeoDataFrame:
    rows, geoms = [], []
    for j in range(NY):
        for i in range(NX):
            g = shapely.box(X0 + i * CELL, Y0 + j * CELL, X0 + (i + 1) * CELL, Y0 + (j + 1) * CELL)
            code, kcxs, grade = cell_code(i, j)
            lon, lat = g.centroid.x, g.centroid.y
            county = "360111" if lon < SPLIT_LON else "360121"
            town = "001" if lat < SPLIT_LAT else "002"
            rows.append({"BSM": f"{j:02d}{i:03d}", "DLBM": code,
                         "ZLDWDM": f"{county}{town}0010000000",
                         "TBMJ": 1.0, "KCDLBM": "1203" if kcxs else "", "KCXS": kcxs,
                         "GDDB": grade})
            geoms.append(g)
    return gpd.GeoDataFrame(rows, geometry=geoms, crs=4490)


def _one(geom: shapely.Geometry, county: str, **attrs: object) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame([{"XZQDM": county, **attrs}], geometry=[geom], crs=4490)


def _split(geom: shapely.Geometry, **attrs: object) -> gpd.GeoDataFrame:
    """A control polygon cut at the county line, one row per county."""
    west = shapely.box(X0 - 1, Y0 - 1, SPLIT_LON, Y0 + 1)
    east = shapely.box(SPLIT_LON, Y0 - 1, X0 + 2, Y0 + 1)
    parts = [(g, c) for g, c in ((geom.intersection(west), "360111"),
                                 (geom.intersection(east), "360121")) if g.area > 0]
    return gpd.GeoDataFrame([{"XZQDM": c, **attrs} for _, c in parts],
                            geometry=[g for g, _ in parts], crs=4490)


def build_world(ws: Workspace, vintage: int = 2023) -> Workspace:
    """Write every layer of the small world into ``ws``."""
    ws.write_layer("dltb", vintage, dltb_frame())
    ws.write_layer("admin_county", None, gpd.GeoDataFrame(
        {"XZQDM": ["360111", "360121"], "XZQMC": ["青山湖区", "南昌县"]},
        geometry=[shapely.box(X0, Y0, SPLIT_LON, Y0 + NY * CELL),
                  shapely.box(SPLIT_LON, Y0, X0 + NX * CELL, Y0 + NY * CELL)], crs=4490))
    towns = []
    for county, (x1, x2) in (("360111", (X0, SPLIT_LON)), ("360121", (SPLIT_LON, X0 + NX * CELL))):
        towns.append(({"XZQDM": county + "001", "XZQMC": "一乡"},
                      shapely.box(x1, Y0, x2, SPLIT_LAT)))
        towns.append(({"XZQDM": county + "002", "XZQMC": "二乡"},
                      shapely.box(x1, SPLIT_LAT, x2, Y0 + NY * CELL)))
    ws.write_layer("admin_township", None, gpd.GeoDataFrame(
        [t[0] for t in towns], geometry=[t[1] for t in towns], crs=4490))
    ws.write_layer("eco_redline", vintage, _split(box("eco_redline"), HXMC="梅岭红线"))
    ws.write_layer("udb", vintage, _split(box("udb"), MC="中心城区"))
    ws.write_layer("pbf", vintage, _split(box("pbf"), GDDB=5))
    ws.write_layer("hsf", vintage, _split(box("hsf"), XMMC="高标准农田一期"))
    ws.write_layer("nature_reserve", vintage, gpd.GeoDataFrame(
        {"XZQDM": ["360111", "360111"], "BHQMC": ["梅岭保护区", "梅岭保护区"],
         "ZONE": ["core", "general"]},
        geometry=[box("reserve_core"), box("reserve_general")], crs=4490))
    ws.write_layer("hazard_zone", vintage, _split(box("hazard_zone"), FXDJ="高"))
    ws.write_layer("mining_right", vintage, _split(box("mining_right"), XKZH="C3600002020"))
    ws.write_layer("approval", vintage, _split(box("approval"), PZWH="赣府土字〔2022〕1号"))
    ws.write_layer("land_supply", vintage, _split(box("land_supply"), GDBH="GD-2023-01"))
    ws.write_layer("hazard_point", vintage, gpd.GeoDataFrame(
        {"ZHDBH": list(HAZARD_POINTS), "ZHLX": ["landslide", "collapse"],
         "XZQDM": ["360121", "360121"]},
        geometry=[shapely.Point(*p) for p in HAZARD_POINTS.values()], crs=4490))
    return ws


def expected_landuse(site: shapely.Geometry) -> dict[str, float]:
    """Land use of ``site`` computed independently (Geod, 田坎 split by KCXS)."""
    out: dict[str, float] = {}
    for j in range(NY):
        for i in range(NX):
            g = shapely.box(X0 + i * CELL, Y0 + j * CELL, X0 + (i + 1) * CELL, Y0 + (j + 1) * CELL)
            inter = site.intersection(g)
            a = geod_area(inter)
            if a <= 1e-6:
                continue
            code, kcxs, _ = cell_code(i, j)
            out[code] = out.get(code, 0.0) + a * (1 - kcxs)
            if kcxs:
                out["1203"] = out.get("1203", 0.0) + a * kcxs
    return out
