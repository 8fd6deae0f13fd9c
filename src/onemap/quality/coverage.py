"""Coverage checks (图斑拓扑): overlaps between polygons and gaps in a county's tiling.

A coverage layer (DLTB) must tile its county exactly: no two polygons share
interior, and together they cover the county polygon (admin_county). Both checks
are vectorised over the whole county. GEOS coverage validation first flags the
polygons whose edges do not match their neighbours'; overlap candidates are the
STRtree pairs of flagged polygons only, and their intersections are computed
all at once. Gaps are ``county − union(polygons)`` split into parts, where the
union is the fast coverage union of the unflagged polygons merged with the
flagged ones.

Tolerance: an overlap or gap polygon is a sliver, and is ignored, when its
ellipsoidal area is below ``sliver_tolerance_m2`` (default 1 m²) **or** its mean
width (2 × area / perimeter) is below ``sliver_width_m`` (default 0.1 m).
Polygons that share their vertices leave no slivers at all; boundaries computed
separately (a county outline and the polygons clipped to it) leave
floating-point slivers: on the demo province they are 3 mm – 4 cm wide but up to
5 km long, hence up to ~100 m², which is why area alone is not enough. Real
tiling errors in survey data (mis-snapped vertices, duplicated or missing
polygons) are decimetres to metres wide, above the 0.5 m boundary accuracy the
survey requires of 1:2000–1:10000 mapping only when they matter, and are kept.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
import shapely

from onemap.geometry.area import ellipsoidal_area
from onemap.quality.findings import GeomArray, make_findings

if TYPE_CHECKING:
    from collections.abc import Sequence

    from onemap.quality.models import QcFinding

_POLYGONAL = (shapely.GeometryType.POLYGON, shapely.GeometryType.MULTIPOLYGON)


def polygonal_parts(geoms: GeomArray) -> tuple[GeomArray, npt.NDArray[np.intp]]:
    """Split geometries into their polygon parts, dropping points and lines (index per part)."""
    parts, index = shapely.get_parts(geoms, return_index=True)
    nested = shapely.get_type_id(parts) == shapely.GeometryType.MULTIPOLYGON
    if nested.any():  # a GeometryCollection may hold multipolygons
        more, more_idx = shapely.get_parts(parts[nested], return_index=True)
        parts = np.concatenate([parts[~nested], more])
        index = np.concatenate([index[~nested], index[nested][more_idx]])
    keep = shapely.get_type_id(parts) == shapely.GeometryType.POLYGON
    keep &= ~shapely.is_empty(parts)
    return parts[keep], index[keep]


def mean_width_m(parts: GeomArray, areas_m2: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Return 2 × area / perimeter (m) of each polygon: the width of a long thin sliver.

    The perimeter is measured in a local equirectangular frame at the parts' mean
    latitude (accurate to well under 1 % across a county; used only for a tolerance).

    Examples
    --------
    >>> strip = shapely.box(115.0, 28.0, 115.01, 28.0 + 1e-6)   # ~980 m × 0.11 m
    >>> w = mean_width_m(np.array([strip]), ellipsoidal_area([strip]))
    >>> bool(0.10 < w[0] < 0.12)
    True
    """
    if not len(parts):
        return np.zeros(0)
    lat = float(np.mean(shapely.bounds(parts)[:, [1, 3]]))
    scale = np.array([np.cos(np.radians(lat)) * 111_320.0, 110_574.0])
    perimeter = shapely.length(shapely.transform(parts, lambda xy: xy * scale))
    return np.where(perimeter > 0, 2.0 * areas_m2 / np.maximum(perimeter, 1e-12), 0.0)


def _not_sliver(parts: GeomArray, areas: npt.NDArray[np.float64], min_area: float,
                min_width: float) -> npt.NDArray[np.bool_]:
    return (areas >= min_area) & (mean_width_m(parts, areas) >= min_width)


def coverage_suspects(geoms: GeomArray) -> npt.NDArray[np.bool_]:
    """Flag polygons whose edges do not match their neighbours' (GEOS coverage validation).

    A polygon with no invalid coverage edge neither overlaps a neighbour's interior
    through its own edges nor leaves a mismatched seam, so overlap pairs need only
    be tested from flagged polygons (their partners may be unflagged, e.g. a
    polygon lying inside another), and unflagged polygons can be merged by the
    fast coverage union. Non-polygonal geometries are always flagged; without
    GEOS ≥ 3.12 every polygon is.

    Examples
    --------
    >>> a, b = shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1)
    >>> coverage_suspects(np.array([a, b, shapely.box(0.2, 0.2, 0.4, 0.4)])).tolist()
    [False, False, True]
    """
    flag = np.ones(len(geoms), dtype=bool)
    polygonal = np.isin(shapely.get_type_id(geoms), _POLYGONAL) & ~shapely.is_empty(geoms)
    if polygonal.any() and hasattr(shapely, "coverage_invalid_edges"):
        edges = shapely.coverage_invalid_edges(geoms[polygonal])
        flag[polygonal] = ~shapely.is_empty(edges)
    return flag


def find_overlaps(
    ids: Sequence[str], geoms: GeomArray, county: str, *, sliver_tolerance_m2: float = 1.0,
    sliver_width_m: float = 0.1, wkt_decimals: int = 7,
    suspects: npt.NDArray[np.bool_] | None = None,
) -> list[QcFinding]:
    """Report every pair of polygons whose interiors overlap by at least the tolerance.

    Parameters
    ----------
    ids : sequence of str
        Feature ids (BSM), aligned with ``geoms``.
    geoms : ndarray of shapely geometries
        Valid polygons in EPSG:4490 (repair invalid ones first).
    county : str
        County code recorded on the findings.
    suspects : ndarray of bool, optional
        :func:`coverage_suspects` of ``geoms`` (computed when not given).

    Returns
    -------
    list of QcFinding
        One ``COVERAGE_OVERLAP`` per overlapping pair, ``feature_id`` ``"a|b"``,
        with the overlap polygon (WKT), its ellipsoidal area (m²) and a point in it.

    Examples
    --------
    >>> a, b = shapely.box(115, 28, 115.01, 28.01), shapely.box(115.005, 28, 115.015, 28.01)
    >>> f = find_overlaps(["1", "2"], np.array([a, b]), "360111")[0]
    >>> f.feature_id, round(f.area_m2 / 1e4, 1)
    ('1|2', 54.5)
    """
    if len(geoms) < 2:
        return []
    flagged = np.flatnonzero(coverage_suspects(geoms) if suspects is None else suspects)
    if not len(flagged):
        return []
    tree = shapely.STRtree(geoms)
    src, right = tree.query(geoms[flagged], predicate="intersects")
    left = flagged[src]
    pairs = np.unique(np.column_stack([np.minimum(left, right), np.maximum(left, right)]), axis=0)
    pairs = pairs[pairs[:, 0] != pairs[:, 1]]
    left, right = pairs[:, 0], pairs[:, 1]
    inner = shapely.relate_pattern(geoms[left], geoms[right], "T********")
    left, right = left[inner], right[inner]
    if not len(left):
        return []
    inter = shapely.intersection(geoms[left], geoms[right])
    parts, pair = polygonal_parts(inter)
    part_area = ellipsoidal_area(parts)
    keep_part = _not_sliver(parts, part_area, 0.0, sliver_width_m)
    parts, pair, part_area = parts[keep_part], pair[keep_part], part_area[keep_part]
    area = np.bincount(pair, weights=part_area, minlength=len(left)).astype(np.float64)
    big = np.flatnonzero(area >= sliver_tolerance_m2)
    if not len(big):
        return []
    sel = np.isin(pair, big)
    polys = shapely.multipolygons(parts[sel], indices=np.searchsorted(big, pair[sel]))
    polys = np.array([p if len(p.geoms) > 1 else p.geoms[0] for p in polys], dtype=object)
    id_arr = np.asarray(ids, dtype=object)
    a, b, ar = id_arr[left[big]], id_arr[right[big]], area[big]
    return make_findings(
        "COVERAGE_OVERLAP", county,
        [f"图斑 {x} 与 {y} 重叠 {m:.2f} 平方米" for x, y, m in zip(a, b, ar, strict=True)],
        [f"features {x} and {y} overlap by {m:.2f} m²" for x, y, m in zip(a, b, ar, strict=True)],
        feature_ids=[f"{x}|{y}" for x, y in zip(a, b, strict=True)], areas=ar, geoms=polys,
        with_wkt=True, wkt_decimals=wkt_decimals)


def covered_area(geoms: GeomArray, suspects: npt.NDArray[np.bool_] | None = None
                 ) -> shapely.Geometry:
    """Return the union of ``geoms``: coverage union of the clean ones, full union of the rest.

    Falls back to a full ``union_all`` if the coverage union comes out invalid.
    """
    flag = coverage_suspects(geoms) if suspects is None else suspects
    clean = geoms[~flag]
    if len(clean) > 1 and hasattr(shapely, "coverage_union_all"):
        merged = shapely.coverage_union_all(clean)
        if shapely.is_valid(merged):
            return shapely.union_all(np.concatenate([[merged], geoms[flag]]))
    return shapely.union_all(geoms)


def find_gaps(
    geoms: GeomArray, county_geom: shapely.Geometry, county: str, *,
    sliver_tolerance_m2: float = 1.0, sliver_width_m: float = 0.1, wkt_decimals: int = 7,
    suspects: npt.NDArray[np.bool_] | None = None,
) -> list[QcFinding]:
    """Report each part of the county polygon that no polygon covers (缝隙).

    Examples
    --------
    >>> county = shapely.box(115, 28, 115.02, 28.01)
    >>> f = find_gaps(np.array([shapely.box(115, 28, 115.01, 28.01)]), county, "360111")
    >>> [(g.rule, round(g.area_m2 / 1e4, 1)) for g in f]
    [('COVERAGE_GAP', 109.0)]
    """
    gaps = shapely.difference(county_geom, covered_area(geoms, suspects))
    parts, _ = polygonal_parts(np.array([gaps], dtype=object))
    if not len(parts):
        return []
    area = ellipsoidal_area(parts)
    big = _not_sliver(parts, area, sliver_tolerance_m2, sliver_width_m)
    parts, area = parts[big], area[big]
    order = np.lexsort((shapely.bounds(parts)[:, 0], shapely.bounds(parts)[:, 1]))
    parts, area = parts[order], area[order]
    return make_findings(
        "COVERAGE_GAP", county,
        [f"县域内存在未被图斑覆盖的缝隙 {m:.2f} 平方米" for m in area],
        [f"gap of {m:.2f} m² not covered by any feature" for m in area],
        areas=area, geoms=parts, with_wkt=True, wkt_decimals=wkt_decimals)
