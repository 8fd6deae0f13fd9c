"""The warning kernel: daily rain at sites → Pe, grade, matrix level, I–D check, final level.

Pure and vectorised over sites; the service feeds it (sites, n + 1) daily rain with the
warning day's ``R0`` last, or a whole season for a hindcast.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from onemap.hazards.levels import apply_idf, grades, idf_exceeded, matrix_levels, rain_event
from onemap.hazards.rainfall import effective_rainfall, effective_rainfall_history

if TYPE_CHECKING:
    from onemap.hazards.models import Rules

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass
class SiteFigures:
    """Per-site arrays of one warning day."""

    pe: FloatArray
    r0: FloatArray
    grade: IntArray
    matrix_level: IntArray
    intensity: FloatArray
    duration_h: FloatArray
    id_exceeded: npt.NDArray[np.bool_]
    level: IntArray

    @property
    def antecedent(self) -> FloatArray:
        """Σ K^i·R_i: Pe without the day's rain."""
        return self.pe - self.r0


def warn_day(series: FloatArray, susceptibility: npt.NDArray[np.str_],
             rules: Rules) -> SiteFigures:
    """Figures and levels of every site for the last day of ``series`` (mm, sites × days)."""
    series = np.atleast_2d(np.asarray(series, dtype=np.float64))
    pe = effective_rainfall(series, rules.k, rules.days)
    grade = grades(pe, susceptibility, rules)
    base = matrix_levels(grade, susceptibility, rules)
    total, duration = rain_event(series, rules.idf.wet_day_mm)
    intensity, exceeded = idf_exceeded(total, duration, rules.idf.alpha, rules.idf.beta)
    return SiteFigures(pe=pe, r0=series[:, -1].copy(), grade=grade, matrix_level=base,
                       intensity=intensity, duration_h=duration, id_exceeded=exceeded,
                       level=apply_idf(base, exceeded, rules))


def event_history(series: FloatArray, wet_day_mm: float) -> tuple[FloatArray, FloatArray]:
    """Total (mm) and duration (h) of the rain event ending on each day (sites × days)."""
    wet = series >= wet_day_mm
    total = np.zeros_like(series)
    run = np.zeros(series.shape, dtype=np.float64)
    for t in range(series.shape[1]):
        prev_total = total[:, t - 1] if t else 0.0
        prev_run = run[:, t - 1] if t else 0.0
        total[:, t] = np.where(wet[:, t], prev_total + series[:, t], 0.0)
        run[:, t] = np.where(wet[:, t], prev_run + 1.0, 0.0)
    return total, run * 24.0


def warn_history(series: FloatArray, susceptibility: npt.NDArray[np.str_],
                 rules: Rules) -> tuple[IntArray, FloatArray, FloatArray]:
    """Levels, Pe and ``I·D^β`` of every site on every day, each day its own ``R0``."""
    series = np.atleast_2d(np.asarray(series, dtype=np.float64))
    pe = effective_rainfall_history(series, rules.k, rules.days)
    n_sites, n_days = pe.shape
    flat_s = np.repeat(susceptibility, n_days)
    grade = grades(pe.ravel(), flat_s, rules)
    base = matrix_levels(grade, flat_s, rules).reshape(n_sites, n_days)
    total, duration = event_history(series, rules.idf.wet_day_mm)
    intensity, exceeded = idf_exceeded(total, duration, rules.idf.alpha, rules.idf.beta)
    with np.errstate(divide="ignore", invalid="ignore"):
        id_index = np.where(duration > 0, intensity * np.power(duration, rules.idf.beta), 0.0)
    return apply_idf(base, exceeded, rules), pe, id_index
