"""Pure parts of geohazard warning: Pe, level boundaries, matrix, I–D, assignment, fits, scores."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from affine import Affine

from onemap.hazards.assign import sample_points, station_weights, zonal_mean
from onemap.hazards.calibrate import best_threshold, propose_thresholds
from onemap.hazards.errors import RulesInvalid
from onemap.hazards.kernel import warn_day, warn_history
from onemap.hazards.levels import grades, idf_exceeded, matrix_levels, parse_rules, rain_event
from onemap.hazards.models import Level
from onemap.hazards.rainfall import effective_rainfall, effective_rainfall_history
from onemap.hazards.score import contingency, score_table
from onemap.hazards.service import load_rules

RULES = load_rules()


def test_pe_matches_a_hand_worked_series():
    # 10 antecedent days and the day itself, oldest first; K = 0.8, n = 10
    rain = [5.0, 0.0, 12.0, 30.0, 0.0, 0.0, 8.0, 45.0, 60.0, 20.0, 35.0]
    # by hand: R0 = 35; R1 = 20 (×0.8), R2 = 60 (×0.64), R3 = 45 (×0.512), R4 = 8 (×0.4096),
    # R5 = R6 = 0, R7 = 30 (×0.2097152), R8 = 12 (×0.16777216), R9 = 0, R10 = 5 (×0.1073741824)
    hand = (35 + 16 + 38.4 + 23.04 + 3.2768 + 6.291456 + 2.01326592 + 0.536870912)
    assert hand == pytest.approx(124.558392832, abs=1e-9)
    assert effective_rainfall(np.array([rain]))[0] == pytest.approx(hand, abs=1e-9)
    # older days beyond n are ignored; K and n are honoured
    assert effective_rainfall(np.array([[100.0, *rain]]))[0] == pytest.approx(hand)
    assert effective_rainfall(np.array([[10.0, 20.0]]), k=0.5, days=1)[0] == pytest.approx(25.0)
    hist = effective_rainfall_history(np.array([rain]))
    assert hist[0, -1] == pytest.approx(hand) and hist[0, 0] == 5.0


@pytest.mark.parametrize("cls", ["高", "中", "低"])
def test_each_level_boundary(cls):
    limits = RULES.thresholds[cls]
    matrix = RULES.matrix[cls]
    for g, t in enumerate(limits, start=1):
        below, at = np.array([t - 0.01]), np.array([t])
        s = np.array([cls])
        assert grades(below, s, RULES)[0] == g - 1
        assert grades(at, s, RULES)[0] == g
        assert matrix_levels(grades(at, s, RULES), s, RULES)[0] == matrix[g]
        assert matrix_levels(grades(below, s, RULES), s, RULES)[0] == matrix[g - 1]


def test_level_matrix_is_the_documented_table():
    assert RULES.matrix["高"] == [Level.NONE, Level.BLUE, Level.YELLOW, Level.ORANGE, Level.RED]
    assert RULES.matrix["低"] == [Level.NONE, Level.NONE, Level.BLUE, Level.YELLOW, Level.ORANGE]
    grade = np.array([4, 4, 4, 2, 2, 2])
    cls = np.array(["高", "中", "低", "高", "中", "低"])
    assert matrix_levels(grade, cls, RULES).tolist() == [4, 4, 3, 2, 2, 1]
    # the same Pe warns less in a less susceptible class
    pe = np.array([100.0, 100.0, 100.0])
    lv = matrix_levels(grades(pe, cls[:3], RULES), cls[:3], RULES)
    assert lv.tolist() == [3, 2, 0]
    assert RULES.level_thresholds("低")[Level.RED] is None


def test_rule_file_errors_name_the_problem():
    with pytest.raises(RulesInvalid, match="thresholds"):
        parse_rules('[thresholds]\n"高" = [3, 2, 1, 0]\n')
    with pytest.raises(RulesInvalid, match="unknown level name"):
        parse_rules('[matrix]\n"高" = ["purple"]\n')


def test_caine_intensity_duration_check():
    # Caine (1980): I = 14.82·D^-0.39; one day (24 h) needs 14.82·24^-0.39 = 4.30 mm/h
    critical_day = 14.82 * 24 ** -0.39 * 24
    total, dur = rain_event(np.array([[0.0, critical_day + 1], [0.0, critical_day - 1],
                                      [50.0, 50.0]]), 1.0)
    assert dur.tolist() == [24.0, 24.0, 48.0]
    _, exceeded = idf_exceeded(total, dur, 14.82, 0.39)
    assert exceeded.tolist() == [True, False, False]
    fig = warn_day(np.array([[0.0] * 10 + [critical_day + 1]]), np.array(["低"]), RULES)
    assert fig.matrix_level[0] == 0 and fig.level[0] == int(RULES.idf.min_level)


def test_history_kernel_agrees_with_the_day_kernel():
    rng = np.random.default_rng(3)
    series = rng.gamma(0.6, 25.0, size=(5, 40))
    cls = np.array(["高", "中", "低", "中", "高"])
    levels, pe, _ = warn_history(series, cls, RULES)
    for t in (12, 25, 39):
        day = warn_day(series[:, : t + 1], cls, RULES)
        assert np.allclose(day.pe, pe[:, t])
        assert day.level.tolist() == levels[:, t].tolist()


def test_idw_and_thiessen_weights():
    st_lon, st_lat = np.array([115.0, 115.1, 116.0]), np.array([28.0, 28.0, 28.0])
    site_lon, site_lat = np.array([115.0, 115.02]), np.array([28.0, 28.0])
    w = station_weights(site_lon, site_lat, st_lon, st_lat, neighbours=2)
    assert w[0].tolist() == [1.0, 0.0, 0.0]  # on a station
    assert w[1, 0] > w[1, 1] > 0 and w[1, 2] == 0 and w[1].sum() == pytest.approx(1.0)
    # IDW p=2: distances 0.02° and 0.08° → weights 16 : 1
    assert w[1, 0] / w[1, 1] == pytest.approx(16.0, rel=1e-9)
    t = station_weights(site_lon, site_lat, st_lon, st_lat, method="thiessen")
    assert t.tolist() == [[1.0, 0.0, 0.0], [1.0, 0.0, 0.0]]


def test_grid_and_stations_agree_on_a_constant_field():
    value = 37.5
    transform = Affine(0.05, 0, 114.0, 0, -0.05, 30.0)
    grid = np.full((40, 60), value)
    zones = np.array([shapely.Point(115.0, 29.0).buffer(0.2),  # many cells
                      shapely.Point(115.5123, 28.7311).buffer(0.004),  # smaller than a cell
                      shapely.box(114.3, 28.6, 114.9, 29.4)], dtype=object)
    means, cells = zonal_mean(grid, transform, zones)
    assert np.allclose(means, value) and cells[0] > 40 and cells[1] == 0
    pts_lon, pts_lat = np.array([114.01, 115.3, 116.9]), np.array([29.99, 28.5, 28.05])
    assert np.allclose(sample_points(grid, transform, pts_lon, pts_lat), value)
    st_lon = np.random.default_rng(1).uniform(114, 117, 40)
    st_lat = np.random.default_rng(2).uniform(28, 30, 40)
    for method in ("idw", "thiessen"):
        w = station_weights(pts_lon, pts_lat, st_lon, st_lat, method=method)
        assert np.allclose(w @ np.full(40, value), value)
    # and the warning is the same either way
    cls = np.array(["中"] * 3)
    from_grid = warn_day(np.c_[np.zeros((3, 10)), means], cls, RULES)
    from_st = warn_day(np.c_[np.zeros((3, 10)), w[:, :] @ np.full(40, value)], cls, RULES)
    assert np.allclose(from_grid.pe, from_st.pe)


def test_zonal_mean_leaves_nodata_out_and_averages_cells():
    transform = Affine(1.0, 0, 0.0, 0, -1.0, 4.0)
    grid = np.array([[1.0, 2.0, 3.0, 4.0]] * 4)
    grid[0, 0] = np.nan
    means, cells = zonal_mean(grid, transform, np.array([shapely.box(0, 0, 2, 4)], dtype=object))
    assert cells[0] == 7 and means[0] == pytest.approx((1 * 3 + 2 * 4) / 7)


def test_calibration_recovers_planted_thresholds_within_5_percent():
    rng = np.random.default_rng(7)
    planted = {"高": 92.0, "中": 128.0, "低": 171.0}
    fitted = {}
    for cls, t in planted.items():
        pe = rng.gamma(1.2, 45.0, 20_000)
        p = np.where(pe >= t, 0.35, 0.002)  # events above the threshold, rare noise below
        occurred = rng.uniform(size=pe.size) < p
        fitted[cls], _ = best_threshold(pe, occurred, "tss")
        assert fitted[cls] == pytest.approx(t, rel=0.05), (cls, fitted[cls])
        csi_t, _ = best_threshold(pe, occurred, "csi")
        assert csi_t == pytest.approx(t, rel=0.05)
    proposed = propose_thresholds(RULES, fitted)
    assert proposed["高"][2] == pytest.approx(fitted["高"], abs=0.1)
    assert proposed["中"][0] / proposed["中"][2] == pytest.approx(
        RULES.thresholds["中"][0] / RULES.thresholds["中"][2], rel=1e-3)


def test_scores_from_a_known_table():
    warned = np.array([True, True, False, False, True, False, False, False])
    occurred = np.array([True, False, True, False, True, False, False, False])
    c = contingency(Level.BLUE, "all", warned, occurred)
    assert (c.hits, c.misses, c.false_alarms, c.correct_negatives) == (2, 1, 1, 4)
    assert c.pod == pytest.approx(2 / 3) and c.far == pytest.approx(1 / 3)
    assert c.csi == pytest.approx(0.5) and c.tss == pytest.approx(2 / 3 - 1 / 5)
    levels = np.array([[3, 0], [1, 2]])
    rows = score_table(levels, np.array([[True, False], [False, True]]), np.array(["a", "b"]))
    red_all = next(r for r in rows if r.level == Level.RED and r.county == "all")
    assert red_all.hits == 0 and red_all.misses == 2 and red_all.tss == 0.0
    orange_a = next(r for r in rows if r.level == Level.ORANGE and r.county == "a")
    assert orange_a.hits == 1 and orange_a.far == 0.0
