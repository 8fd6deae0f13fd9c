"""Ellipsoidal area (椭球面积) of polygons on the CGCS2000 ellipsoid.

PROVISIONAL: a per-ring GeographicLib loop. The vectorised kernel replaces the
body of :func:`ellipsoidal_area` keeping its signature.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import numpy.typing as npt
import shapely
from pyproj import Geod

from onemap.standards.crs import CGCS2000_A, CGCS2000_F


@lru_cache(maxsize=1)
def _geod() -> Geod:
    return Geod(a=CGCS2000_A, f=CGCS2000_F)


def _ring_area(ring: shapely.LinearRing) -> float:
    lon, lat = np.asarray(ring.coords.xy[0]), np.asarray(ring.coords.xy[1])
    area, _ = _geod().polygon_area_perimeter(lon, lat)
    return abs(float(area))


def _polygon_area(geom: shapely.Geometry) -> float:
    if geom is None or geom.is_empty:
        return 0.0
    if geom.geom_type == "Polygon":
        return _ring_area(geom.exterior) - sum(_ring_area(r) for r in geom.interiors)
    if geom.geom_type in ("MultiPolygon", "GeometryCollection"):
        return sum(_polygon_area(g) for g in geom.geoms)
    return 0.0


def ellipsoidal_area(geoms: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Return the ellipsoidal area of each (multi)polygon, lon/lat degrees on CGCS2000.

    Notes
    -----
    Input coordinates are longitude/latitude in degrees (EPSG:4490); output is
    m² on the CGCS2000 ellipsoid. Holes are subtracted; empty or non-areal
    geometries give 0.

    Examples
    --------
    >>> sq = shapely.box(115.0, 28.0, 115.01, 28.01)
    >>> round(float(ellipsoidal_area([sq])[0]), 1)
    1089991.3
    """
    arr = np.asarray(geoms, dtype=object)
    return np.fromiter((_polygon_area(g) for g in arr.ravel()), dtype=np.float64, count=arr.size)
