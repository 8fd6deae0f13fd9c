"""A geometry zoo for geometry kernels (after shapely's and geopandas' test zoos).

Every member sits near Nanchang (115.8°E, 28.6°N) in lon/lat degrees (EPSG:4490)
and is small (≤ 1 km across). ``AREAL`` members have a positive ellipsoidal
area; ``ZERO_AREA`` members must give 0.
"""

from __future__ import annotations

import shapely
from shapely.geometry import MultiPolygon, Polygon

X0, Y0 = 115.8, 28.6
M = 1e-5  # ≈ 1 m in latitude, ≈ 0.98 m in longitude here


def _box(dx: float, dy: float, w: float, h: float) -> Polygon:
    return shapely.box(X0 + dx * M, Y0 + dy * M, X0 + (dx + w) * M, Y0 + (dy + h) * M)


SQUARE = _box(0, 0, 500, 500)
HOLED = Polygon(SQUARE.exterior.coords, [_box(100, 100, 100, 100).exterior.coords[::-1],
                                         _box(300, 300, 50, 80).exterior.coords[::-1]])
TRIANGLE = Polygon([(X0, Y0), (X0 + 900 * M, Y0 + 30 * M), (X0 + 200 * M, Y0 + 700 * M)])
MULTI = MultiPolygon([_box(0, 0, 200, 200), Polygon(
    _box(600, 0, 300, 300).exterior.coords, [_box(650, 50, 100, 100).exterior.coords[::-1]])])
SLIVER = Polygon([(X0, Y0), (X0 + 1000 * M, Y0 + 1 * M), (X0 + 1000 * M, Y0 + 1.5 * M),
                  (X0, Y0 + 0.5 * M)])  # 1 km long, 0.5 m wide
REPEATED_VERTEX = Polygon([(X0, Y0), (X0, Y0), (X0 + 300 * M, Y0), (X0 + 300 * M, Y0 + 300 * M),
                           (X0 + 300 * M, Y0 + 300 * M), (X0, Y0)])  # zero-length edges
BOWTIE = Polygon([(X0, Y0), (X0 + 400 * M, Y0 + 400 * M), (X0 + 400 * M, Y0),
                  (X0, Y0 + 300 * M)])  # invalid: self-intersecting ring
POLYGON_Z = shapely.force_3d(SQUARE, 35.0)
CLOCKWISE = shapely.reverse(SQUARE)
COLLECTION = shapely.GeometryCollection([SQUARE, shapely.LineString([(X0, Y0), (X0 + M, Y0)])])

AREAL = {
    "square": SQUARE,
    "holed": HOLED,
    "triangle": TRIANGLE,
    "multipolygon": MULTI,
    "sliver": SLIVER,
    "repeated_vertex": REPEATED_VERTEX,
    "bowtie": BOWTIE,
    "polygon_z": POLYGON_Z,
    "clockwise": CLOCKWISE,
}

ZERO_AREA = {
    "none": None,
    "empty_polygon": Polygon(),
    "empty_multipolygon": MultiPolygon(),
    "point": shapely.Point(X0, Y0),
    "line": shapely.LineString([(X0, Y0), (X0 + 100 * M, Y0)]),
    "meridian_polygon": Polygon([(X0, Y0), (X0, Y0 + 100 * M), (X0, Y0 + 200 * M), (X0, Y0)]),
}


def geographiclib_area(geom: shapely.Geometry | None) -> float:
    """Reference area (m², CGCS2000): |exterior| − Σ|holes| per polygon, rings by pyproj Geod."""
    from pyproj import Geod

    geod = Geod(a=6378137.0, f=1 / 298.257222101)
    if geom is None or geom.is_empty:
        return 0.0
    total = 0.0
    for part in shapely.get_parts(shapely.get_parts(geom)):
        if part.geom_type != "Polygon":
            continue
        for k, ring in enumerate(shapely.get_rings(part)):
            xy = shapely.get_coordinates(ring)
            a = abs(geod.polygon_area_perimeter(xy[:, 0], xy[:, 1])[0])
            total += a if k == 0 else -a
    return total
