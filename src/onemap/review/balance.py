"""耕地占补平衡 need of a site: quantity to supplement, of which paddy, and quality to match."""

from __future__ import annotations

import math

from onemap.review.models import FarmlandBalance, ParcelFigures

UNGRADED = ""  # key of farmland without a GDDB grade in ``farmland_by_grade``


def farmland_balance(totals: ParcelFigures) -> FarmlandBalance:
    """Return the 占补平衡 need for the farmland a site takes.

    占一补一: the farmland taken (net of 田坎) is to be supplemented; 占水田补水田:
    of which paddy; 占优补优: the supplement's quality grade (耕地等别, 1 best … 15
    worst) must be at least as good as the area-weighted mean grade of the farmland
    taken, so ``required_grade`` is that mean rounded down to a whole grade.

    Notes
    -----
    Areas in m² on the CGCS2000 ellipsoid.

    Examples
    --------
    >>> t = ParcelFigures(parcel_id="1", area_m2=300.0, farmland_m2=300.0, paddy_m2=100.0,
    ...                   farmland_by_grade={"5": 100.0, "6": 200.0})
    >>> b = farmland_balance(t)
    >>> b.required, b.farmland_m2, b.paddy_m2, round(b.mean_grade, 4), b.required_grade
    (True, 300.0, 100.0, 5.6667, 5)
    """
    graded = {g: a for g, a in totals.farmland_by_grade.items() if g != UNGRADED and a > 0}
    graded_area = sum(graded.values())
    mean = None
    required_grade = None
    if graded_area > 0:
        mean = sum(float(g) * a for g, a in graded.items()) / graded_area
        required_grade = max(1, math.floor(mean + 1e-9))
    return FarmlandBalance(
        required=totals.farmland_m2 > 0,
        farmland_m2=totals.farmland_m2,
        paddy_m2=totals.paddy_m2,
        by_grade=dict(sorted(graded.items(), key=lambda kv: float(kv[0]))),
        mean_grade=mean,
        required_grade=required_grade,
        ungraded_m2=max(0.0, totals.farmland_m2 - graded_area),
    )
