"""Warning rules of plan indicators: progress, pace, projections (pure, no I/O).

Three families of rules, chosen by the target kind and the direction of the target:

* **progress** (``at_least`` and ``cumulative_at_least`` above the baseline,
  ``at_most`` below it): the value must travel from the baseline to the target by
  the target year.

  - green ``met``: the target is already reached;
  - red ``missed``: the target year has come and the target is not reached;
  - red ``unreachable``: the pace needed per remaining year is more than
    :data:`PLAUSIBLE_FACTOR` times the larger of the planned average pace
    (baseline → target) and the recent pace;
  - yellow ``behind``: the projection to the target year falls short of the target,
    i.e. the recent pace (least-squares slope of the last :data:`TREND_POINTS`
    values; the line baseline → current when only one value is known) is below
    the pace needed per remaining year;
  - green ``on_pace`` otherwise (exactly on pace counts as on pace).

* **floor** (``not_below_national_quota``; ``at_least`` at or below the baseline):
  red ``below_floor`` when the value is below the quota, yellow ``trend_below``
  when the projection to the target year falls below it, else green ``above_floor``.

* **ceiling** (``not_above_national_quota``; ``at_most`` at or above the baseline):
  red ``above_ceiling`` when the value exceeds the quota, yellow ``trend_above``
  when the projection to the target year exceeds it, else green ``below_ceiling``.

``info`` indicators and regions without a target or a value get ``none``.
Indicators whose values are yearly amounts (``accumulate``) are judged on their sum
since the baseline year.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from onemap.indicators.models import Evaluation, Indicator, Warning

if TYPE_CHECKING:
    from collections.abc import Mapping

PLAUSIBLE_FACTOR = 2.0
TREND_POINTS = 3
EPS = 1e-9

RULES: dict[str, dict[str, str]] = {
    "zh": {
        "info": "仅监测不预警（信息类指标）",
        "no_value": "无监测值，不预警",
        "no_target": "本区域无目标值或国家下达指标，不预警",
        "met": "已达到目标：现状值 {value:g} {cmp} 目标值 {target:g}",
        "missed": "已到目标年（{target_year}），现状值 {value:g} 未达到目标值 {target:g}",
        "unreachable": "按任何合理速度均无法完成：剩余 {remaining:g} 年每年需 {needed:g}，"
                       "超过合理上限 {plausible:g}（规划年均 {planned:g}、近期年均 {recent:g} "
                       "中较大者的 {factor:g} 倍）",
        "behind": "进度滞后：近期年均 {recent:g} 低于剩余年份每年所需 {needed:g}，"
                  "按{basis}推算 {target_year} 年为 {projection:g}，未达目标值 {target:g}",
        "on_pace": "进度正常：近期年均 {recent:g} 不低于每年所需 {needed:g}，"
                   "按{basis}推算 {target_year} 年为 {projection:g}",
        "baseline_only": "仅有基期值，进度正常（尚无可比较的变化）",
        "below_floor": "突破底线：现状值 {value:g} 低于下达指标 {target:g}",
        "trend_below": "趋势预警：按{basis}推算 {target_year} 年为 {projection:g}，"
                       "将低于下达指标 {target:g}",
        "above_floor": "守住底线：现状值 {value:g} 不低于下达指标 {target:g}，"
                       "按{basis}推算 {target_year} 年为 {projection:g}",
        "above_ceiling": "突破上限：现状值 {value:g} 超过下达指标 {target:g}",
        "trend_above": "趋势预警：按{basis}推算 {target_year} 年为 {projection:g}，"
                       "将超过下达指标 {target:g}",
        "below_ceiling": "控制在上限内：现状值 {value:g} 不超过下达指标 {target:g}，"
                         "按{basis}推算 {target_year} 年为 {projection:g}",
        "linear": "基期至现状的线性趋势", "trend": "近期趋势（最近3个值的最小二乘）",
        "none": "现状值（无趋势）",
    },
    "en": {
        "info": "monitored only, no warning (information indicator)",
        "no_value": "no value, no warning",
        "no_target": "no target or national quota for this region, no warning",
        "met": "target met: value {value:g} {cmp} target {target:g}",
        "missed": "target year {target_year} reached and value {value:g} misses target "
                  "{target:g}",
        "unreachable": "unreachable at any plausible pace: {needed:g} per year needed over "
                       "{remaining:g} years, above the plausible maximum {plausible:g} "
                       "({factor:g} x the larger of planned pace {planned:g} and recent "
                       "pace {recent:g})",
        "behind": "behind the needed pace: recent pace {recent:g}/yr below the {needed:g}/yr "
                  "needed; {basis} projects {projection:g} in {target_year}, short of "
                  "target {target:g}",
        "on_pace": "on pace: recent pace {recent:g}/yr not below the {needed:g}/yr needed; "
                   "{basis} projects {projection:g} in {target_year}",
        "baseline_only": "baseline value only: on track (no change to compare yet)",
        "below_floor": "floor breached: value {value:g} below quota {target:g}",
        "trend_below": "trend warning: {basis} projects {projection:g} in {target_year}, "
                       "below quota {target:g}",
        "above_floor": "floor kept: value {value:g} not below quota {target:g}; {basis} "
                       "projects {projection:g} in {target_year}",
        "above_ceiling": "ceiling breached: value {value:g} above quota {target:g}",
        "trend_above": "trend warning: {basis} projects {projection:g} in {target_year}, "
                       "above quota {target:g}",
        "below_ceiling": "within ceiling: value {value:g} not above quota {target:g}; {basis} "
                         "projects {projection:g} in {target_year}",
        "linear": "the line baseline → current", "trend": "the recent trend (least squares "
                  "of the last 3 values)", "none": "the current value (no trend)",
    },
}


def rule_text(rule_id: str, figures: Mapping[str, float], lang: str = "zh",
              basis: str = "none") -> str:
    """Return the stated rule ``rule_id`` filled with its figures, in ``lang``."""
    table = RULES["en" if lang == "en" else "zh"]
    values: dict[str, object] = {k: _nice(v) for k, v in figures.items()}
    values.setdefault("cmp", "≥")
    if "up" in figures:
        values["cmp"] = "≥" if figures["up"] > 0 else "≤"
    values["basis"] = table[basis]
    for key in ("target_year",):
        if key in figures:
            values[key] = int(figures[key])
    return table[rule_id].format_map(_Default(values))


class _Default(dict[str, object]):
    def __missing__(self, key: str) -> str:
        return "-"


def _nice(v: float) -> float:
    return float(np.round(v, 4)) if np.isfinite(v) else v


def cumulate(series: Mapping[int, float], baseline_year: int) -> dict[int, float]:
    """Return running totals of yearly amounts after ``baseline_year`` (0 at the baseline).

    Examples
    --------
    >>> cumulate({2021: 300.0, 2022: 350.0, 2019: 9.0}, 2020)
    {2020: 0.0, 2021: 300.0, 2022: 650.0}
    """
    out = {baseline_year: 0.0}
    total = 0.0
    for y in sorted(series):
        if y > baseline_year:
            total += float(series[y])
            out[y] = total
    return out


def trend_slope(points: list[tuple[int, float]]) -> float | None:
    """Least-squares slope per year of the last :data:`TREND_POINTS` points (None if < 2).

    Examples
    --------
    >>> trend_slope([(2020, 1.0), (2021, 2.0), (2022, 3.0), (2023, 10.0)])
    4.0
    """
    pts = points[-TREND_POINTS:]
    if len(pts) < 2:
        return None
    x = np.array([p[0] for p in pts], dtype=float)
    y = np.array([p[1] for p in pts], dtype=float)
    x -= x.mean()
    return float((x * (y - y.mean())).sum() / (x * x).sum())


def _family(ind: Indicator, baseline: float | None, target: float) -> str:
    kind = ind.target_kind
    if kind == "not_below_national_quota":
        return "floor"
    if kind == "not_above_national_quota":
        return "ceiling"
    if kind == "at_least" and baseline is not None and baseline >= target:
        return "floor"
    if kind == "at_most" and baseline is not None and baseline <= target:
        return "ceiling"
    return "progress"


def _projections(points: list[tuple[int, float]], baseline_year: int, baseline: float | None,
                 target_year: int) -> dict[str, float | None]:
    vy, v = points[-1]
    remaining = max(target_year - vy, 0)
    slope = trend_slope(points)
    linear = None
    if baseline is not None and vy > baseline_year:
        linear = v + (v - baseline) / (vy - baseline_year) * remaining
    trend = v + slope * remaining if slope is not None else None
    return {"slope": slope, "linear": linear, "trend": trend, "remaining": float(remaining)}


def _progress_rule(v: float, vy: int, ind: Indicator, baseline: float | None, target: float,
                   proj: dict[str, float | None]) -> tuple[Warning, str, dict[str, float]]:
    up = 1.0 if ind.target_kind != "at_most" else -1.0
    tol = EPS * max(abs(target), 1.0)
    figures: dict[str, float] = {"value": v, "target": target, "up": up,
                                 "target_year": float(ind.target_year)}
    if up * (v - target) >= -tol:
        return "green", "met", figures
    remaining = proj["remaining"] or 0.0
    if remaining <= 0:
        return "red", "missed", figures
    base = baseline if baseline is not None else v
    planned = up * (target - base) / max(ind.target_year - ind.baseline_year, 1)
    recent = proj["slope"]
    if recent is None and proj["linear"] is not None:
        recent = (v - base) / (vy - ind.baseline_year)
    needed = up * (target - v) / remaining
    recent_up = up * recent if recent is not None else 0.0
    plausible = PLAUSIBLE_FACTOR * max(planned, recent_up)
    figures.update(needed=needed, planned=planned, recent=recent_up, plausible=plausible,
                   remaining=remaining, factor=PLAUSIBLE_FACTOR)
    if needed > plausible + tol:
        return "red", "unreachable", figures
    if recent is None:
        return "green", "baseline_only", figures
    figures["projection"] = v + recent * remaining
    if recent_up < needed - tol:
        return "yellow", "behind", figures
    return "green", "on_pace", figures


def _bound_rule(family: str, v: float, target: float, projection: float | None,
                ind: Indicator) -> tuple[Warning, str, dict[str, float]]:
    tol = EPS * max(abs(target), 1.0)
    sign = 1.0 if family == "floor" else -1.0  # floor: value must stay >= target
    figures: dict[str, float] = {"value": v, "target": target,
                                 "target_year": float(ind.target_year),
                                 "projection": projection if projection is not None else v}
    if sign * (v - target) < -tol:
        return "red", "below_floor" if family == "floor" else "above_ceiling", figures
    if projection is not None and sign * (projection - target) < -tol:
        return "yellow", "trend_below" if family == "floor" else "trend_above", figures
    return "green", "above_floor" if family == "floor" else "below_ceiling", figures


def evaluate_series(ind: Indicator, series: Mapping[int, float], year: int, *,
                    region: str, target: float | None, baseline: float | None = None,
                    region_name: str = "", lang: str = "zh") -> Evaluation:
    """Evaluate one indicator for one region in ``year`` from its yearly values.

    Parameters
    ----------
    ind : Indicator
        The catalog entry (kind, years, computation).
    series : mapping of year → value
        Values as recorded; yearly amounts for ``accumulate`` indicators.
    year : int
        Evaluation year; values after it are ignored.
    region : str
        Region code evaluated.
    target : float or None
        The target (or national quota) for this region.
    baseline : float or None
        The baseline value for this region; defaults to the series value of the
        baseline year (0 for ``accumulate`` indicators).

    Returns
    -------
    Evaluation
        Progress, pace, projections and the warning, with the rule stated.
    """
    acc = ind.computation.accumulate
    data = {y: float(v) for y, v in series.items() if v is not None and np.isfinite(v)}
    if acc:
        data = cumulate(data, ind.baseline_year)
        baseline = 0.0
    elif baseline is None:
        baseline = data.get(ind.baseline_year)
    points = sorted((y, v) for y, v in data.items() if y <= year)
    common = {"id": ind.id, "name": ind.name_zh if lang == "zh" else ind.name_en,
              "unit": ind.unit, "region": region, "region_name": region_name, "year": year,
              "baseline_year": ind.baseline_year, "baseline": baseline,
              "target_year": ind.target_year, "target": target,
              "target_kind": ind.target_kind, "history": points}
    if not points or (acc and len(points) == 1):
        return _final({**common, "value": None}, "none", "no_value", {}, "none", lang)
    vy, v = points[-1]
    proj = _projections(points, ind.baseline_year, baseline, ind.target_year)
    basis = "trend" if proj["trend"] is not None else ("linear" if proj["linear"] is not None
                                                       else "none")
    projection = proj["trend"] if proj["trend"] is not None else proj["linear"]
    common.update(value=v, value_year=vy, remaining_years=int(proj["remaining"] or 0),
                  projection_linear=proj["linear"], projection_trend=proj["trend"],
                  projection_used=basis, pace_recent=proj["slope"])
    if ind.target_kind == "info":
        return _final(common, "none", "info", {}, basis, lang)
    if target is None:
        return _final(common, "none", "no_target", {}, basis, lang)
    family = _family(ind, baseline, target)
    if family == "progress" and baseline is not None and target != baseline:
        common["progress"] = (v - baseline) / (target - baseline)
        common["expected"] = baseline + (target - baseline) * min(
            max(vy - ind.baseline_year, 0) / max(ind.target_year - ind.baseline_year, 1), 1.0)
        if proj["remaining"]:
            common["pace_needed"] = (target - v) / proj["remaining"]
    if family == "progress":
        warning, rule_id, figures = _progress_rule(v, vy, ind, baseline, target, proj)
        if rule_id in ("on_pace", "behind") and proj["slope"] is None:
            basis = "linear"
    else:
        warning, rule_id, figures = _bound_rule(family, v, target, projection, ind)
    return _final(common, warning, rule_id, figures, basis, lang)


def withheld_evaluation(ind: Indicator, year: int, *, region: str, target: float | None,
                        region_name: str = "", lang: str = "zh") -> Evaluation:
    """Return the evaluation of an indicator whose values the reader may not see.

    Its values come from a layer the reader may not read (涉密 or unpublished): the
    entry and its target are listed, no value, progress, projection or warning.
    """
    rule = ("数据来自涉密或未发布图层，不予显示 (withheld: computed from a layer you may not "
            "read)") if lang == "zh" else "withheld: computed from a layer you may not read"
    return Evaluation(id=ind.id, name=ind.name_zh if lang == "zh" else ind.name_en,
                      unit=ind.unit, region=region, region_name=region_name, year=year,
                      value=None, baseline_year=ind.baseline_year, baseline=None,
                      target_year=ind.target_year, target=target, target_kind=ind.target_kind,
                      warning="none", rule_id="withheld", rule=rule, withheld=True)


def _final(common: dict[str, object], warning: Warning, rule_id: str,
           figures: dict[str, float], basis: str, lang: str) -> Evaluation:
    figures = {k: float(v) for k, v in figures.items()}
    figures["basis"] = {"none": 0.0, "linear": 1.0, "trend": 2.0}[basis]
    return Evaluation.model_validate({
        **common, "warning": warning, "rule_id": rule_id, "figures": figures,
        "rule": rule_text(rule_id, figures, lang, basis)})


def basis_of(figures: Mapping[str, float]) -> str:
    """Return the projection basis name stored in an evaluation's figures."""
    return {0.0: "none", 1.0: "linear", 2.0: "trend"}.get(figures.get("basis", 0.0), "none")
