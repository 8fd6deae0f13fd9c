"""Geometry validity checks (几何检查): missing/empty and invalid geometries, with GEOS reasons."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import shapely

from onemap.quality.findings import GeomArray, make_findings

if TYPE_CHECKING:
    from collections.abc import Sequence

    from onemap.quality.models import QcFinding


def check_geometry(ids: Sequence[str], geoms: GeomArray, county: str) -> list[QcFinding]:
    """Report missing/empty geometries and invalid ones (reason from ``shapely.is_valid_reason``).

    Examples
    --------
    >>> bowtie = shapely.Polygon([(115, 28), (115.01, 28.01), (115.01, 28), (115, 28.01)])
    >>> [f.rule for f in check_geometry(["1", "2"], np.array([bowtie, None]), "360111")]
    ['GEOM_EMPTY', 'GEOM_INVALID']
    >>> sliver = shapely.GeometryCollection([shapely.box(115, 28, 115.01, 28.01),
    ...                                      shapely.LineString([(115, 28), (115.1, 28)])])
    >>> [f.rule for f in check_geometry(["3"], np.array([sliver]), "360111")]
    ['GEOM_NON_AREAL_PARTS']
    """
    id_arr = np.asarray(ids, dtype=object)
    empty = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    out = []
    if empty.any():
        k = np.flatnonzero(empty)
        out += make_findings("GEOM_EMPTY", county, ["几何为空"] * len(k),
                             ["geometry is missing or empty"] * len(k),
                             feature_ids=list(id_arr[k]))
    collections = ~empty & (shapely.get_type_id(geoms) == shapely.GeometryType.GEOMETRYCOLLECTION)
    if collections.any():
        k = np.flatnonzero(collections)
        kinds = [sorted({p.geom_type for p in shapely.get_parts(g)} - {"Polygon", "MultiPolygon"})
                 for g in geoms[k]]
        k = np.array([i for i, extra in zip(k, kinds, strict=True) if extra], dtype=int)
        extras = [", ".join(extra) for extra in kinds if extra]
        if len(k):
            out += make_findings(
                "GEOM_NON_AREAL_PARTS", county,
                [f"几何集合含非面部分 ({e}), OGC 与公开版输出时去除" for e in extras],
                [f"GeometryCollection with {e} parts, dropped from OGC and public output"
                 for e in extras], feature_ids=list(id_arr[k]), geoms=geoms[k])
    invalid = ~empty & ~shapely.is_valid(geoms)
    if invalid.any():
        k = np.flatnonzero(invalid)
        reasons = shapely.is_valid_reason(geoms[k])
        out += make_findings("GEOM_INVALID", county, [f"几何无效: {r}" for r in reasons],
                             [f"invalid geometry: {r}" for r in reasons],
                             feature_ids=list(id_arr[k]), geoms=geoms[k])
    return out


def usable_geometries(geoms: GeomArray) -> GeomArray:
    """Return geometries fit for overlay: invalid ones repaired (make_valid), empty kept empty."""
    out = geoms.copy()
    bad = ~(shapely.is_missing(out) | shapely.is_empty(out)) & ~shapely.is_valid(out)
    if bad.any():
        out[bad] = shapely.make_valid(out[bad])
    missing = shapely.is_missing(out)
    out[missing] = shapely.Polygon()
    return out
