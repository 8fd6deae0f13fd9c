"""The province-wide context of one seed: boundaries, fields, seats, linear features, calibration.

Built once per seed (a few seconds) and shared by every county, so a county's
output depends only on (seed, county, scale), whichever counties are requested.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import shapely
from scipy.spatial import Delaunay

from onemap.demo.allocate import Calibration, Seat, calibrate, features
from onemap.demo.boundaries import GRID, Boundaries, load_boundaries
from onemap.demo.terrain import CITY_SEATS, KM_PER_DEG_LAT, Terrain
from onemap.geometry.area import ellipsoidal_area

COS0 = float(np.cos(np.radians(27.3)))  # local metric scaling of longitude
CALIBRATION_STEP = 0.015  # degrees between calibration grid points
ROAD_WIDTH_M, RAIL_WIDTH_M = 50.0, 30.0
RAIL_LINES = [  # 京九 and 沪昆 railways through these seats (approximate)
    ["360400", "360100", "360800", "360700"],
    ["361100", "360600", "360100", "360500", "360900", "360300"],
]


def to_local(geom: shapely.Geometry) -> shapely.Geometry:
    """Scale longitude by cos(27.3°) so degrees are locally isotropic (≈110.6 km)."""
    return shapely.transform(geom, lambda xy: xy * np.array([COS0, 1.0]))


def from_local(geom: shapely.Geometry) -> shapely.Geometry:
    """Inverse of :func:`to_local`."""
    return shapely.transform(geom, lambda xy: xy / np.array([COS0, 1.0]))


def metres_to_local(m: float) -> float:
    """Convert metres to local degree units."""
    return m / (KM_PER_DEG_LAT * 1000.0)


@dataclass(frozen=True)
class ProvinceContext:
    """Everything shared by the counties of one seed."""

    seed: int
    boundaries: Boundaries
    terrain: Terrain
    seats: list[Seat]
    strips: dict[str, shapely.Geometry]  # river / road / rail polygons, EPSG:4490
    calibration: Calibration


def _county_seat(terrain: Terrain, code: str, name: str, geom: shapely.Geometry) -> Seat:
    for city, (lon, lat, w) in CITY_SEATS.items():
        if city[:4] == code[:4] and shapely.contains_xy(geom, lon, lat):
            return Seat(code, lon, lat, w, True)
    minx, miny, maxx, maxy = geom.bounds
    gx, gy = np.meshgrid(np.linspace(minx, maxx, 40), np.linspace(miny, maxy, 40))
    xs, ys = gx.ravel(), gy.ravel()
    inside = shapely.contains_xy(geom, xs, ys)
    xs, ys = xs[inside], ys[inside]
    c = shapely.point_on_surface(geom)
    size = np.sqrt(max(geom.area, 1e-6))
    d = np.hypot((xs - c.x) * COS0, ys - c.y) / size
    score = terrain.base_elevation(xs, ys) / 60.0 + 3.0 * d
    k = int(np.argmin(score))
    weight = 0.9 if name.endswith("市") else 0.75 if name.endswith("区") else 0.6
    return Seat(code, float(xs[k]), float(ys[k]), weight, False)


def _wiggled_buffer(terrain: Terrain, line: shapely.Geometry, width_m: float) -> shapely.Geometry:
    local = to_local(line)
    return from_local(shapely.buffer(local, metres_to_local(width_m / 2), quad_segs=4))


def _strips(terrain: Terrain, seats: list[Seat], b: Boundaries) -> dict[str, shapely.Geometry]:
    province = b.province.geometry.iloc[0]
    lake = terrain.lake
    rivers = shapely.union_all([_wiggled_buffer(terrain, g, w) for _, w, g in terrain.rivers])
    rivers = shapely.difference(shapely.intersection(rivers, province, grid_size=GRID), lake,
                                grid_size=GRID)
    pts = np.array([[s.lon * COS0, s.lat] for s in seats])
    tri = Delaunay(pts)
    edges = set()
    for simplex in tri.simplices:
        for i in range(3):
            a, c = sorted((int(simplex[i]), int(simplex[(i + 1) % 3])))
            if np.hypot(*(pts[a] - pts[c])) * KM_PER_DEG_LAT < 75.0:
                edges.add((a, c))
    lines = [shapely.LineString([(seats[a].lon, seats[a].lat), (seats[c].lon, seats[c].lat)])
             for a, c in sorted(edges)]
    lines = [terrain._wiggle(ln, 0.6, 0.02) for ln in lines]
    roads = shapely.union_all([_wiggled_buffer(terrain, ln, ROAD_WIDTH_M) for ln in lines])
    roads = shapely.intersection(roads, province, grid_size=GRID)
    roads = shapely.difference(roads, shapely.union(lake, rivers, grid_size=GRID), grid_size=GRID)
    seat_of = {s.county[:4] + "00": s for s in seats if s.city}
    rails = []
    for route in RAIL_LINES:
        coords = [(seat_of[c].lon, seat_of[c].lat) for c in route]
        rails.append(terrain._wiggle(shapely.LineString(coords), 0.8, 0.02))
    rail = shapely.union_all([_wiggled_buffer(terrain, ln, RAIL_WIDTH_M) for ln in rails])
    rail = shapely.intersection(rail, province, grid_size=GRID)
    rail = shapely.difference(rail, shapely.union_all([lake, rivers, roads], grid_size=GRID),
                              grid_size=GRID)
    dense = 0.002  # ≈ 200 m, as the tessellation's edges
    return {"river": shapely.segmentize(rivers, dense), "road": shapely.segmentize(roads, dense),
            "rail": shapely.segmentize(rail, dense)}


@lru_cache(maxsize=2)
def province_context(seed: int) -> ProvinceContext:
    """Build (and cache) the shared context of ``seed``."""
    b = load_boundaries()
    terrain = Terrain(seed)
    seats = [_county_seat(terrain, code, name, g)
             for code, name, g in zip(b.counties.XZQDM, b.counties.XZQMC, b.counties.geometry,
                                      strict=True)]
    strips = _strips(terrain, seats, b)
    province = b.province.geometry.iloc[0]
    total = float(ellipsoidal_area([province])[0])
    strip_share = {k: float(ellipsoidal_area([g])[0]) / total * 100 for k, g in strips.items()}
    minx, miny, maxx, maxy = province.bounds
    gx, gy = np.meshgrid(np.arange(minx, maxx, CALIBRATION_STEP),
                         np.arange(miny, maxy, CALIBRATION_STEP))
    xs, ys = gx.ravel(), gy.ravel()
    inside = shapely.contains_xy(province, xs, ys)
    xs, ys = xs[inside], ys[inside]
    f = features(terrain, seats, xs, ys)
    w = np.cos(np.radians(ys))
    w = w / w.sum() * (100.0 - sum(strip_share.values()))
    strip_share["lake"] = float(w[f["in_lake"] > 0.5].sum())
    cal = calibrate(f, w, strip_share)
    return ProvinceContext(seed, b, terrain, seats, strips, cal)
