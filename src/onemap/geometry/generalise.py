"""Generalise a polygon coverage for small scales: dissolve by class, simplify shared edges.

Overviews of a county layer (:mod:`onemap.store.overviews`) are built here: the polygons
of each class are dissolved into one (multi)polygon (:func:`dissolve_by_class`), then the
class polygons are simplified together with :func:`shapely.coverage_simplify`, so an edge
two classes share stays one edge (no gaps, no overlaps). The tolerance is halved until
every class keeps its ellipsoidal area within a bound (:func:`generalise_by_class`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from onemap.geometry.area import ellipsoidal_area

MAX_AREA_ERROR = 0.005
"""Largest relative change of a class's ellipsoidal area the simplification may make."""
MAX_HALVINGS = 6
"""How often the tolerance may be halved (down to 1/64 of the one asked for)."""
OVERLAP_TOLERANCE = 1e-6
"""Area a union may lose (share of the input's) for the input to count as a coverage."""


@dataclass(frozen=True)
class ClassCoverage:
    """Dissolved, simplified class polygons of one coverage (e.g. one county's DLTB).

    ``classes[i]`` is the class of ``geometries[i]`` ("" for rows without one);
    ``tolerance`` is the simplification tolerance used (degrees), ``area_error`` the
    largest relative class-area change it made, ``coverage`` whether the classes were
    simplified as a coverage (shared edges kept shared) or one by one (input overlapped).
    """

    classes: npt.NDArray[np.object_]
    geometries: npt.NDArray[np.object_]
    tolerance: float
    area_error: float
    coverage: bool


def class_keys(classes: npt.ArrayLike) -> npt.NDArray[np.object_]:
    """Return the classes as strings, "" for missing values.

    Examples
    --------
    >>> class_keys(["0101", None, 1001]).tolist()
    ['0101', '', '1001']
    """
    raw = np.asarray(classes, dtype=object)
    missing = pd.isna(raw)
    return np.array(["" if m else str(c) for c, m in zip(raw, missing, strict=True)],
                    dtype=object)


def dissolve_by_class(geoms: npt.ArrayLike, classes: npt.ArrayLike
                      ) -> tuple[npt.NDArray[np.object_], npt.NDArray[np.object_], bool]:
    """Union the polygons of each class; return (classes, geometries, edge-matched).

    A valid coverage (no overlaps, matching shared vertices, as DLTB must be) is unioned
    with :func:`shapely.coverage_union_all` (fast, edges only); otherwise with
    :func:`shapely.union_all`. Missing and empty geometries are ignored; classes come
    back sorted. The flag is true for a valid coverage, and for input whose union lost
    at most :data:`OVERLAP_TOLERANCE` of its area (shared edges whose vertices do not
    quite match, common in survey data): coverage simplification suits both.

    Notes
    -----
    Works in any planar coordinates (EPSG:4490 degrees here); area is kept exactly up to
    floating point, except where overlapping input counted twice. Overlaps between
    polygons of different classes are not looked for (that would cost a union of the
    county); a valid coverage has none.

    Examples
    --------
    >>> a, b, c = shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1), shapely.box(2, 0, 3, 1)
    >>> keys, out, cov = dissolve_by_class([a, b, c], ["x", "x", "y"])
    >>> keys.tolist(), [round(g.area, 6) for g in out], cov
    (['x', 'y'], [2.0, 1.0], True)
    >>> dissolve_by_class([a, shapely.box(0.5, 0, 2, 1)], ["x", "x"])[2]
    False
    >>> mixed = shapely.GeometryCollection([b, shapely.LineString([(1, 0), (5, 5)])])
    >>> [(g.geom_type, round(g.area, 6)) for g in dissolve_by_class([a, mixed], ["x", "x"])[1]]
    [('Polygon', 2.0)]
    """
    g = np.asarray(geoms, dtype=object)
    keys = class_keys(classes)
    ok = ~(shapely.is_missing(g) | shapely.is_empty(g))
    # only the polygons carry area: lines or points inside collections (left by clipping)
    # would make GEOS refuse the union ("mixed-dimension")
    parts, row = shapely.get_parts(g[ok], return_index=True)
    polygon = shapely.get_type_id(parts) == shapely.GeometryType.POLYGON
    g, keys = parts[polygon], keys[ok][row[polygon]]
    codes = np.array(sorted(set(keys.tolist())), dtype=object)
    if not len(g):
        return codes, np.array([], dtype=object), True
    is_coverage = bool(shapely.coverage_is_valid(g))
    union = shapely.coverage_union_all if is_coverage else shapely.union_all
    out = np.empty(len(codes), dtype=object)
    for i, code in enumerate(codes):
        out[i] = union(g[keys == code])
    if not is_coverage:
        total = float(shapely.area(g).sum())
        is_coverage = total - float(shapely.area(out).sum()) <= OVERLAP_TOLERANCE * total
    return codes, out, is_coverage


def generalise_by_class(geoms: npt.ArrayLike, classes: npt.ArrayLike, tolerance: float, *,
                        max_area_error: float = MAX_AREA_ERROR,
                        max_halvings: int = MAX_HALVINGS) -> ClassCoverage:
    """Dissolve ``geoms`` by class (:func:`dissolve_by_class`), then :func:`simplify_classes`.

    Notes
    -----
    Input in longitude/latitude degrees (EPSG:4490); areas compared on the CGCS2000
    ellipsoid (:func:`onemap.geometry.area.ellipsoidal_area`).

    Examples
    --------
    >>> ring = shapely.Point(115.0, 28.0).buffer(0.01, quad_segs=64)
    >>> half = shapely.box(114.9, 27.9, 115.0, 28.1)
    >>> parts = [shapely.intersection(ring, half), shapely.difference(ring, half)]
    >>> out = generalise_by_class(parts, ["a", "b"], 0.001)
    >>> out.classes.tolist(), out.area_error <= MAX_AREA_ERROR, out.coverage
    (['a', 'b'], True, True)
    >>> int(shapely.get_num_coordinates(out.geometries).sum()) < 260
    True
    """
    codes, dissolved, coverage = dissolve_by_class(geoms, classes)
    return simplify_classes(codes, dissolved, tolerance, coverage=coverage,
                            max_area_error=max_area_error, max_halvings=max_halvings)


def simplify_classes(codes: npt.NDArray[np.object_], dissolved: npt.NDArray[np.object_],
                     tolerance: float, *, coverage: bool | None = None,
                     max_area_error: float = MAX_AREA_ERROR,
                     max_halvings: int = MAX_HALVINGS) -> ClassCoverage:
    """Simplify dissolved class polygons together, keeping each class's area.

    Simplification starts at ``tolerance`` (degrees) and halves it until every class's
    ellipsoidal area is within ``max_area_error`` (relative) of its dissolved area, at
    most ``max_halvings`` times (the last result is kept, with its ``area_error``).
    When the classes form a coverage (``coverage``, as :func:`dissolve_by_class` tells;
    default: :func:`shapely.coverage_is_valid`) they are simplified with
    :func:`shapely.coverage_simplify` (Visvalingam–Whyatt on shared edges: neighbours
    stay edge-matched); otherwise each polygon part alone, topology-preserving.

    Notes
    -----
    Longitude/latitude degrees (EPSG:4490); areas on the CGCS2000 ellipsoid (m²).

    Examples
    --------
    >>> sq = shapely.segmentize(shapely.box(115.0, 28.0, 115.01, 28.01), 0.0005)
    >>> out = simplify_classes(np.array(["a"], dtype=object), np.array([sq]), 0.001)
    >>> int(shapely.get_num_coordinates(out.geometries[0])), out.area_error < 1e-9
    (5, True)
    """
    if not len(dissolved):
        return ClassCoverage(codes, dissolved, float(tolerance), 0.0, True)
    as_coverage = bool(shapely.coverage_is_valid(dissolved)) if coverage is None else coverage
    reference = ellipsoidal_area(dissolved)
    tol = float(tolerance)
    for step in range(max_halvings + 1):
        simple = _simplify(dissolved, tol, as_coverage)
        area = ellipsoidal_area(simple)
        safe = np.where(reference > 0, reference, 1.0)
        rel = np.where(reference > 0, np.abs(area - reference) / safe, 0.0)
        error = float(rel.max())
        if error <= max_area_error or step == max_halvings:
            return ClassCoverage(codes, simple, tol, error, as_coverage)
        tol /= 2
    raise AssertionError("unreachable")  # pragma: no cover - the loop always returns


def _simplify(dissolved: npt.NDArray[np.object_], tol: float, as_coverage: bool
              ) -> npt.NDArray[np.object_]:
    if as_coverage:
        return np.asarray(shapely.coverage_simplify(dissolved, tol), dtype=object)
    # part by part: one topology-preserving pass over a class with thousands of parts
    # checks every part against every other (minutes); parts of a union do not overlap
    parts, index = shapely.get_parts(dissolved, return_index=True)
    simple = shapely.simplify(parts, tol, preserve_topology=True)
    out = np.empty(len(dissolved), dtype=object)
    for i in range(len(dissolved)):
        out[i] = shapely.multipolygons(simple[index == i])
    return out
