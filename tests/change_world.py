"""A small seeded two-vintage world for change detection and case tests.

Everything is made by code: a DLTB grid in 2019, the same grid in 2020 with known
changes cut into it, and the control and approval layers. ``TRUTH`` lists every change
with its expected classes and legality, so tests compare against it and areas are checked
with pyproj ``Geod`` (independent of onemap).

Layout: county 360111 at lon 115.90–115.95, county 360121 at lon 115.95–116.00,
lat 28.60–28.64, cells of 0.002° (≈ 196 m × 222 m). Townships split at lat 28.62.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import shapely
from pyproj import Geod

GEOD = Geod(a=6_378_137.0, f=1 / 298.257222101)
CELL = 0.002
X0, Y0, NX, NY = 115.90, 28.60, 50, 20
SPLIT_LON, SPLIT_LAT = 115.95, 28.62
BASE_CLASSES = ["0101", "0103", "0301", "0102", "0101", "0201"]

CONTROL_BOXES = {
    "pbf": [(115.920, 28.600, 115.930, 28.610)],
    "eco_redline": [(115.900, 28.630, 115.910, 28.640)],
    "udb": [(115.930, 28.610, 115.950, 28.640), (115.960, 28.600, 115.980, 28.620)],
    "mining_right": [(115.910, 28.600, 115.9105, 28.6005)],
}


@dataclass(frozen=True)
class TruthChange:
    """One change made on purpose: where, from, to, what the rules should say."""

    key: str
    county: str
    geometry: shapely.Geometry
    from_code: str
    to_code: str
    classes: tuple[str, ...]
    legality: str  # 合法 / 疑似违法 / 待核查 expected from the platform
    violation: bool  # ground truth: an illegal change
    above_threshold: bool = True


def geod_area(geom: shapely.Geometry) -> float:
    """Ellipsoidal area (m²) by pyproj Geod."""
    return abs(GEOD.geometry_area_perimeter(geom)[0]) if not geom.is_empty else 0.0


def cell_box(i: int, j: int) -> shapely.Polygon:
    return shapely.box(X0 + i * CELL, Y0 + j * CELL, X0 + (i + 1) * CELL, Y0 + (j + 1) * CELL)


def _county(x: float) -> str:
    return "360111" if x < SPLIT_LON else "360121"


def _zl(geom: shapely.Geometry) -> str:
    c = geom.centroid
    return _county(c.x) + ("001" if c.y < SPLIT_LAT else "002") + "000000"


def base_class(i: int, j: int) -> str:
    x0, y0 = X0 + i * CELL, Y0 + j * CELL
    for b in CONTROL_BOXES["udb"]:
        if b[0] <= x0 < b[2] and b[1] <= y0 < b[3] and (i + j) % 3 == 0:
            return "0702"
    return BASE_CLASSES[(i * 7 + j * 3) % len(BASE_CLASSES)]


def _rect(i: int, j: int, fx0: float, fy0: float, fx1: float, fy1: float) -> shapely.Polygon:
    """A rectangle inside cell (i, j), given as fractions of the cell."""
    x, y = X0 + i * CELL, Y0 + j * CELL
    return shapely.box(x + fx0 * CELL, y + fy0 * CELL, x + fx1 * CELL, y + fy1 * CELL)


# (key, cell(s), geometry, to_code, classes, legality, violation, above threshold)
def _changes() -> list[tuple[str, shapely.Geometry, str, tuple[str, ...], str, bool, bool]]:
    return [
        # whole cell farmland → homestead, no approval, outside UDB
        ("relabel_cell", cell_box(2, 2), "0702",
         ("new_construction", "non_agri", "outside_udb"), "疑似违法", True, True),
        # part of a farmland cell → industry, fully approved
        ("approved_industry", _rect(4, 4, 0.2, 0.2, 0.7, 0.6), "0601",
         ("new_construction", "non_agri", "outside_udb"), "合法", False, True),
        # a rectangle over two farmland cells (both 0101) → residential, inside UDB
        ("two_cells", shapely.box(X0 + 16 * CELL - 0.0004, Y0 + 8 * CELL + 0.0002,
                                  X0 + 16 * CELL + 0.0004, Y0 + 8 * CELL + 0.0008), "0701",
         ("new_construction", "non_agri"), "疑似违法", True, True),
        # farmland → orchard (非粮化, ledger out)
        ("non_grain", _rect(6, 1, 0.1, 0.1, 0.6, 0.5), "0201",
         ("non_grain",), "待核查", False, True),
        # forest → dry land (进)
        ("forest_in", _rect(2, 3, 0.1, 0.1, 0.9, 0.9), "0103", ("farmland_in",), "合法", False,
         True),
        # construction inside the eco red line, no approval
        ("redline_build", _rect(1, 16, 0.3, 0.3, 0.7, 0.7), "0601",
         ("new_construction", "redline_construction", "outside_udb"), "疑似违法", True, True),
        # pond dug on permanent basic farmland
        ("pbf_pond", _rect(10, 1, 0.2, 0.2, 0.8, 0.8), "1104A",
         ("non_grain", "pbf_non_grain"), "疑似违法", True, True),
        # half approved → to be verified
        ("half_approved", _rect(8, 12, 0.1, 0.1, 0.9, 0.9), "0601",
         ("new_construction", "non_agri", "outside_udb"), "待核查", False, True),
        # facility agriculture on farmland, recorded
        ("facility", _rect(12, 6, 0.1, 0.1, 0.6, 0.6), "1202", ("facility_on_farmland",),
         "合法", False, True),
        # mining beyond its licence (licence covers the lower-left part only)
        ("mining_outside", _rect(5, 0, 0.0, 0.0, 0.9, 0.9), "0602",
         ("new_construction", "mining_outside", "outside_udb"), "疑似违法", True, True),
        # too small: 10 m × 10 m construction
        ("tiny", _rect(14, 2, 0.5, 0.5, 0.55, 0.545), "0702",
         ("new_construction",), "疑似违法", True, False),
        # too narrow: 3 m × 180 m strip
        ("strip", shapely.box(X0 + 18 * CELL + 0.0002, Y0 + 14 * CELL + 0.0001,
                              X0 + 18 * CELL + 0.00023, Y0 + 14 * CELL + 0.0017), "1003",
         ("new_construction",), "疑似违法", True, False),
        # second county: farmland → residential without approval
        ("east_build", _rect(45, 5, 0.2, 0.2, 0.8, 0.8), "0702",
         ("new_construction", "non_agri", "outside_udb"), "疑似违法", True, True),
        # second county: approved supply
        ("east_supply", _rect(40, 15, 0.1, 0.1, 0.5, 0.5), "05H1",
         ("new_construction", "non_agri", "outside_udb"), "合法", False, True),
    ]


APPROVALS = {
    "approval": [("赣国土资函〔2020〕1号", "approved_industry"),
                 ("赣国土资函〔2020〕2号", "half_approved_left")],
    "land_supply": [("GD2020-001", "east_supply")],
    "facility_agri": [("SN2020-01", "facility")],
}


def build_vintages() -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, list[TruthChange]]:
    """Return (dltb 2019, dltb 2020, truth) made by cutting the changes into the grid."""
    cells = {(i, j): (cell_box(i, j), base_class(i, j)) for i in range(NX) for j in range(NY)}
    # classes of the cells the changes start from are set so the truth holds
    forced = {(2, 2): "0101", (4, 4): "0101", (15, 8): "0101", (16, 8): "0101",
              (6, 1): "0101", (2, 3): "0301", (1, 16): "0301", (10, 1): "0101",
              (8, 12): "0102", (12, 6): "0103", (5, 0): "0301", (14, 2): "0301",
              (18, 14): "0301", (45, 5): "0101", (40, 15): "0102"}
    for k, code in forced.items():
        cells[k] = (cells[k][0], code)
    old_rows = [(f"{i:03d}{j:03d}", code, g) for (i, j), (g, code) in cells.items()]
    new_geoms: dict[str, tuple[shapely.Geometry, str]] = {b: (g, c) for b, c, g in old_rows}
    truth: list[TruthChange] = []
    for key, geom, to_code, classes, legality, violation, above in _changes():
        from_code = ""
        for bsm, (g, code) in list(new_geoms.items()):
            if not g.intersects(geom) or g.intersection(geom).area == 0:
                continue
            from_code = code
            rest = g.difference(geom)
            if rest.is_empty or rest.area < 1e-14:
                del new_geoms[bsm]
            else:
                new_geoms[bsm] = (rest, code)
        new_geoms[f"N{key}"] = (geom, to_code)
        truth.append(TruthChange(key, _county(geom.centroid.x), geom, from_code, to_code,
                                 classes, legality, violation, above))
    old = _frame([(b, c, g) for b, c, g in old_rows], 2019)
    new = _frame([(b, c, g) for b, (g, c) in new_geoms.items()], 2020)
    return old, new, truth


def _frame(rows: list[tuple[str, str, shapely.Geometry]], year: int) -> gpd.GeoDataFrame:
    geoms = [g for *_, g in rows]
    zl = [_zl(g) for g in geoms]
    return gpd.GeoDataFrame({
        "BSM": [b for b, *_ in rows], "DLBM": [c for _, c, _ in rows], "ZLDWDM": zl,
        "TBMJ": [geod_area(g) for g in geoms], "SJNF": year,
    }, geometry=geoms, crs="EPSG:4490")


def control_frames(truth: list[TruthChange]) -> dict[str, gpd.GeoDataFrame]:
    """Control lines, approvals, supply, facility records and mining rights."""
    by_key = {t.key: t.geometry for t in truth}
    out: dict[str, gpd.GeoDataFrame] = {}
    for kind, boxes in CONTROL_BOXES.items():
        geoms = [shapely.box(*b) for b in boxes]
        data = {"XZQDM": [_county(g.centroid.x) for g in geoms]}
        if kind == "mining_right":
            data["XKZH"] = ["C3600002020011110000001"]
        out[kind] = gpd.GeoDataFrame(data, geometry=geoms, crs="EPSG:4490")
    ref_col = {"approval": "PZWH", "land_supply": "GDBH", "facility_agri": "BABH"}
    for kind, items in APPROVALS.items():
        geoms = []
        for _, key in items:
            if key == "half_approved_left":
                g = by_key["half_approved"]
                x0, y0, x1, y1 = g.bounds
                geoms.append(shapely.box(x0 - 0.0001, y0 - 0.0001, (x0 + x1) / 2, y1 + 0.0001))
            else:
                geoms.append(by_key[key].buffer(0.00005, join_style="mitre"))
        out[kind] = gpd.GeoDataFrame(
            {ref_col[kind]: [r for r, _ in items],
             "XZQDM": [_county(g.centroid.x) for g in geoms]},
            geometry=geoms, crs="EPSG:4490")
    return out


def write_world(ws: object) -> list[TruthChange]:
    """Write both vintages and every control layer into workspace ``ws``; return the truth."""
    old, new, truth = build_vintages()
    ws.write_layer("dltb", 2019, old)  # type: ignore[attr-defined]
    ws.write_layer("dltb", 2020, new)  # type: ignore[attr-defined]
    for kind, frame in control_frames(truth).items():
        ws.write_layer(kind, 2020, frame)  # type: ignore[attr-defined]
    return truth


def seeded_noise(seed: int, n: int) -> np.ndarray:
    """Deterministic noise for property tests."""
    return np.random.default_rng(seed).random(n)
