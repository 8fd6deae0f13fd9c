"""Verification of warnings against events (预警检验): the 2×2 table per level and county.

Each site-day is one sample: warned when its level is at or above the level scored, an
event when an event was reported at the site that day. ``POD = h/(h+m)``,
``FAR = f/(h+f)``, ``CSI = h/(h+m+f)``, ``TSS = h/(h+m) − f/(f+cn)``; a ratio with an empty
denominator is None.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from onemap.hazards.models import Contingency, Level

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

WARN_LEVELS = (Level.BLUE, Level.YELLOW, Level.ORANGE, Level.RED)


def _ratio(num: int, den: int) -> float | None:
    return num / den if den else None


def contingency(level: Level, county: str, warned: npt.NDArray[np.bool_],
                occurred: npt.NDArray[np.bool_]) -> Contingency:
    """Return the 2×2 table and its scores for one set of samples."""
    h = int((warned & occurred).sum())
    m = int((~warned & occurred).sum())
    f = int((warned & ~occurred).sum())
    cn = int((~warned & ~occurred).sum())
    pod, pofd = _ratio(h, h + m), _ratio(f, f + cn)
    return Contingency(level=level, county=county, hits=h, misses=m, false_alarms=f,
                       correct_negatives=cn, pod=pod, far=_ratio(f, h + f),
                       csi=_ratio(h, h + m + f),
                       tss=None if pod is None or pofd is None else pod - pofd)


def score_table(levels: npt.NDArray[np.int64], occurred: npt.NDArray[np.bool_],
                counties: npt.NDArray[np.str_]) -> list[Contingency]:
    """Rows for every warning level, over all sites (``all``) and per county.

    ``levels`` and ``occurred`` are (sites, days); ``counties`` is (sites,).
    """
    rows = []
    codes = sorted(set(counties.tolist()))
    for lv in WARN_LEVELS:
        warned = levels >= int(lv)
        rows.append(contingency(lv, "all", warned, occurred))
        for code in codes:
            mask = counties == code
            rows.append(contingency(lv, code, warned[mask], occurred[mask]))
    return rows
