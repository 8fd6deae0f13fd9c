"""Route probes of natural-resource registration (/registry): units of the other county."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import shapely
from route_probes import MINE, OTHER, json_has, probe, xlsx_has

from onemap.registry import service
from onemap.store.formats.models import ImportRequest
from onemap.users.identity import Identity

if TYPE_CHECKING:
    from route_probes import World

OTHER_UNIT = f"{OTHER}23000001"  # a forest unit of the other county
MINE_UNIT = f"{MINE}21000001"


def seed(world: World) -> None:
    """The province admin imported one unit per county and recorded their registers."""
    prov = Identity(world.ws).for_username("prov")
    frame = gpd.GeoDataFrame(
        {"DJDYH": [MINE_UNIT, OTHER_UNIT], "DJDYMC": ["河流1号", "林区1号"],
         "DJDYLX": ["21", "23"], "SYQXZ": ["全民所有"] * 2, "DXZT": ["省政府"] * 2,
         "DJJD": ["预划", "预划"], "XZQDM": [MINE, OTHER]},
        geometry=[shapely.box(115.91, 28.605, 115.92, 28.615),
                  shapely.box(115.96, 28.605, 115.97, 28.615)], crs=4490)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "units.geojson"
        frame.to_file(path, driver="GeoJSON")
        service.import_units(world.ws, prov, ImportRequest(path=path, kind="registration_unit"))
    service.compute_registers(world.ws, prov, vintage=2020, record=True)
    world.ids.update(unit=OTHER_UNIT)


UNIT = "/registry/units/{unit}"
UPLOAD = json.dumps({"type": "FeatureCollection", "features": [{
    "type": "Feature", "properties": {"DJDYH": f"{OTHER}23000002", "DJDYLX": "23",
                                      "SYQXZ": "全民所有", "XZQDM": OTHER},
    "geometry": json.loads(shapely.to_geojson(shapely.box(115.975, 28.605, 115.98, 28.61)))}]})
PROBES = dict([
    probe("POST", "/registry/import", "write",
          files={"file": ("units.geojson", UPLOAD.encode(), "application/geo+json")}),
    probe("GET", "/registry/units", "list", leak=json_has(OTHER_UNIT)),
    probe("GET", "/registry/units.geojson", "list", leak=json_has(OTHER_UNIT)),
    probe("GET", UNIT, "read", template="/registry/units/{number}"),
    probe("GET", UNIT + "/stages", "read", template="/registry/units/{number}/stages"),
    probe("POST", UNIT + "/stage", "write", template="/registry/units/{number}/stage",
          json={"stage": "地籍调查"}),
    probe("GET", UNIT + "/register", "read", template="/registry/units/{number}/register"),
    probe("GET", UNIT + "/register.pdf", "read",
          template="/registry/units/{number}/register.pdf"),
    probe("POST", f"/registry/registers?vintage=2020&county={OTHER}", "write"),
    probe("GET", "/registry/registers.xlsx?vintage=2020", "list", leak=xlsx_has(OTHER_UNIT)),
    probe("GET", "/registry/qc", "list", leak=json_has(OTHER_UNIT)),
    probe("GET", "/registry/reregistration?to=2020&from=2019&threshold=0.5", "list",
          leak=json_has(OTHER_UNIT)),
    probe("GET", "/registry/coverage?vintage=2020", "list",
          leak=json_has(f'"region":"{OTHER}"')),
])
