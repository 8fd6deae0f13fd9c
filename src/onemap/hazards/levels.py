"""Warning levels from rainfall: grades per susceptibility class, the level matrix, I–D check.

``grade`` (降雨等级 0–4) is the number of the class's four critical Pe values a site's
effective rainfall reaches; the level (预警等级) is ``matrix[susceptibility][grade]``; a site
whose current rain event reaches Caine's ``I = α·D^−β`` curve is raised to at least
``idf.min_level``. Everything is vectorised over sites.
"""

from __future__ import annotations

import tomllib

import numpy as np
import numpy.typing as npt
from pydantic import ValidationError

from onemap.hazards.errors import RulesInvalid
from onemap.hazards.models import LEVEL_NAMES, LEVEL_ZH, Level, Rules

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


def parse_rules(text: str, *, path: str = "hazard rules") -> Rules:
    """Parse a TOML rule file into :class:`Rules` (levels given by name: blue, yellow, ...)."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RulesInvalid(f"not TOML: {exc}", path=path) from None
    try:
        raw["matrix"] = {k: [LEVEL_NAMES[str(v)] for v in row]
                         for k, row in raw.get("matrix", {}).items()}
        if "idf" in raw and "min_level" in raw["idf"]:
            raw["idf"]["min_level"] = LEVEL_NAMES[str(raw["idf"]["min_level"])]
    except KeyError as exc:
        raise RulesInvalid(f"unknown level name {exc}; use {', '.join(LEVEL_NAMES)}",
                           path=path) from None
    try:
        return Rules.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise RulesInvalid(f"{where}: {first['msg']}", path=path) from None


def grades(pe: FloatArray, susceptibility: npt.NDArray[np.str_], rules: Rules) -> IntArray:
    """Rainfall grade 0–4 of each site: how many of its class's thresholds ``pe`` reaches."""
    out = np.zeros(len(pe), dtype=np.int64)
    for cls, limits in rules.thresholds.items():
        mask = susceptibility == cls
        if mask.any():
            out[mask] = np.searchsorted(np.asarray(limits), pe[mask], side="right")
    return out


def matrix_levels(grade: IntArray, susceptibility: npt.NDArray[np.str_],
                  rules: Rules) -> IntArray:
    """Level of each site from the matrix ``rainfall grade × 易发程度``."""
    out = np.zeros(len(grade), dtype=np.int64)
    for cls, row in rules.matrix.items():
        mask = susceptibility == cls
        if mask.any():
            out[mask] = np.asarray([int(v) for v in row])[grade[mask]]
    return out


def rain_event(series: FloatArray, wet_day_mm: float) -> tuple[FloatArray, FloatArray]:
    """Total (mm) and duration (h) of the rain event ending on the last day of each row.

    ``series`` is (sites, days) with the warning day last; the event is the run of
    consecutive days with at least ``wet_day_mm``, counted back from the last day.
    Daily data: the duration is 24 h per rainy day.
    """
    wet = series >= wet_day_mm
    dry_from_end = ~wet[:, ::-1]
    run = np.where(dry_from_end.any(axis=1), dry_from_end.argmax(axis=1), series.shape[1])
    in_event = np.arange(series.shape[1])[None, :] < run[:, None]  # days back from the end
    total = np.where(in_event, series[:, ::-1], 0.0).sum(axis=1)
    return total, run.astype(np.float64) * 24.0


def idf_exceeded(total_mm: FloatArray, duration_h: FloatArray, alpha: float,
                 beta: float) -> tuple[FloatArray, npt.NDArray[np.bool_]]:
    """Mean intensity (mm/h) and whether it reaches ``α·D^−β`` (no event: False)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        intensity = np.where(duration_h > 0, total_mm / duration_h, 0.0)
        critical = np.where(duration_h > 0, alpha * np.power(duration_h, -beta), np.inf)
    return intensity, (duration_h > 0) & (intensity >= critical)


def apply_idf(levels: IntArray, exceeded: npt.NDArray[np.bool_], rules: Rules) -> IntArray:
    """Raise sites whose event reaches the I–D curve to at least ``idf.min_level``."""
    return np.where(exceeded, np.maximum(levels, int(rules.idf.min_level)), levels)


def rule_text(susceptibility: str, grade: int, level: int, pe: float, rules: Rules,
              id_exceeded: bool, matrix_level: int) -> str:
    """Return the rule that gave a site its level, in words (Chinese; figures in mm)."""
    limits = rules.thresholds[susceptibility]
    if grade == 0:
        head = f"Pe={pe:.1f} mm < {susceptibility}易发区1级临界值 {limits[0]:g} mm"
    else:
        head = f"Pe={pe:.1f} mm ≥ {susceptibility}易发区{grade}级临界值 {limits[grade - 1]:g} mm"
    text = f"{head} → 矩阵[{susceptibility}易发×{grade}级] = {LEVEL_ZH[Level(matrix_level)]}"
    if id_exceeded and level > matrix_level:
        text += (f"；降雨强度–历时 I≥{rules.idf.alpha:g}·D^-{rules.idf.beta:g} "
                 f"→ 提升至 {LEVEL_ZH[Level(level)]}")
    return text
