"""Sample construction sites for the demo: Ministry coordinate TXT files to review."""

from __future__ import annotations

from typing import TYPE_CHECKING

import geopandas as gpd
import shapely

from onemap.geometry.area import ellipsoidal_area
from onemap.standards.crs import gauss_kruger_epsg, zone_for_longitude
from onemap.store.formats.coordinate_txt import write_coordinate_txt
from onemap.store.formats.models import TxtParcel

if TYPE_CHECKING:
    from pathlib import Path

    from onemap.store.workspace import Workspace

# (file stem, project name, control layer whose feature anchors the site, where, hectares)
SAMPLE_SITES = [
    ("site-1-urban", "城区产业园扩建项目", "udb", "inside", 50.0),
    ("site-2-redline", "旅游公路服务区项目", "eco_redline", "boundary", 30.0),
    ("site-3-pbf", "物流仓储中心项目", "pbf", "inside", 20.0),
]


def _anchor(layer: gpd.GeoDataFrame, where: str) -> shapely.Point:
    biggest = layer.geometry.iloc[int(ellipsoidal_area(layer.geometry.to_numpy()).argmax())]
    if where == "boundary":
        return shapely.Point(biggest.exterior.coords[0]) if biggest.geom_type == "Polygon" \
            else shapely.Point(biggest.geoms[0].exterior.coords[0])
    return shapely.point_on_surface(biggest)


def write_sample_sites(ws: Workspace, folder: Path) -> list[Path]:
    """Write one coordinate TXT per sample site (GBK, zone-prefixed Gauss–Krüger) to ``folder``.

    Each site is a square of the stated size in the Gauss–Krüger zone of its
    anchor, placed on the largest feature of a control layer in the first county
    that has one, so the demo review shows a real verdict.
    """
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for stem, name, kind, where, hectares in SAMPLE_SITES:
        if not ws.has_layer(kind):
            continue
        parts = ws.partitions(kind)
        if not parts:
            continue
        layer = ws.read_partition(parts[0])
        point = _anchor(layer, where)
        zone = zone_for_longitude(point.x)
        epsg = gauss_kruger_epsg(zone, prefixed=True)
        centre = gpd.GeoSeries([point], crs=4490).to_crs(epsg).iloc[0]
        half = (hectares * 10_000) ** 0.5 / 2
        square = shapely.box(centre.x - half, centre.y - half, centre.x + half, centre.y + half)
        parcel = TxtParcel(index=1, point_count=5, area_ha=square.area / 10_000,
                           number=f"DK{len(written) + 1:02d}", name=name, geometry=square)
        path = write_coordinate_txt([parcel], folder / f"{stem}.txt", zone=zone,
                                    attributes={"数据产生单位": "onemap 演示"}, encoding="GBK")
        written.append(path)
    return written
