"""A small geohazard world in two counties (360111 west, 360121 east): register and rain.

Points and zones sit inside the two county boxes the change/route worlds use; four gauges
record a wet spell ending on ``DAY`` so that points of 高易发 are warned red and those of
低易发 are not warned at all.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

import geopandas as gpd
import shapely

if TYPE_CHECKING:
    from pathlib import Path

    from onemap.store.access import Actor
    from onemap.store.workspace import Workspace

DAY = date(2020, 7, 8)
WEST, EAST = "360111", "360121"
# the spell: 10 days before DAY and DAY itself (mm/day, same at every gauge)
SPELL = [0, 0, 5, 12, 30, 0, 8, 45, 60, 20, 35]


def points() -> gpd.GeoDataFrame:
    rows = []
    geoms = []
    for county, x0 in ((WEST, 115.91), (EAST, 115.96)):
        for k, (cls, dx) in enumerate((("高", 0.0), ("中", 0.01), ("低", 0.02)), start=1):
            rows.append({"ZHDBH": f"{county}{k:06d}", "ZHLX": "landslide", "WXRK": 10 * k,
                         "WXCC": 50.0, "XZQDM": county + "001", "GMDJ": "小型", "ZT": "在册",
                         "YFCD": cls, "ZRR": f"责任人{county[-1]}{k}", "JCR": f"监测员{k}",
                         "LXDH": f"1390000{county[-2:]}{k:02d}"})
            geoms.append(shapely.Point(x0 + dx, 28.62))
    return gpd.GeoDataFrame(rows, geometry=geoms, crs=4490)


def zones() -> gpd.GeoDataFrame:
    rows, geoms = [], []
    for county, x0 in ((WEST, 115.91), (EAST, 115.96)):
        rows.append({"FXDJ": "高", "XZQDM": county + "001", "FXQBH": f"{county}F0001",
                     "YFCD": "高", "WXRK": 30})
        geoms.append(shapely.Point(x0, 28.62).buffer(0.004))
    return gpd.GeoDataFrame(rows, geometry=geoms, crs=4490)


def write_rain_csv(path: Path, spell: list[float] = SPELL, end: date = DAY) -> Path:
    start = end - timedelta(len(spell) - 1)
    lines = ["station,lon,lat,time,mm"]
    for sid, lon, lat in (("S1", 115.90, 28.60), ("S2", 115.95, 28.64), ("S3", 116.0, 28.6),
                          ("S4", 115.93, 28.63)):
        for i, mm in enumerate(spell):
            lines.append(f"{sid},{lon},{lat},{start + timedelta(i)},{mm}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def write_hazard_world(ws: Workspace, actor: Actor, tmp: Path) -> None:
    from onemap.hazards import service

    ws.write_layer("hazard_point", 2020, points())
    ws.write_layer("hazard_zone", 2020, zones())
    service.record_register_status(ws, actor)
    service.import_rainfall(ws, actor, write_rain_csv(tmp / "rain.csv"))
