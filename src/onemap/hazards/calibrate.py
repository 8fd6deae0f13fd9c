"""Fit critical rainfall on a history of events: the cut that maximises TSS or CSI.

A sample is a site-day with a value (Pe, or ``I·D^β`` for the intensity–duration curve)
and whether an event happened. Warning when ``value ≥ T``, every distinct value is a
candidate ``T``; cumulative counts over the values sorted high to low give hits and false
alarms of all candidates at once.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from onemap.hazards.models import SUSCEPTIBILITY, Rules

FloatArray = npt.NDArray[np.float64]


def best_threshold(values: FloatArray, occurred: npt.NDArray[np.bool_],
                   objective: str = "tss") -> tuple[float, float]:
    """Return ``(T, score)``: the threshold with the best TSS or CSI (ties: the lowest T).

    Examples
    --------
    >>> v = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    >>> best_threshold(v, np.array([False, False, True, True, True]))
    (3.0, 1.0)
    """
    values = np.asarray(values, dtype=np.float64)
    occurred = np.asarray(occurred, dtype=bool)
    positives, negatives = int(occurred.sum()), int((~occurred).sum())
    if positives == 0 or len(values) == 0:
        return float("nan"), float("nan")
    order = np.argsort(-values, kind="stable")
    v, o = values[order], occurred[order]
    hits, false_alarms = np.cumsum(o), np.cumsum(~o)
    last = np.r_[v[1:] != v[:-1], True]  # a cut takes every sample with an equal value
    hits, false_alarms, cut = hits[last], false_alarms[last], v[last]
    misses = positives - hits
    if objective == "csi":
        score = hits / (hits + misses + false_alarms)
    else:
        score = hits / positives - (false_alarms / negatives if negatives else 0.0)
    best = np.flatnonzero(score == score.max())[-1]  # the lowest T among the best
    return float(cut[best]), float(score[best])


def propose_thresholds(rules: Rules, fitted: dict[str, float]) -> dict[str, list[float]]:
    """Scale each class's four grade values so its grade-3 value becomes the fitted one.

    The fitted value is the critical rainfall at which events start (grade 3, the level
    the matrix gives 橙 for 高/中易发); the other grades keep their ratios to it.
    """
    out = {}
    for cls in SUSCEPTIBILITY:
        current = rules.thresholds[cls]
        t = fitted.get(cls)
        if t is None or not np.isfinite(t):
            out[cls] = list(current)
            continue
        ratio = t / current[2]
        out[cls] = [round(v * ratio, 1) for v in current]
    return out
