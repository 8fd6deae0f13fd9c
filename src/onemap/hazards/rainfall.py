"""Effective antecedent rainfall (有效前期降雨量) ``Pe = R0 + Σ_{i=1..n} K^i·R_i``.

``R0`` is the rain of the warning day (forecast, or observed in a hindcast) and ``R_i`` the
observed daily rain ``i`` days before. Arrays are (sites, days) in mm, oldest day first;
days before the record starts count as dry.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]


def decay_weights(k: float, days: int) -> FloatArray:
    """Weights ``[K^n, …, K^1, K^0]`` matching a window whose last column is ``R0``.

    Examples
    --------
    >>> decay_weights(0.5, 2).tolist()
    [0.25, 0.5, 1.0]
    """
    return np.power(float(k), np.arange(days, -1, -1, dtype=np.float64))


def effective_rainfall(series: FloatArray, k: float = 0.8, days: int = 10) -> FloatArray:
    """Pe of each site for the last day of ``series`` (that column is ``R0``).

    Parameters
    ----------
    series : (sites, days) array
        Daily rain in mm, oldest first; fewer than ``days + 1`` columns means earlier
        days were dry.
    k, days : float, int
        Decay coefficient K (0 < K < 1) and antecedent days n.

    Examples
    --------
    >>> effective_rainfall(np.array([[10.0, 0.0, 20.0]]), k=0.5, days=2).tolist()
    [22.5]
    """
    arr = np.atleast_2d(np.asarray(series, dtype=np.float64))
    window = arr[:, -(days + 1):]
    weights = decay_weights(k, days)[-window.shape[1]:]
    return window @ weights


def effective_rainfall_history(series: FloatArray, k: float = 0.8,
                               days: int = 10) -> FloatArray:
    """Pe of every site on every day of ``series`` (same shape), each day its own ``R0``.

    Examples
    --------
    >>> effective_rainfall_history(np.array([[10.0, 0.0, 20.0]]), k=0.5, days=2).tolist()
    [[10.0, 5.0, 22.5]]
    """
    arr = np.atleast_2d(np.asarray(series, dtype=np.float64))
    out = arr.copy()
    factor = 1.0
    for i in range(1, days + 1):
        factor *= k
        if i >= arr.shape[1]:
            break
        out[:, i:] += factor * arr[:, :-i]
    return out
