"""Calibration of land classes and the change-carving geometry (pure functions)."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from onemap.demo.allocate import classify, features
from onemap.demo.changes import MIN_PATCH_M2, carve, transition_class
from onemap.demo.context import province_context
from onemap.demo.targets import (
    BULLETIN_GROUPS,
    FARMLAND_GROSS,
    KCXS_TABLE,
    MEAN_KCXS,
    SLOPE_GRADE_SHARES,
    TARGET_SHARES,
)
from onemap.geometry.area import ellipsoidal_area
from onemap.standards.landuse import is_known_code, level1_of


def test_targets_sum_to_100_and_use_known_codes():
    assert sum(TARGET_SHARES.values()) == pytest.approx(100.0)
    assert all(is_known_code(c) for c in TARGET_SHARES)
    groups = {}
    for code, share in TARGET_SHARES.items():
        g = BULLETIN_GROUPS[level1_of(code)]
        groups[g] = groups.get(g, 0) + share
    assert groups["耕地"] == pytest.approx(16.3)
    assert groups["园地"] == pytest.approx(3.4)
    assert groups["林地"] == pytest.approx(62.4)


def test_mean_deduction_coefficient_matches_slope_table():
    bands = np.array(SLOPE_GRADE_SHARES) / sum(SLOPE_GRADE_SHARES)
    per_grade = [KCXS_TABLE[("", "1")]] + [
        (KCXS_TABLE[("T", g)] + KCXS_TABLE[("P", g)]) / 2 for g in "2345"]
    assert float(bands @ np.array(per_grade)) == pytest.approx(MEAN_KCXS, abs=0.002)
    assert FARMLAND_GROSS > 16.3


@pytest.fixture(scope="module")
def grid():
    ctx = province_context(11)
    province = ctx.boundaries.province.geometry.iloc[0]
    rng = np.random.default_rng(0)
    minx, miny, maxx, maxy = province.bounds
    x, y = rng.uniform(minx, maxx, 60_000), rng.uniform(miny, maxy, 60_000)
    inside = shapely.contains_xy(province, x, y)
    f = features(ctx.terrain, ctx.seats, x[inside], y[inside])
    return ctx, f, classify(f, ctx.calibration)


def test_calibrated_classes_reproduce_targets_on_random_points(grid):
    _, f, codes = grid
    w = np.cos(np.radians(f["lat"]))
    share = {}
    for c in np.unique(codes):
        g = BULLETIN_GROUPS[level1_of(c)]
        share[g] = share.get(g, 0) + w[codes == c].sum() / w.sum() * 100
    farm_gross = share["耕地"]
    assert farm_gross == pytest.approx(FARMLAND_GROSS, abs=1.0)
    assert share["林地"] == pytest.approx(62.4, abs=2.0)
    assert share["园地"] == pytest.approx(3.4, abs=1.0)


def test_classes_are_spatially_coherent(grid):
    _, f, codes = grid
    farm = np.isin(codes, ["0101", "0102", "0103"])
    forest = np.char.startswith(codes.astype(str), "03")
    assert np.median(f["elev"][farm]) < np.median(f["elev"][forest]) / 2
    paddy = codes == "0101"
    assert np.median(f["slope"][paddy]) <= np.median(f["slope"][codes == "0103"])
    lake = f["in_lake"] > 0.5
    assert np.isin(codes[lake], ["1102", "1106", "0402", "1108"]).all()


def test_carve_cuts_a_clean_piece_and_keeps_area():
    square = shapely.box(115.0, 28.0, 115.01, 28.01)  # ≈ 1 km²
    rng = np.random.default_rng(3)
    piece, rest = carve(square, 20_000, rng)
    assert piece.geom_type == "Polygon" and len(rest) == 1
    a_piece = ellipsoidal_area([piece])[0]
    assert 10_000 < a_piece < 30_000 and a_piece > MIN_PATCH_M2
    total = ellipsoidal_area([piece, *rest]).sum()
    assert total == pytest.approx(ellipsoidal_area([square])[0], rel=1e-9)
    assert shapely.area(shapely.intersection(piece, rest[0])) == 0


def test_carve_takes_small_polygons_whole_and_refuses_slivers():
    small = shapely.box(115.0, 28.0, 115.0005, 28.0005)  # ≈ 2 700 m²
    piece, rest = carve(small, 20_000, np.random.default_rng(0))
    assert piece.equals(small) and rest == []
    sliver = shapely.box(115.0, 28.0, 115.05, 28.0001)  # 11 m wide
    assert carve(sliver, 20_000, np.random.default_rng(0)) is None


@pytest.mark.parametrize(("frm", "to", "expected"), [
    ("0101", "0702", "farmland_to_construction"),
    ("0301", "05H1", "non_farmland_to_construction"),
    ("0301", "0602", "non_farmland_to_construction"),
    ("0103", "0201", "farmland_to_agricultural"),
    ("1104", "0101", "agricultural_to_farmland"),
    ("1206", "0103", "reclamation_to_farmland"),
    ("0702", "0103", "reclamation_to_farmland"),
])
def test_transition_classes(frm, to, expected):
    assert transition_class(frm, to) == expected
