"""One geometry type per layer: polygons as MultiPolygons, valid after snap-rounding (统一几何类型).

Clients that read a collection's schema (GDAL, QGIS, GeoPackage export) want one
geometry type per layer. :func:`as_multipolygons` promotes Polygons to MultiPolygons
and keeps only the areal parts of GeometryCollections; :func:`snap_round` moves
coordinates onto a grid (the public version's coarsening) and repairs what the
rounding broke, so every output geometry is valid.
"""

from __future__ import annotations

import numpy as np
import shapely

_POLYGON, _MULTIPOLYGON, _COLLECTION = 3, 6, 7  # shapely type ids


def as_multipolygons(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(multipolygons, dropped)``: every geometry as a MultiPolygon.

    Polygons are wrapped, MultiPolygons kept, GeometryCollections reduced to their
    polygonal members (``dropped`` is True where a non-areal part, a line or a point,
    was removed); any other non-areal geometry becomes an empty MultiPolygon and is
    marked dropped. Missing geometries stay None.

    Examples
    --------
    >>> from shapely import GeometryCollection, LineString, Polygon, box
    >>> gc = GeometryCollection([box(0, 0, 1, 1), LineString([(1, 1), (2, 2)])])
    >>> out, dropped = as_multipolygons(np.array([box(0, 0, 1, 1), gc, None], dtype=object))
    >>> [g.geom_type if g is not None else None for g in out], dropped.tolist()
    (['MultiPolygon', 'MultiPolygon', None], [False, True, False])

    Notes
    -----
    Coordinates are untouched (any CRS); areas are unchanged.
    """
    geoms = np.asarray(geoms, dtype=object)
    out = geoms.copy()
    dropped = np.zeros(len(geoms), dtype=bool)
    types = shapely.get_type_id(geoms)
    single = types == _POLYGON
    if single.any():
        wrapped = np.empty(int(single.sum()), dtype=object)
        wrapped[:] = [shapely.MultiPolygon([g]) for g in geoms[single]]
        out[single] = wrapped
    other = (types >= 0) & (types != _POLYGON) & (types != _MULTIPOLYGON)
    for i in np.flatnonzero(other):
        g = geoms[i]
        parts = shapely.get_parts(g) if types[i] == _COLLECTION else np.array([g])
        polys: list[shapely.Polygon] = []
        for part in parts:
            kind = shapely.get_type_id(part)
            if kind == _POLYGON:
                polys.append(part)
            elif kind == _MULTIPOLYGON:
                polys.extend(shapely.get_parts(part))
            elif not shapely.is_empty(part):
                dropped[i] = True
        out[i] = shapely.MultiPolygon(polys)
    return out, dropped


def snap_round(geoms: np.ndarray, grid: float) -> np.ndarray:
    """Return polygonal geometries snap-rounded to ``grid`` and valid (MultiPolygons).

    GEOS's snap-rounding noder keeps the output valid where plain rounding of each
    coordinate lets rings cross (self-intersections) or repeats vertices; anything
    still invalid is repaired with ``make_valid`` and its non-areal debris dropped.
    Parts smaller than the grid collapse and disappear (an empty MultiPolygon).

    Examples
    --------
    >>> from shapely import Polygon
    >>> bow = Polygon([(0, 0), (0.0014, 0), (0.0014, 0.0004), (0.0007, 0.0006), (0, 0.0004)])
    >>> out = snap_round(np.array([bow], dtype=object), 0.001)
    >>> bool(shapely.is_valid(out[0])), out[0].geom_type
    (True, 'MultiPolygon')

    Notes
    -----
    ``grid`` is in the geometries' own units (degrees for EPSG:4490: 0.001° ≈ 100 m).
    """
    geoms = np.asarray(geoms, dtype=object)
    rounded = shapely.set_precision(geoms, grid, mode="valid_output")
    bad = ~shapely.is_valid(rounded) & ~shapely.is_missing(rounded)
    if bad.any():
        rounded[bad] = shapely.make_valid(rounded[bad])
    return as_multipolygons(rounded)[0]
