"""Route probes of the carbon accounts and the restoration project library (/carbon)."""

from __future__ import annotations

import sys
from pathlib import Path

import geopandas as gpd
import shapely

sys.path.insert(0, str(Path(__file__).resolve().parent))
from route_probes import MINE, OTHER, SITE, json_has, probe, xlsx_has


def seed(world) -> None:
    """A restoration project in each county (the attackers' and the other one)."""
    frame = gpd.GeoDataFrame({
        "XMBH": [f"XF{OTHER}001", f"XF{MINE}001"], "XMMC": ["南昌县 土地整治", "青山湖区 土地整治"],
        "XMLX": ["土地整治", "土地整治"], "TZJE": [50.0, 20.0], "KSNF": [2019, 2019],
        "JSNF": [2020, 2020], "YQDL": ["0301", "0301"], "FQKSBH": ["", ""],
        "XZQDM": [OTHER, MINE]},
        geometry=[SITE, shapely.box(115.920, 28.610, 115.925, 28.615)], crs=4490)
    world.ws.write_layer("restoration_project", None, frame)


PROBES = dict([
    probe("GET", "/carbon/densities", "list"),
    probe("GET", "/carbon/stock?vintage=2020", "list", leak=json_has(f'"region":"{OTHER}"')),
    probe("GET", "/carbon/stock.xlsx?vintage=2020", "list", leak=xlsx_has(OTHER)),
    probe("GET", "/carbon/change?from_year=2019&to_year=2020", "list",
          leak=json_has(f'"{OTHER}"')),
    probe("GET", "/carbon/change.xlsx?from_year=2019&to_year=2020", "list",
          leak=xlsx_has(OTHER)),
    probe("GET", "/carbon/map?vintage=2020&from_year=2019", "list",
          leak=json_has(f'"county":"{OTHER}"')),
    probe("GET", "/carbon/projects", "list", leak=json_has(OTHER)),
    probe("GET", "/carbon/projects.xlsx", "list", leak=xlsx_has(OTHER)),
])
