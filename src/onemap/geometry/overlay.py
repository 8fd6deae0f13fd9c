"""Overlay kernels (叠加分析): intersect two polygon layers and sum ellipsoidal areas.

The fast path reused by site review, change detection, statistics and
indicators. For layers A ("left", e.g. 图斑 parcels) and B ("right", e.g.
control zones such as 永久基本农田 or 生态保护红线):

1. one bulk STRtree query finds every pair whose polygons intersect; the tree
   is built on the left layer and queried with the right polygons, so each
   right polygon is prepared once and tested against the many small left
   polygons near it;
2. a prepared ``contains_properly`` test finds the pairs where the left polygon
   lies wholly inside the right one: those need no clipping and take the left
   polygon's own area (typically most pairs);
3. only the remaining boundary-crossing pairs need clipping: their overlap
   areas come from a vectorised boundary integral (no overlap polygons are
   built), with GEOS ``intersection`` for pairs whose boundaries touch or
   share segments, or when the overlap geometries are asked for.

Pure module: arrays in, arrays and small tables out; no file or database access.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from onemap.geometry.area import ellipsoidal_area
from onemap.geometry.intersection_area import intersection_areas

IntArray = npt.NDArray[np.intp]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
GeomArray = npt.NDArray[np.object_]

AREA_COLUMN = "area_m2"


@dataclass(frozen=True)
class PairOverlay:
    """Intersecting pairs of two layers and the ellipsoidal area of each overlap.

    Attributes
    ----------
    left, right : ndarray of intp
        Positions in the left and right inputs, sorted by (left, right).
    area : ndarray of float64
        Ellipsoidal area of the overlap in m² (CGCS2000); 0 for pairs that only
        touch.
    inside : ndarray of bool
        True where the left polygon lies wholly inside the right one (no
        clipping was done; ``area`` is the left polygon's own area).
    geometry : ndarray of shapely geometries, or None
        The overlap geometry of each pair (the left polygon itself where
        ``inside``), only when asked for with ``with_geometry=True``.
    """

    left: IntArray
    right: IntArray
    area: FloatArray
    inside: BoolArray
    geometry: GeomArray | None = None

    def __len__(self) -> int:
        return len(self.left)


def _as_geoms(values: npt.ArrayLike) -> GeomArray:
    arr = np.asarray(values, dtype=object)
    return arr.reshape(1) if arr.ndim == 0 else arr.ravel()


def _intersection(a: GeomArray, b: GeomArray) -> GeomArray:
    """Pairwise GEOS intersection; invalid inputs are repaired (make_valid) and retried."""
    try:
        out: GeomArray = shapely.intersection(a, b)
        return out
    except shapely.errors.GEOSException:
        a = np.where(shapely.is_valid(a), a, shapely.make_valid(a))
        b = np.where(shapely.is_valid(b), b, shapely.make_valid(b))
        fixed: GeomArray = shapely.intersection(a, b)
        return fixed


def intersect_pairs(
    left_geoms: npt.ArrayLike,
    right_geoms: npt.ArrayLike,
    *,
    left_area: npt.ArrayLike | None = None,
    with_geometry: bool = False,
    assume_valid: bool = True,
) -> PairOverlay:
    """Find intersecting (left, right) pairs and the ellipsoidal area of each overlap.

    Parameters
    ----------
    left_geoms, right_geoms : array_like of shapely (Multi)Polygons
        Two layers in longitude/latitude degrees (EPSG:4490). ``None`` and empty
        geometries never pair.
    left_area : array_like of float, optional
        Known ellipsoidal areas of the left polygons in m² (e.g. a stored area
        column); used for pairs where the left polygon is wholly inside.
        Computed with :func:`~onemap.geometry.area.ellipsoidal_area` if omitted.
    with_geometry : bool, default False
        Also return the overlap geometries (every crossing pair then goes
        through GEOS ``intersection``).
    assume_valid : bool, default True
        Trust that the polygons are valid (layers are validated on import).
        With ``False``, invalid polygons are found (``is_valid``) and their
        overlaps computed by GEOS after ``make_valid``.

    Returns
    -------
    PairOverlay
        Pair indices, overlap areas (m²) and the ``inside`` flags.

    Notes
    -----
    Areas are ellipsoidal on CGCS2000 (m²), as everywhere in onemap. Pairs that
    only touch along a boundary are kept with area 0. The right geometries (and
    the left ones of crossing pairs) are prepared in place (``shapely.prepare``),
    which does not change them.

    Without ``with_geometry``, the overlap area of a boundary-crossing pair is
    computed without building the overlap polygon
    (:func:`onemap.geometry.intersection_area.intersection_areas`: the edges
    of each polygon inside the other, split at their crossings); pairs whose
    boundaries touch or share segments, and invalid polygons when
    ``assume_valid=False``, go through GEOS ``intersection`` (repaired with
    ``make_valid`` if GEOS refuses them). Both routes agree to ≈1e-9 relative.

    Examples
    --------
    >>> left = [shapely.box(115.0, 28.0, 115.001, 28.001),
    ...         shapely.box(115.0025, 28.0, 115.004, 28.001)]
    >>> right = [shapely.box(114.99, 27.99, 115.003, 28.01)]
    >>> pairs = intersect_pairs(left, right)
    >>> pairs.left.tolist(), pairs.right.tolist(), pairs.inside.tolist()
    ([0, 1], [0, 0], [True, False])
    >>> (pairs.area / ellipsoidal_area(left)).round(3).tolist()
    [1.0, 0.333]
    """
    left = _as_geoms(left_geoms)
    right = _as_geoms(right_geoms)
    tree = shapely.STRtree(left)
    shapely.prepare(right)
    r_idx, l_idx = tree.query(right, predicate="intersects")
    order = np.lexsort((r_idx, l_idx))
    l_idx, r_idx = l_idx[order], r_idx[order]
    inside = shapely.contains_properly(right[r_idx], left[l_idx])
    area = np.empty(len(l_idx))
    if left_area is None:
        area[inside] = ellipsoidal_area(left[l_idx[inside]])
    else:
        area[inside] = np.asarray(left_area, dtype=np.float64)[l_idx[inside]]
    cross = np.flatnonzero(~inside)
    geometry = None
    if with_geometry:
        pieces = _intersection(left[l_idx[cross]], right[r_idx[cross]])
        area[cross] = ellipsoidal_area(pieces)
        geometry = np.empty(len(l_idx), dtype=object)
        geometry[inside] = left[l_idx[inside]]
        geometry[cross] = pieces
    else:
        area[cross] = _crossing_areas(left, right, l_idx[cross], r_idx[cross], assume_valid)
    return PairOverlay(left=l_idx, right=r_idx, area=area, inside=inside, geometry=geometry)


def _crossing_areas(
    left: GeomArray, right: GeomArray, l_idx: IntArray, r_idx: IntArray, assume_valid: bool
) -> FloatArray:
    """Overlap areas of boundary-crossing pairs: boundary integral, GEOS where needed."""
    area, done = intersection_areas(left, right, l_idx, r_idx)
    if not assume_valid:
        done &= shapely.is_valid(left[l_idx]) & shapely.is_valid(right[r_idx])
    rest = np.flatnonzero(~done)
    if len(rest):
        pieces = _intersection(left[l_idx[rest]], right[r_idx[rest]])
        area[rest] = ellipsoidal_area(pieces)
    return area


def area_by_class(
    left_geoms: npt.ArrayLike,
    left_class: npt.ArrayLike,
    right_geoms: npt.ArrayLike,
    right_key: npt.ArrayLike,
    *,
    left_area: npt.ArrayLike | None = None,
    assume_valid: bool = True,
) -> pd.DataFrame:
    """Sum overlap areas by (left class, right key): e.g. 地类 × 管控区.

    Parameters
    ----------
    left_geoms : array_like of shapely (Multi)Polygons
        Left layer in lon/lat degrees (EPSG:4490).
    left_class : array_like
        One class value per left polygon (e.g. DLBM land-class code).
    right_geoms : array_like of shapely (Multi)Polygons
        Right layer in lon/lat degrees (EPSG:4490).
    right_key : array_like
        One key per right polygon (e.g. control-zone id or type).
    left_area : array_like of float, optional
        Known left areas in m², see :func:`intersect_pairs`.
    assume_valid : bool, default True
        See :func:`intersect_pairs`.

    Returns
    -------
    pandas.DataFrame
        Columns ``class``, ``key``, ``area_m2`` (ellipsoidal m², CGCS2000) and
        ``pairs`` (number of intersecting pairs), one row per combination that
        occurs, sorted by class then key.

    Notes
    -----
    A left polygon overlapping two right polygons with the same key counts
    twice if those right polygons overlap each other; dissolve the right layer
    by key first when that matters.

    Examples
    --------
    >>> left = [shapely.box(115.0, 28.0, 115.001, 28.001),
    ...         shapely.box(115.0025, 28.0, 115.004, 28.001)]
    >>> right = [shapely.box(114.99, 27.99, 115.003, 28.01)]
    >>> t = area_by_class(left, ["0101", "0301"], right, ["基本农田"])
    >>> t[["class", "key", "pairs"]].values.tolist()
    [['0101', '基本农田', 1], ['0301', '基本农田', 1]]
    >>> t["area_m2"].round(0).tolist()
    [10900.0, 5450.0]
    """
    pairs = intersect_pairs(left_geoms, right_geoms, left_area=left_area, assume_valid=assume_valid)
    classes = np.asarray(left_class)[pairs.left]
    keys = np.asarray(right_key)[pairs.right]
    return summarise_pairs(classes, keys, pairs.area)


def summarise_pairs(
    classes: npt.ArrayLike, keys: npt.ArrayLike, area: npt.ArrayLike
) -> pd.DataFrame:
    """Group pair areas by (class, key) with integer codes and ``np.bincount``.

    Examples
    --------
    >>> summarise_pairs(["a", "b", "a"], [1, 1, 1], [1.0, 2.0, 3.0]).values.tolist()
    [['a', 1, 4.0, 2], ['b', 1, 2.0, 1]]
    """
    class_codes, class_values = pd.factorize(np.asarray(classes), sort=True)
    key_codes, key_values = pd.factorize(np.asarray(keys), sort=True)
    combined = class_codes.astype(np.int64) * max(len(key_values), 1) + key_codes
    uniq, inverse = np.unique(combined, return_inverse=True)
    sums = np.bincount(inverse, weights=np.asarray(area, dtype=np.float64), minlength=len(uniq))
    counts = np.bincount(inverse, minlength=len(uniq))
    n_keys = max(len(key_values), 1)
    return pd.DataFrame(
        {
            "class": class_values[uniq // n_keys],
            "key": key_values[uniq % n_keys],
            AREA_COLUMN: sums,
            "pairs": counts,
        }
    )


def merge_area_tables(tables: list[pd.DataFrame]) -> pd.DataFrame:
    """Reduce per-partition ``area_by_class`` tables to one (sums by class and key).

    Examples
    --------
    >>> a = pd.DataFrame({"class": ["x"], "key": ["k"], "area_m2": [1.5], "pairs": [1]})
    >>> merge_area_tables([a, a]).values.tolist()
    [['x', 'k', 3.0, 2]]
    """
    frames = [t for t in tables if len(t)]
    if not frames:
        return pd.DataFrame({"class": [], "key": [], AREA_COLUMN: [], "pairs": []})
    merged = pd.concat(frames, ignore_index=True)
    return (
        merged.groupby(["class", "key"], sort=True, as_index=False)[[AREA_COLUMN, "pairs"]]
        .sum()
        .reset_index(drop=True)
    )
