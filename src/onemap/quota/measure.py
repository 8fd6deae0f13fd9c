"""Farmland of a geometry in DLTB, measured by the site-review overlay (pure).

Credits and debits of the quota ledger take their areas from the same code a site
review uses (:func:`onemap.review.analysis.analyse_parcel` and
:func:`onemap.review.balance.farmland_balance`): 耕地 net of 田坎, 水田, and 等别 from
the DLTB field GDDB, all m² on the CGCS2000 ellipsoid.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from onemap.quota.errors import FarmlandMismatch
from onemap.quota.models import Measured, ProjectIn
from onemap.review.analysis import analyse_parcel
from onemap.review.balance import farmland_balance

if TYPE_CHECKING:
    import geopandas as gpd
    import shapely

AREA_TOLERANCE = 0.001  # 0.1 %: claimed areas may exceed the measured ones by this share
GRADE_TOLERANCE = 0.5  # a claimed grade may be this much better than the measured mean


def measure_farmland(geom: shapely.Geometry, dltb: gpd.GeoDataFrame, vintage: int,
                     ref: str = "") -> Measured:
    """Return the farmland, paddy and grades of ``geom`` in the DLTB frame ``dltb``."""
    fig = analyse_parcel(ref or "1", ref, geom, {"dltb": dltb}, hazard_buffer_m=0.0)
    bal = farmland_balance(fig)
    by_grade = dict(bal.by_grade)
    if bal.ungraded_m2 > 0:
        by_grade[""] = bal.ungraded_m2
    return Measured(dltb_vintage=vintage, area_m2=fig.area_m2, farmland_m2=fig.farmland_m2,
                    paddy_m2=fig.paddy_m2, by_grade=by_grade, mean_grade=bal.mean_grade)


def check_project(project: ProjectIn, measured: Measured) -> None:
    """Refuse a project whose claimed farmland is not farmland in DLTB (with the mismatch).

    The new farmland and paddy claimed must lie within what DLTB of the acceptance year
    shows (to 0.1 %), and the claimed grade may not be better than the measured mean.
    """
    problems: list[str] = []
    slack = 1.0 + AREA_TOLERANCE
    if project.area_m2 > measured.farmland_m2 * slack + 0.01:
        problems.append(f"新增耕地 {project.area_m2:.2f} m² claimed, DLTB {measured.dltb_vintage}"
                        f" shows {measured.farmland_m2:.2f} m² of farmland")
    if project.paddy_m2 > measured.paddy_m2 * slack + 0.01:
        problems.append(f"水田 {project.paddy_m2:.2f} m² claimed, DLTB shows "
                        f"{measured.paddy_m2:.2f} m²")
    if measured.mean_grade is not None and project.grade < measured.mean_grade - GRADE_TOLERANCE:
        problems.append(f"等别 {project.grade} claimed, DLTB mean grade "
                        f"{measured.mean_grade:.2f}")
    if problems:
        raise FarmlandMismatch(
            f"project {project.project_no}: " + "; ".join(problems),
            feature_id=project.project_no,
            user_message=f"补充耕地项目 {project.project_no} 与 {measured.dltb_vintage} 年地类图斑"
                         "不符：" + "；".join(problems),
            claimed_m2=project.area_m2, farmland_m2=measured.farmland_m2,
            paddy_m2=measured.paddy_m2, dltb_vintage=measured.dltb_vintage)
