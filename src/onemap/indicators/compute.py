"""Spatial indicator kernels per county and the county → city → province reductions (pure).

Areas are m² on the CGCS2000 ellipsoid: DLTB class areas are the survey's
``TBDLMJ`` (图斑地类面积, TBMJ − KCMJ where missing), other polygons are measured
with :func:`onemap.geometry.area.ellipsoidal_area`; results are converted to the
indicator's unit (万亩, km2, 公顷, 亩) at the end.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from onemap.geometry.area import ellipsoidal_area
from onemap.geometry.overlay import intersect_pairs
from onemap.indicators.errors import IndicatorInputError

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

M2_PER_UNIT: dict[str, float] = {
    "m2": 1.0, "km2": 1e6, "km²": 1e6, "公顷": 1e4, "ha": 1e4, "亩": 10000.0 / 15.0,
    "万亩": 10000.0 / 15.0 * 1e4,
}


def from_m2(value_m2: float, unit: str) -> float:
    """Convert an area in m² to ``unit`` (万亩, km2, 公顷, 亩).

    Examples
    --------
    >>> round(from_m2(666_666.67, "万亩") * 10000, 6)  # 1000 亩
    1000.000005
    >>> from_m2(2.5e6, "km2")
    2.5
    """
    try:
        return value_m2 / M2_PER_UNIT[unit]
    except KeyError:
        raise IndicatorInputError(f"no area conversion to unit {unit!r}") from None


def class_area_m2(attrs: pd.DataFrame, classes: Iterable[str]) -> float:
    """Return Σ TBDLMJ of the DLTB rows whose DLBM is in ``classes`` (m²).

    Where TBDLMJ is missing it is TBMJ − KCMJ (the 三调 convention).

    Examples
    --------
    >>> df = pd.DataFrame({"DLBM": ["0101", "0103", "0701"], "TBMJ": [100.0, 50.0, 30.0],
    ...                    "KCMJ": [10.0, 0.0, 0.0], "TBDLMJ": [90.0, None, 30.0]})
    >>> class_area_m2(df, ["0101", "0102", "0103"])
    140.0
    """
    if len(attrs) == 0:
        return 0.0
    codes = attrs["DLBM"].astype(str).str.strip()
    tbmj = pd.to_numeric(attrs["TBMJ"], errors="coerce").fillna(0.0)
    kcmj = pd.to_numeric(attrs.get("KCMJ", 0.0), errors="coerce")
    kcmj = kcmj.fillna(0.0) if isinstance(kcmj, pd.Series) else 0.0
    if "TBDLMJ" in attrs:
        tbdlmj = pd.to_numeric(attrs["TBDLMJ"], errors="coerce").fillna(tbmj - kcmj)
    else:
        tbdlmj = tbmj - kcmj
    return float(tbdlmj[codes.isin(set(classes)).to_numpy()].sum())


def polygon_area_m2(geoms: Iterable[object]) -> float:
    """Return the total ellipsoidal area of polygons in lon/lat degrees (m², CGCS2000)."""
    arr = np.asarray(list(geoms), dtype=object)
    if len(arr) == 0:
        return 0.0
    return float(np.nansum(ellipsoidal_area(arr)))


def class_change_m2(prev_geoms: Iterable[object], prev_codes: Iterable[str],
                    cur_geoms: Iterable[object], cur_codes: Iterable[str],
                    classes: Iterable[str]) -> float:
    """Return the area that is in ``classes`` now and was not in the previous vintage (m²).

    The current polygons of ``classes`` are overlaid on the previous polygons of
    other classes; the ellipsoidal areas of the overlaps are summed (新增建设用地).
    """
    wanted = set(classes)
    prev = np.asarray(list(prev_geoms), dtype=object)
    cur = np.asarray(list(cur_geoms), dtype=object)
    prev_in = np.isin(np.asarray([str(c).strip() for c in prev_codes]), list(wanted))
    cur_in = np.isin(np.asarray([str(c).strip() for c in cur_codes]), list(wanted))
    left, right = cur[cur_in], prev[~prev_in]
    if len(left) == 0 or len(right) == 0:
        return 0.0
    return float(intersect_pairs(left, right).area.sum())


def intensity_decline(amount: float, per: float, base_amount: float, base_per: float) -> float:
    """Return the decline (%) of ``amount / per`` against ``base_amount / base_per``.

    Examples
    --------
    >>> round(intensity_decline(100.0, 125.0, 100.0, 100.0), 6)  # 20 % less land per GDP
    20.0
    """
    if per <= 0 or base_per <= 0 or base_amount <= 0:
        raise IndicatorInputError("intensity needs positive amounts and statistics")
    return (1.0 - (amount / per) / (base_amount / base_per)) * 100.0


def parents(code: str) -> list[str]:
    """Return the city and province codes above a 6-digit county code.

    Examples
    --------
    >>> parents("360111")
    ['360100', '360000']
    """
    return [code[:4] + "00", code[:2] + "0000"]


def reduce_regions(county_values: Mapping[str, float]) -> dict[str, float]:
    """Sum county values into cities and the province; return every region's value.

    Examples
    --------
    >>> reduce_regions({"360111": 1.0, "360121": 2.0, "360203": 4.0})["360000"]
    7.0
    """
    out: dict[str, float] = {}
    for code, value in county_values.items():
        out[code] = out.get(code, 0.0) + float(value)
        for parent in parents(code):
            if parent != code:
                out[parent] = out.get(parent, 0.0) + float(value)
    return out


def level_of(code: str) -> str:
    """Return ``province``, ``city`` or ``county`` for a 6-digit region code."""
    if code.endswith("0000"):
        return "province"
    if code.endswith("00"):
        return "city"
    return "county"
