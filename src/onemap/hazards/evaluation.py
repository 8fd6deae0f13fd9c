"""Hindcast scores and threshold calibration over a history of recorded events.

The hindcast warns every point on every day of the period from observed rain (the day's
rain standing in for a perfect forecast) with the rule file in force, and compares with the
events recorded in ``hazard_events``. Scores go to the indicators as statistics series
(``hazard_warning_pod`` …) per county and for the province.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from onemap.hazards.calibrate import best_threshold, propose_thresholds
from onemap.hazards.loop import list_events
from onemap.hazards.models import SUSCEPTIBILITY, CalibrationResult, Level, ScoreReport
from onemap.hazards.score import score_table
from onemap.hazards.service import Hindcast, hindcast, load_rules

if TYPE_CHECKING:
    from datetime import date

    from onemap.hazards.models import Rules
    from onemap.store.access import Actor
    from onemap.store.workspace import Workspace

SCORE_SERIES = {"pod": "hazard_warning_pod", "far": "hazard_warning_far",
                "csi": "hazard_warning_csi", "tss": "hazard_warning_tss"}
SCORED_LEVEL = Level.YELLOW  # the level whose scores go to the indicators


def occurrence(ws: Workspace, actor: Actor, hc: Hindcast) -> tuple[np.ndarray, int]:
    """Events as a (points × days) boolean array, and how many events fell in it."""
    occurred = np.zeros(hc.levels.shape, dtype=bool)
    if not hc.days:
        return occurred, 0
    row = {p: i for i, p in enumerate(hc.ids)}
    first = hc.days[0]
    n = 0
    for e in list_events(ws, actor, start=hc.days[0], end=hc.days[-1]):
        if e.point_id in row:
            occurred[row[e.point_id], (e.on - first).days] = True
            n += 1
    return occurred, n


def score(ws: Workspace, actor: Actor, start: date, end: date, *,
          rules: Rules | None = None) -> ScoreReport:
    """Hits, misses, false alarms, POD, FAR, CSI, TSS per level and county (site-days)."""
    rules = rules or load_rules(ws)
    hc = hindcast(ws, actor, start, end, rules=rules)
    occurred, n = occurrence(ws, actor, hc)
    rows = score_table(hc.levels, occurred, hc.counties)
    ws.audit(actor.username, "hazards.score", f"{start}/{end}", {"events": n})
    return ScoreReport(start=start, end=end, rules=rules.name, points=len(hc.ids), events=n,
                       rows=rows)


def calibrate(ws: Workspace, actor: Actor, start: date, end: date, *,
              objective: str = "tss", rules: Rules | None = None) -> CalibrationResult:
    """Fit each class's critical Pe (and α of the I–D curve) on the recorded events."""
    rules = rules or load_rules(ws)
    hc = hindcast(ws, actor, start, end, rules=rules)
    occurred, n = occurrence(ws, actor, hc)
    fitted, scores = {}, {}
    for cls in SUSCEPTIBILITY:
        mask = hc.susceptibility == cls
        if not occurred[mask].any():
            continue
        t, sc = best_threshold(hc.pe[mask].ravel(), occurred[mask].ravel(), objective)
        fitted[cls], scores[cls] = round(t, 1), round(sc, 4)
    wet = hc.id_index > 0
    alpha = None
    if occurred[wet].any():
        a, _ = best_threshold(hc.id_index[wet], occurred[wet], objective)
        alpha = round(a, 3)
    ws.audit(actor.username, "hazards.calibrate", f"{start}/{end}",
             {"objective": objective, "fitted": fitted})
    return CalibrationResult(start=start, end=end, objective="csi" if objective == "csi"
                             else "tss", events=n, fitted=fitted, score=scores,
                             current={c: rules.thresholds[c][2] for c in SUSCEPTIBILITY},
                             thresholds=propose_thresholds(rules, fitted), idf_alpha=alpha)


def post_scores(ws: Workspace, actor: Actor, report: ScoreReport, year: int) -> int:
    """Record the scores at ``SCORED_LEVEL`` as indicator statistics; returns values posted.

    One all-or-nothing import of the values (``onemap.indicators.statistics``), as a file
    ``hazard-scores-<start>-<end>.csv`` named for the hindcast, so every value's source says
    where it came from.
    """
    import tempfile
    from pathlib import Path

    from onemap.indicators.statistics import import_statistics

    lines = ["id,region,year,value"]
    for row in report.rows:
        if row.level != SCORED_LEVEL:
            continue
        region = ws.root_region if row.county == "all" else row.county
        for key, series in SCORE_SERIES.items():
            value = getattr(row, key)
            if value is not None:
                lines.append(f"{series},{region},{year},{round(float(value), 4)}")
    if len(lines) == 1:
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"hazard-scores-{report.start}-{report.end}.csv"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        result = import_statistics(ws, path, actor=actor, entered_by=actor.username)
    return result.rows
