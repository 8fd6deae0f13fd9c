"""Checks of the rights register itself: 过期仍在采 (expired but active) and 矿业权重叠.

Pure module: a frame of rights and the check date in, findings out.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

import numpy as np

from onemap.geometry.overlay import intersect_pairs
from onemap.mining.models import RegisterIssue

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

VALID_STATUS = ("active", "suspended")


def _in_force(status: str, start: date | None, end: date | None, as_of: date) -> bool:
    return (status in VALID_STATUS and (start is None or start <= as_of)
            and (end is None or end >= as_of))


def valid_mask(rights: pd.DataFrame, as_of: date) -> np.ndarray:
    """Rights in force on ``as_of``: status active/suspended and within their validity.

    ``valid_from`` / ``valid_to`` hold :class:`datetime.date` values or None (open).
    """
    return np.array([_in_force(r.status, _date(r.valid_from), _date(r.valid_to), as_of)
                     for r in rights.itertuples(index=False)], dtype=bool)


def _date(value: object) -> date | None:
    return value if isinstance(value, date) else None


def expired_active(rights: pd.DataFrame, as_of: date) -> list[RegisterIssue]:
    """Rights whose validity ended before ``as_of`` but whose status is still active."""
    out = []
    for r in rights.itertuples(index=False):
        end = _date(r.valid_to)
        if r.status != "active" or end is None or end >= as_of:
            continue
        days = (as_of - end).days
        out.append(RegisterIssue(kind="expired_active", right_no=r.right_no, county=r.county,
                                 valid_to=end, days_overdue=days,
                                 text=f"有效期已于 {end.isoformat()} 届满 {days} 天，状态仍为有效"))
    return out


def overlapping_rights(rights: gpd.GeoDataFrame, min_overlap_m2: float) -> list[RegisterIssue]:
    """Pairs of rights (not 注销) whose areas overlap by at least ``min_overlap_m2``."""
    live = rights[rights["status"] != "closed"].reset_index(drop=True)
    if len(live) < 2:
        return []
    geoms = live.geometry.to_numpy()
    pairs = intersect_pairs(geoms, geoms)
    keep = (pairs.left < pairs.right) & (pairs.area >= min_overlap_m2)
    out = []
    for i, j, a in zip(pairs.left[keep], pairs.right[keep], pairs.area[keep], strict=True):
        one, two = live.iloc[int(i)], live.iloc[int(j)]
        out.append(RegisterIssue(kind="overlap", right_no=one.right_no, other=two.right_no,
                                 county=one.county, overlap_m2=float(a),
                                 text=f"与 {two.right_no} 范围重叠 {float(a):,.1f} m²"))
    return out
