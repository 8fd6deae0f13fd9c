"""A hand-built registration world: two counties of 2 × 2 DLTB cells, controls, units."""

from __future__ import annotations

from typing import TYPE_CHECKING

import geopandas as gpd
import shapely
from pyproj import Geod

if TYPE_CHECKING:
    from pathlib import Path

    from onemap.store.workspace import Workspace

GEOD = Geod(ellps="GRS80")
A, B = "360102", "360103"  # two counties side by side
X0, Y0, D = 115.80, 28.60, 0.01
FOREST_A = "36010223000001"
RIVER_B = "36010321000001"
UNIT_A_BOX = (X0 + 0.2 * D, Y0 + 0.3 * D, X0 + 1.5 * D, Y0 + 1.8 * D)
UNIT_B_BOX = (X0 + 2.1 * D, Y0 + 0.1 * D, X0 + 3.0 * D, Y0 + 1.0 * D)
CODES_A = ["0301", "1101", "0101", "0301"]  # (0,0) (1,0) (0,1) (1,1)
CODES_B = ["1101", "0404", "0701", "0301"]


def box_area(x0: float, y0: float, x1: float, y1: float) -> float:
    """Geodesic area of a lon/lat rectangle (pyproj Geod), m²."""
    area, _ = GEOD.polygon_area_perimeter([x0, x1, x1, x0], [y0, y0, y1, y1])
    return abs(area)


def cells(county_index: int) -> list[shapely.Polygon]:
    ox = X0 + 2 * D * county_index
    return [shapely.box(ox + i * D, Y0 + j * D, ox + (i + 1) * D, Y0 + (j + 1) * D)
            for j in range(2) for i in range(2)]


def hand_status(unit_box: tuple[float, float, float, float], county_index: int,
                codes: list[str]) -> dict[str, float]:
    """Natural status by hand: clip every cell rectangle to the unit rectangle."""
    names = {"0301": "林地", "1101": "水域", "0101": "耕地", "0404": "草地", "0701": "建设用地"}
    ux0, uy0, ux1, uy1 = unit_box
    out: dict[str, float] = {}
    for geom, code in zip(cells(county_index), codes, strict=True):
        cx0, cy0, cx1, cy1 = geom.bounds
        x0, y0, x1, y1 = max(cx0, ux0), max(cy0, uy0), min(cx1, ux1), min(cy1, uy1)
        if x1 > x0 and y1 > y0:
            out[names[code]] = out.get(names[code], 0.0) + box_area(x0, y0, x1, y1)
    return out


def _dltb(codes_a: list[str]) -> gpd.GeoDataFrame:
    rows, geoms = [], []
    for k, (county, codes) in enumerate(((A, codes_a), (B, CODES_B))):
        for n, (geom, code) in enumerate(zip(cells(k), codes, strict=True)):
            rows.append({"BSM": f"{county}{n}", "DLBM": code, "ZLDWDM": f"{county}001001",
                         "TBMJ": box_area(*geom.bounds), "QSXZ": "30" if n % 2 else "10"})
            geoms.append(geom)
    return gpd.GeoDataFrame(rows, geometry=geoms, crs=4490)


def write_world(ws: Workspace) -> None:
    """Admin counties, DLTB 2020 and 2021 (one cell of A built over), PBF, a mining right."""
    counties = gpd.GeoDataFrame({"XZQDM": [A, B], "XZQMC": ["东区", "西区"]},
                                geometry=[shapely.box(X0, Y0, X0 + 2 * D, Y0 + 2 * D),
                                          shapely.box(X0 + 2 * D, Y0, X0 + 4 * D, Y0 + 2 * D)],
                                crs=4490)
    ws.write_layer("admin_county", None, counties)
    ws.write_layer("dltb", 2020, _dltb(CODES_A))
    ws.write_layer("dltb", 2021, _dltb(["0301", "1101", "0101", "0701"]))
    ws.write_layer("pbf", 2020, gpd.GeoDataFrame(
        {"BSM": ["p1"], "XZQDM": [A]}, geometry=[cells(0)[2]], crs=4490))
    ws.write_layer("mining_right", 2020, gpd.GeoDataFrame(
        {"XKZH": ["C3600002020001"], "KQMC": ["西区采石场"], "XZQDM": [B]},
        geometry=[shapely.box(X0 + 2.8 * D, Y0 + 0.5 * D, X0 + 3.5 * D, Y0 + 1.5 * D)],
        crs=4490))


def unit_file(path: Path, rows: list[tuple[str, str, str, tuple[float, ...]]],
              stage: str = "") -> Path:
    """Write units (number, type, county, box) as GeoJSON with the standard fields."""
    frame = gpd.GeoDataFrame(
        {"DJDYH": [r[0] for r in rows], "DJDYMC": [f"单元{r[0][-3:]}" for r in rows],
         "DJDYLX": [r[1] for r in rows], "SYQXZ": ["全民所有"] * len(rows),
         "DXZT": ["省政府"] * len(rows), "DJJD": [stage] * len(rows),
         "XZQDM": [r[2] for r in rows]},
        geometry=[shapely.box(*r[3]) for r in rows], crs=4490)
    frame.to_file(path, driver="GeoJSON")
    return path


def standard_units(path: Path) -> Path:
    """The two good units: a forest in A, a river in B."""
    return unit_file(path, [(FOREST_A, "23", A, UNIT_A_BOX), (RIVER_B, "21", B, UNIT_B_BOX)])
