"""Pure mining modules: conflicts, register checks, suspected 0602 patches, quotas, restoration."""

from __future__ import annotations

from datetime import date

import geopandas as gpd
import pytest
import shapely
from pyproj import Geod

from onemap.errors import InvalidInput
from onemap.mining.conflicts import find_conflicts
from onemap.mining.illegal import suspected_patches
from onemap.mining.models import QuotaRules
from onemap.mining.quota import Standing, judge_report
from onemap.mining.register import expired_active, overlapping_rights, valid_mask
from onemap.mining.restoration import check_restoration
from onemap.mining.rules import parse_rules, rule_for
from onemap.mining.service import load_rules

GEOD = Geod(ellps="GRS80")
CRS = "EPSG:4490"
X, Y, D = 115.9, 28.6, 0.002  # ≈ 200 m


def geod(g: shapely.Geometry) -> float:
    return sum(abs(GEOD.geometry_area_perimeter(p)[0]) for p in shapely.get_parts(g))


def box(i: float, j: float, w: float = 1.0, h: float = 1.0) -> shapely.Geometry:
    return shapely.box(X + i * D, Y + j * D, X + (i + w) * D, Y + (j + h) * D)


class _Root:
    root = __import__("pathlib").Path("/nonexistent")


RULES = load_rules(_Root())  # type: ignore[arg-type]


def rights(*rows: tuple[str, str, shapely.Geometry]) -> gpd.GeoDataFrame:
    geoms = [g for _, _, g in rows]
    return gpd.GeoDataFrame({"right_no": [r for r, _, _ in rows], "right_type": "mining",
                             "county": "360121", "status": [s for _, s, _ in rows],
                             "area_m2": [geod(g) for g in geoms]}, geometry=geoms, crs=CRS)


def test_conflicts_area_share_and_rule_by_status() -> None:
    core = gpd.GeoDataFrame({"ZONE": ["core", "一般控制区"]}, geometry=[box(0, 0, 2, 2),
                                                                   box(2, 0, 2, 2)], crs=CRS)
    # two red-line polygons that overlap each other: the right's overlap is counted once
    red = gpd.GeoDataFrame(geometry=[box(-1, 0, 2, 1), box(0.5, 0, 2, 1)], crs=CRS)
    frame = rights(("OLD", "active", box(1.5, 0.5)), ("NEW", "application", box(-0.5, 0.5)),
                   ("FAR", "active", box(20, 20)), ("EDGE", "active", box(4, 0)))
    rows = find_conflicts(frame, {"nature_reserve": core, "eco_redline": red}, RULES)
    got = {(r.right_no, r.layer, r.zone): r for r in rows}
    assert set(got) == {("OLD", "nature_reserve", "core"), ("OLD", "nature_reserve", "general"),
                        ("OLD", "eco_redline", ""), ("NEW", "nature_reserve", "core"),
                        ("NEW", "eco_redline", "")}  # FAR none; EDGE only touches
    old_core = got[("OLD", "nature_reserve", "core")]
    expected = geod(shapely.intersection(box(1.5, 0.5), box(0, 0, 2, 2)))
    assert old_core.overlap_m2 == pytest.approx(expected, abs=0.01)
    assert old_core.share == pytest.approx(0.5, rel=1e-3)
    assert (old_core.action, got[("NEW", "nature_reserve", "core")].action) == ("exit", "refuse")
    red_union = shapely.union_all(red.geometry.to_numpy())
    assert got[("OLD", "eco_redline", "")].overlap_m2 == pytest.approx(
        geod(shapely.intersection(box(1.5, 0.5), red_union)), abs=0.01)
    assert got[("OLD", "eco_redline", "")].overlap_mu == pytest.approx(
        got[("OLD", "eco_redline", "")].overlap_m2 / (10_000 / 15))


def test_register_checks() -> None:
    frame = rights(("A", "active", box(0, 0)), ("B", "active", box(0.5, 0)),
                   ("C", "closed", box(0, 0)), ("D", "suspended", box(5, 5)))
    frame["valid_from"] = [date(2010, 1, 1)] * 4
    frame["valid_to"] = [date(2022, 12, 31), date(2030, 1, 1), date(2020, 1, 1), None]
    on = date(2023, 6, 30)
    assert valid_mask(frame, on).tolist() == [False, True, False, True]
    (exp,) = expired_active(frame, on)
    assert (exp.right_no, exp.days_overdue) == ("A", 181)
    (ov,) = overlapping_rights(frame, 1.0)  # C is closed: not an overlap
    assert (ov.right_no, ov.other) == ("A", "B")
    assert ov.overlap_m2 == pytest.approx(geod(shapely.intersection(box(0, 0), box(0.5, 0))),
                                          abs=0.01)


def test_suspected_patches_unlicensed_and_beyond() -> None:
    dltb = gpd.GeoDataFrame({"BSM": ["covered", "beyond", "alone", "forest", "tiny"],
                             "DLBM": ["0602", "0602", "0602", "0301", "0602"],
                             "county": "360121"},
                            geometry=[box(0, 0), box(1, 0), box(5, 5), box(9, 9),
                                      box(0.999, 0.2, 0.0015, 0.1)], crs=CRS)
    valid = gpd.GeoDataFrame({"right_no": ["R1"]}, geometry=[box(0, 0, 1.001, 1)], crs=CRS)
    found = {p.bsm: p for p in suspected_patches(dltb, valid, min_area_m2=100.0)}
    assert set(found) == {"beyond", "alone"}
    assert (found["beyond"].kind, found["beyond"].reason_code, found["beyond"].near_right) == (
        "beyond_licence", "KC02", "R1")
    assert found["beyond"].area_m2 == pytest.approx(
        geod(shapely.difference(box(1, 0), box(0, 0, 1.001, 1))), abs=0.01)
    assert (found["alone"].kind, found["alone"].reason_code) == ("unlicensed", "KC01")


def test_quota_judgement_names_quota_and_shortfall() -> None:
    rules = QuotaRules(mine="refuse", region="warn", warn_share=0.9)
    stands = [Standing("mine", "C1", 100.0, 60.0), Standing("city", "360700", 1000.0, 950.0)]
    ok = judge_report(30.0, stands, rules, mineral="钨精矿", year=2023)
    assert ok.refused_by is None and len(ok.warnings) == 2  # mine 90 %, city over → warned
    bad = judge_report(45.0, stands, rules, mineral="钨精矿", year=2023)
    assert bad.refused_by is not None and bad.refused_by.holder == "C1"
    assert bad.shortfall == pytest.approx(5.0)


def test_restoration_check_by_land_class() -> None:
    mines = gpd.GeoDataFrame({"mine_id": ["M1", "M2"], "county": "360121",
                              "restored_year": [2019, 2019]},
                             geometry=[box(0, 0), box(3, 0)], crs=CRS)
    dltb = gpd.GeoDataFrame({"DLBM": ["0301", "0101", "1207"]},
                            geometry=[box(0, 0, 0.5), box(0.5, 0, 0.5), box(3, 0)], crs=CRS)
    m1, m2 = check_restoration(mines, dltb, 2020, min_share=0.8)
    assert (m1.verdict, m2.verdict) == ("restored", "not_restored")
    assert m1.forest_m2 == pytest.approx(geod(box(0, 0, 0.5)), rel=1e-6)
    assert m2.other_m2 == pytest.approx(geod(box(3, 0)), rel=1e-6)
    (none,) = check_restoration(mines.iloc[:1], None, None, min_share=0.8)
    assert none.verdict == "no_vintage"


def test_rule_file_is_checked() -> None:
    assert rule_for(RULES, "nature_reserve", "core").new == "refuse"
    assert rule_for(RULES, "eco_redline", "anything").layer == "eco_redline"
    with pytest.raises(InvalidInput, match=r"conflict\.0\.new"):
        parse_rules('[[conflict]]\nlayer="pbf"\ntitle="x"\nnew="maybe"\nexisting="exit"\n',
                    path="r.toml")
    with pytest.raises(InvalidInput, match="twice"):
        parse_rules('[[conflict]]\nlayer="pbf"\ntitle="x"\nnew="refuse"\nexisting="exit"\n' * 2)
