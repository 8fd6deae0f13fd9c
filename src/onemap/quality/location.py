"""Location check (坐落检查): a feature must lie in the county its ZLDWDM names."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import shapely

from onemap.quality.findings import GeomArray, make_findings

if TYPE_CHECKING:
    from collections.abc import Sequence

    from onemap.quality.models import QcFinding

BOUNDARY_TOLERANCE_DEG = 1e-6  # ≈ 0.1 m (the sliver width tolerance): on the boundary is in


def find_outside_county(ids: Sequence[str], geoms: GeomArray, county_geom: shapely.Geometry,
                        county: str, code_field: str = "ZLDWDM") -> list[QcFinding]:
    """Report features whose interior point is not in the county polygon (boundary counts in).

    ``county`` is the code the features' ``code_field`` (ZLDWDM, XZQDM) names —
    the partition key — and ``county_geom`` that county's polygon from admin_county.

    Examples
    --------
    >>> county = shapely.box(115, 28, 115.1, 28.1)
    >>> geoms = np.array([shapely.box(115.01, 28.01, 115.02, 28.02),
    ...                   shapely.box(116, 28, 116.01, 28.01)])
    >>> [f.feature_id for f in find_outside_county(["1", "2"], geoms, county, "360111")]
    ['2']
    """
    ok = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    k = np.flatnonzero(ok)
    if not len(k):
        return []
    sub = geoms[k]
    invalid = ~shapely.is_valid(sub)
    if invalid.any():
        sub = sub.copy()
        sub[invalid] = shapely.make_valid(sub[invalid])
    points = shapely.point_on_surface(sub)
    shapely.prepare(county_geom)
    out = ~shapely.covers(county_geom, points)
    if out.any():  # a point on the shared boundary may miss by floating-point noise
        out[out] = ~shapely.dwithin(county_geom, points[out], BOUNDARY_TOLERANCE_DEG)
    outside = k[out]
    id_arr = np.asarray(ids, dtype=object)
    return make_findings(
        "LOCATION_OUTSIDE_COUNTY", county,
        [f"要素位于其 {code_field} 所指县 {county} 之外"] * len(outside),
        [f"feature lies outside county {county} named by its {code_field}"] * len(outside),
        feature_ids=list(id_arr[outside]), geoms=geoms[outside])
