"""Build findings from vectorised check results (shared by the pure check modules)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
import shapely

from onemap.quality.models import RULES, QcFinding

if TYPE_CHECKING:
    from collections.abc import Sequence

GeomArray = npt.NDArray[np.object_]


def locations(geoms: GeomArray) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Return a point inside each geometry (or on it; NaN for missing/empty)."""
    out_x = np.full(len(geoms), np.nan)
    out_y = np.full(len(geoms), np.nan)
    ok = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    if ok.any():
        valid = shapely.is_valid(geoms[ok])
        pts = np.empty(int(ok.sum()), dtype=object)
        pts[valid] = shapely.point_on_surface(geoms[ok][valid])
        # GEOS may refuse point_on_surface on invalid geometry: use the centroid there
        pts[~valid] = shapely.centroid(geoms[ok][~valid])
        out_x[ok] = shapely.get_x(pts)
        out_y[ok] = shapely.get_y(pts)
    return out_x, out_y


def make_findings(
    rule: str,
    county: str,
    messages_zh: Sequence[str],
    messages_en: Sequence[str],
    *,
    feature_ids: Sequence[str | None] | None = None,
    areas: Sequence[float] | npt.NDArray[np.float64] | None = None,
    geoms: GeomArray | None = None,
    with_wkt: bool = False,
    wkt_decimals: int = 7,
) -> list[QcFinding]:
    """Return one :class:`QcFinding` per message, located at a point of each geometry."""
    n = len(messages_zh)
    severity = RULES[rule].severity
    xs = ys = np.full(n, np.nan)
    wkts: list[str | None] = [None] * n
    if geoms is not None and n:
        xs, ys = locations(geoms)
        if with_wkt:
            wkts = list(shapely.to_wkt(geoms, rounding_precision=wkt_decimals))
    out = []
    for i in range(n):
        out.append(QcFinding(
            rule=rule, severity=severity, county=county,
            feature_id=None if feature_ids is None else feature_ids[i],
            message_zh=messages_zh[i], message_en=messages_en[i],
            area_m2=None if areas is None else round(float(areas[i]), 2),
            x=None if np.isnan(xs[i]) else round(float(xs[i]), wkt_decimals),
            y=None if np.isnan(ys[i]) else round(float(ys[i]), wkt_decimals),
            wkt=wkts[i]))
    return out
