"""Whole-province class shares of the generated DLTB against the bulletin (tiny scale)."""

from __future__ import annotations

import pytest

from onemap.demo.context import province_context
from onemap.demo.county import generate_base
from onemap.demo.service import group_shares
from onemap.demo.targets import BULLETIN_GROUPS, PADDY_SHARE_OF_FARMLAND, TARGET_SHARES
from onemap.standards.landuse import level1_of

pytestmark = pytest.mark.slow  # all 100 counties: ≈ 30-60 s on two cores


@pytest.fixture(scope="module")
def province():
    ctx = province_context(2019)
    areas: dict[str, float] = {}
    farm_by_code: dict[str, float] = {}
    polygons = 0
    for code in ctx.boundaries.counties.XZQDM:
        d = generate_base(ctx, code, "tiny").dltb
        polygons += len(d)
        for c, a in d.groupby("DLBM").TBDLMJ.sum().items():
            areas[c] = areas.get(c, 0.0) + a
        areas["1203"] = areas.get("1203", 0.0) + d.KCMJ.sum()
        for c in ("0101", "0102", "0103"):
            farm_by_code[c] = farm_by_code.get(c, 0.0) + d.TBDLMJ[d.DLBM == c].sum()
    return areas, farm_by_code, polygons


def test_scale_is_tiny(province):
    assert 5_000 < province[2] < 20_000


def test_group_shares_within_two_points_of_the_bulletin(province):
    shares = group_shares(province[0])
    assert shares["耕地"] == pytest.approx(16.3, abs=2.0)
    assert shares["园地"] == pytest.approx(3.4, abs=2.0)
    assert shares["林地"] == pytest.approx(62.4, abs=2.0)
    estimated = {}
    for code, share in TARGET_SHARES.items():
        g = BULLETIN_GROUPS[level1_of(code)]
        estimated[g] = estimated.get(g, 0.0) + share
    for group, target in estimated.items():
        assert shares.get(group, 0.0) == pytest.approx(target, abs=2.0), group


def test_paddy_share_of_farmland(province):
    farm = province[1]
    total = sum(farm.values())
    assert farm["0101"] / total == pytest.approx(PADDY_SHARE_OF_FARMLAND, abs=0.04)
    assert farm["0102"] / total < 0.01
