"""Warning rules on hand-made series: on pace, just behind, breached, unreachable."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from onemap.indicators.catalog import default_computations, read_plan_table
from onemap.indicators.evaluate import cumulate, evaluate_series, rule_text, trend_slope
from onemap.indicators.models import Computation, Indicator


def _ind(kind: str = "at_least", accumulate: bool = False, target: float | None = 200.0,
         baseline: float | None = 100.0) -> Indicator:
    return Indicator(id="x", name_zh="测试指标", name_en="test", unit="万亩",
                     baseline_year=2020, baseline_value=baseline, target_year=2025,
                     target_value=target, target_kind=kind,  # type: ignore[arg-type]
                     computation=Computation(method="statistic", accumulate=accumulate))


def _eval(ind: Indicator, series: dict[int, float], year: int = 2023,
          target: float | None = 200.0, **kw: object):
    return evaluate_series(ind, series, year, region="360000", target=target, **kw)  # type: ignore[arg-type]


# -- progress family (at_least: 100 in 2020 → 200 in 2025, 20 a year planned) -------------------
def test_exactly_on_pace_is_green():
    e = _eval(_ind(), {2020: 100, 2021: 120, 2022: 140, 2023: 160})
    assert (e.warning, e.rule_id) == ("green", "on_pace")
    assert e.pace_needed == pytest.approx(20.0)
    assert e.pace_recent == pytest.approx(20.0)
    assert e.projection_trend == pytest.approx(200.0)
    assert e.projection_linear == pytest.approx(200.0)
    assert e.progress == pytest.approx(0.6)
    assert "20" in e.rule and "每年所需" in e.rule


def test_just_behind_pace_is_yellow():
    e = _eval(_ind(), {2020: 100, 2021: 120, 2022: 140, 2023: 159.99})
    assert (e.warning, e.rule_id) == ("yellow", "behind")
    assert e.projection_trend is not None and e.projection_trend < 200
    assert "进度滞后" in e.rule


def test_target_met_is_green():
    e = _eval(_ind(), {2020: 100, 2023: 200})
    assert (e.warning, e.rule_id) == ("green", "met")


def test_target_year_passed_without_target_is_red():
    e = _eval(_ind(), {2020: 100, 2023: 160, 2024: 180, 2025: 199.9}, year=2025)
    assert (e.warning, e.rule_id) == ("red", "missed")
    assert "2025" in e.rule


def test_unreachable_boundary():
    # one value in 2024: needed = 200 − V in the last year; plausible = 2 × max(20, (V−100)/4)
    on_edge = _eval(_ind(), {2020: 100, 2024: 160}, year=2024)
    assert on_edge.figures["needed"] == pytest.approx(40.0)
    assert on_edge.figures["plausible"] == pytest.approx(40.0)
    assert (on_edge.warning, on_edge.rule_id) == ("yellow", "behind")
    beyond = _eval(_ind(), {2020: 100, 2024: 159.9}, year=2024)
    assert (beyond.warning, beyond.rule_id) == ("red", "unreachable")
    assert "无法完成" in beyond.rule


def test_stalled_series_is_unreachable():
    e = _eval(_ind(), {2020: 100, 2021: 100, 2022: 100, 2023: 100})
    assert (e.warning, e.rule_id) == ("red", "unreachable")  # 50/yr needed > 2 × 20


def test_values_after_the_evaluation_year_are_ignored():
    e = _eval(_ind(), {2020: 100, 2021: 120, 2022: 140, 2023: 160, 2024: 0.0}, year=2023)
    assert e.value == 160 and e.value_year == 2023


def test_baseline_only_is_green():
    e = _eval(_ind(), {2020: 100}, year=2020)
    assert (e.warning, e.rule_id) == ("green", "baseline_only")


def test_at_most_reduction_mirrors_at_least():
    ind = _ind("at_most", target=50.0, baseline=100.0)  # down 10 a year
    assert _eval(ind, {2020: 100, 2021: 90, 2022: 80, 2023: 70}, target=50).warning == "green"
    assert _eval(ind, {2020: 100, 2021: 90, 2022: 80, 2023: 70.01},
                 target=50).warning == "yellow"
    assert _eval(ind, {2020: 100, 2023: 50}, target=50).rule_id == "met"


# -- cumulative: yearly amounts summed since the baseline ---------------------------------------
def test_cumulative_on_pace_and_behind():
    ind = _ind("cumulative_at_least", accumulate=True, target=1840.0, baseline=0.0)
    pace = 1840 / 5
    on = _eval(ind, {2021: pace, 2022: pace, 2023: pace}, target=1840)
    assert on.value == pytest.approx(3 * pace)
    assert (on.warning, on.rule_id) == ("green", "on_pace")
    behind = _eval(ind, {2021: pace, 2022: pace, 2023: pace - 0.01}, target=1840)
    assert behind.warning == "yellow"


def test_cumulate_ignores_years_up_to_the_baseline():
    assert cumulate({2020: 5.0, 2021: 1.0, 2022: 2.0}, 2020) == {2020: 0.0, 2021: 1.0,
                                                                  2022: 3.0}


# -- national quota floors and ceilings ---------------------------------------------------------
def test_floor_exactly_on_quota_is_green_and_below_is_red():
    ind = _ind("not_below_national_quota", target=None, baseline=None)
    assert _eval(ind, {2020: 100.0}, target=100.0).rule_id == "above_floor"
    e = _eval(ind, {2020: 99.99}, target=100.0)
    assert (e.warning, e.rule_id) == ("red", "below_floor")
    assert "低于下达指标" in e.rule


def test_floor_trend_boundary():
    ind = _ind("not_below_national_quota", target=None, baseline=None)
    edge = _eval(ind, {2019: 102.4, 2020: 102.0}, target=100.0)  # trend reaches 100 in 2025
    assert edge.projection_trend == pytest.approx(100.0)
    assert edge.warning == "green"
    falls = _eval(ind, {2019: 102.5, 2020: 102.0}, target=100.0)
    assert (falls.warning, falls.rule_id) == ("yellow", "trend_below")


def test_ceiling_accumulated_boundaries():
    ind = _ind("not_above_national_quota", accumulate=True, target=None, baseline=None)
    on = _eval(ind, {2021: 2.0, 2022: 2.0}, year=2022, target=10.0)  # 4 + 2 × 3 = 10
    assert on.projection_trend == pytest.approx(10.0)
    assert on.warning == "green"
    over = _eval(ind, {2021: 2.0, 2022: 2.01}, year=2022, target=10.0)
    assert (over.warning, over.rule_id) == ("yellow", "trend_above")
    breached = _eval(ind, {2021: 6.0, 2022: 4.01}, year=2022, target=10.0)
    assert (breached.warning, breached.rule_id) == ("red", "above_ceiling")


# -- no warning -----------------------------------------------------------------------------
def test_info_no_target_no_value():
    assert _eval(_ind("info"), {2020: 1.0}).rule_id == "info"
    assert _eval(_ind(), {2020: 1.0}, target=None).rule_id == "no_target"
    e = _eval(_ind(), {})
    assert (e.warning, e.rule_id, e.value) == ("none", "no_value", None)
    e = _eval(_ind("cumulative_at_least", accumulate=True), {})
    assert e.rule_id == "no_value"


def test_rule_text_in_english():
    e = _eval(_ind(), {2020: 100, 2021: 120, 2022: 140, 2023: 159.99}, lang="en")
    assert e.rule.startswith("behind the needed pace")
    assert rule_text(e.rule_id, e.figures, "zh", "trend").startswith("进度滞后")


def test_trend_slope_uses_last_three_points():
    assert trend_slope([(2020, 0.0)]) is None
    assert trend_slope([(2019, 5.0), (2020, 0.0), (2021, 1.0), (2022, 2.0)]) == pytest.approx(1.0)


def test_plan_table_has_a_computation_for_every_indicator():
    items = read_plan_table()
    assert len(items) == 15  # + registration_coverage (registry)
    assert {i.id for i in items} == set(default_computations())
    hsf = next(i for i in items if i.id == "high_standard_farmland")
    assert (hsf.target_value, hsf.target_kind, hsf.computation.layers) == (
        3079.0, "at_least", ["hsf"])


# -- properties -------------------------------------------------------------------------------

SEVERITY = {"green": 0, "yellow": 1, "red": 2}
finite = st.floats(min_value=0.0, max_value=1e4, allow_nan=False, allow_infinity=False)


@settings(max_examples=200, deadline=None)
@given(history=st.lists(finite, min_size=1, max_size=3), a=finite, b=finite)
def test_a_higher_value_never_worsens_an_at_least_warning(history, a, b):
    ind = _ind()
    lo, hi = sorted((a, b))
    series = {2020: 100.0, **{2021 + i: v for i, v in enumerate(history)}}
    year = 2021 + len(history)
    worse = _eval(ind, {**series, year: lo}, year=year)
    better = _eval(ind, {**series, year: hi}, year=year)
    assert SEVERITY[better.warning] <= SEVERITY[worse.warning]


@settings(max_examples=200, deadline=None)
@given(start=finite, quota=finite, step=st.floats(min_value=-50, max_value=50))
def test_quota_floor_and_ceiling_are_mirror_images(start, quota, step):
    floor = _ind("not_below_national_quota", target=None, baseline=None)
    ceiling = _ind("not_above_national_quota", target=None, baseline=None)
    up = _eval(floor, {2019: start, 2020: start + step}, year=2020, target=quota)
    down = _eval(ceiling, {2019: -start, 2020: -start - step}, year=2020, target=-quota)
    assert up.warning == down.warning


@settings(max_examples=100, deadline=None)
@given(base=st.floats(min_value=0, max_value=1e4), gain=st.floats(min_value=0.1, max_value=1e3),
       years=st.integers(min_value=1, max_value=4))
def test_a_series_on_the_planned_path_is_green(base, gain, years):
    ind = _ind(target=base + 5 * gain, baseline=base)
    series = {2020 + i: base + gain * i for i in range(years + 1)}
    e = _eval(ind, series, year=2020 + years, target=base + 5 * gain)
    assert e.warning == "green", e.rule
