"""Area units: m², 公顷 (hectare), 亩 (mu), and their official rounding."""

from __future__ import annotations

from typing import Literal

import numpy as np
import numpy.typing as npt

AreaUnit = Literal["m2", "ha", "mu", "km2", "wan_mu"]

M2_PER_HA = 10_000.0
M2_PER_MU = 10_000.0 / 15.0
M2_PER_KM2 = 1_000_000.0
M2_PER_WAN_MU = M2_PER_MU * 10_000.0

_FACTORS: dict[str, float] = {
    "m2": 1.0,
    "ha": M2_PER_HA,
    "mu": M2_PER_MU,
    "km2": M2_PER_KM2,
    "wan_mu": M2_PER_WAN_MU,
}

UNIT_LABELS_ZH: dict[str, str] = {
    "m2": "平方米",
    "ha": "公顷",
    "mu": "亩",
    "km2": "平方千米",
    "wan_mu": "万亩",
}


def convert_area(value_m2: float, unit: str) -> float:
    """Convert an area in m² into ``unit``.

    Notes
    -----
    Input is m² on the CGCS2000 ellipsoid; 1 亩 = 10000/15 m².

    Examples
    --------
    >>> convert_area(10_000, "ha")
    1.0
    >>> round(convert_area(10_000, "mu"), 6)
    15.0
    """
    try:
        return float(value_m2) / _FACTORS[unit]
    except KeyError:
        raise ValueError(f"unknown area unit {unit!r}; use one of {sorted(_FACTORS)}") from None


def to_unit(values_m2: npt.ArrayLike, unit: str) -> npt.NDArray[np.float64]:
    """Vectorised :func:`convert_area`.

    Examples
    --------
    >>> to_unit([10_000.0, 20_000.0], "ha").tolist()
    [1.0, 2.0]
    """
    return np.asarray(values_m2, dtype=np.float64) / _FACTORS[unit]


def round_half_up(value: float, digits: int = 2) -> float:
    """Round half away from zero, the way official tables round (四舍五入).

    Examples
    --------
    >>> round_half_up(0.125, 2)
    0.13
    >>> round_half_up(-2.5, 0)
    -3.0
    """
    from decimal import ROUND_HALF_UP, Decimal

    q = Decimal(1).scaleb(-digits)
    return float(Decimal(repr(float(value))).quantize(q, rounding=ROUND_HALF_UP))


def reconcile_rounded(values: list[float], total: float, digits: int = 2) -> list[float]:
    """Round ``values`` so that they add up to the rounded ``total`` (largest-remainder rule).

    Official tables publish rounded figures whose rows reconcile to the
    rounded total; the leftover units go to the rows with the largest remainders.

    Examples
    --------
    >>> reconcile_rounded([1.005, 1.005, 1.005], 3.015, 2)
    [1.01, 1.01, 1.0]
    """
    scale = 10**digits
    target = int(round_half_up(total * scale, 0))
    floors = [int(np.floor(v * scale + 1e-9)) for v in values]
    remainders = [v * scale - f for v, f in zip(values, floors, strict=True)]
    short = target - sum(floors)
    order = sorted(range(len(values)), key=lambda i: -remainders[i])
    if short >= 0:
        for i in order[:short]:
            floors[i] += 1
    else:
        for i in order[::-1][: -short]:
            floors[i] -= 1
    return [f / scale for f in floors]
