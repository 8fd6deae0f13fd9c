from __future__ import annotations

import doctest

import numpy as np
import pytest
import shapely

import onemap.quality.attributes
import onemap.quality.coverage
import onemap.quality.geometry_checks
import onemap.quality.location
from onemap.geometry.area import ellipsoidal_area
from onemap.quality.checks import check_county
from onemap.quality.coverage import find_gaps, find_overlaps
from onemap.quality.geometry_checks import check_geometry
from onemap.quality.models import QcOptions
from qc_fixture import EXPECTED_COUNTS, GAP, OVERLAP, X0, Y0, admin_county, dltb_layer


def _run():
    gdf = dltb_layer()
    return check_county(gdf, "360111", admin_county().geometry[0], QcOptions(),
                        coverage=True, land_use=True)


def test_fixture_findings_are_exactly_the_planted_ones() -> None:
    found = _run()
    counts: dict[str, int] = {}
    for f in found:
        counts[f.rule] = counts.get(f.rule, 0) + 1
    expected = {k: v for k, v in EXPECTED_COUNTS.items() if k != "BSM_DUPLICATE"}
    assert counts == expected


def test_overlap_and_gap_polygons_have_their_area_and_location() -> None:
    found = {f.rule: f for f in _run()}
    overlap, gap = found["COVERAGE_OVERLAP"], found["COVERAGE_GAP"]
    assert overlap.feature_id == "1|2"
    assert overlap.area_m2 == pytest.approx(float(ellipsoidal_area([OVERLAP])[0]), abs=0.005)
    assert shapely.from_wkt(overlap.wkt).equals_exact(OVERLAP.normalize(), 1e-7) or \
        shapely.from_wkt(overlap.wkt).symmetric_difference(OVERLAP).area < 1e-12
    assert OVERLAP.contains(shapely.Point(overlap.x, overlap.y))
    assert gap.area_m2 == pytest.approx(float(ellipsoidal_area([GAP])[0]), abs=0.005)
    assert GAP.buffer(1e-9).contains(shapely.from_wkt(gap.wkt))
    assert "缝隙" in gap.message_zh and "gap" in gap.message_en


def test_attribute_findings_name_the_feature() -> None:
    by_rule = {f.rule: f.feature_id for f in _run()}
    assert by_rule["LANDCLASS_UNKNOWN"] == "3"
    assert by_rule["ATTR_TBDLMJ"] == "4"
    assert by_rule["ATTR_KC_NONFARM"] == "7"
    assert by_rule["ATTR_TBMJ_AREA"] == "1"
    assert by_rule["LOCATION_OUTSIDE_COUNTY"] == "9"


def test_slivers_below_tolerance_are_ignored() -> None:
    a = shapely.box(X0, Y0, X0 + 0.01, Y0 + 0.01)
    b = shapely.box(X0 + 0.01 - 1e-8, Y0, X0 + 0.02, Y0 + 0.01)  # ~1 mm overlap strip, ≈1 m²
    geoms = np.array([a, b])
    assert find_overlaps(["a", "b"], geoms, "x", sliver_tolerance_m2=5.0) == []
    assert find_overlaps(["a", "b"], geoms, "x", sliver_tolerance_m2=0.5) == []  # 1 mm wide
    assert len(find_overlaps(["a", "b"], geoms, "x", sliver_tolerance_m2=0.5,
                             sliver_width_m=0.0)) == 1
    county = shapely.box(X0, Y0, X0 + 0.02, Y0 + 0.01)
    assert find_gaps(geoms, county, "x") == []


def test_long_thin_slivers_are_ignored_but_real_strips_are_kept() -> None:
    county = shapely.box(X0, Y0, X0 + 0.05, Y0 + 0.01)  # ~4.9 km × 1.1 km
    thin = shapely.box(X0, Y0, X0 + 0.05, Y0 + 0.01 - 3e-7)  # 3.3 cm strip, ~160 m²
    assert find_gaps(np.array([thin]), county, "x") == []
    wide = shapely.box(X0, Y0, X0 + 0.05, Y0 + 0.01 - 5e-6)  # 0.55 m strip
    (gap,) = find_gaps(np.array([wide]), county, "x")
    assert gap.area_m2 > 2000


def test_touching_polygons_do_not_overlap() -> None:
    geoms = np.array([shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1), shapely.box(0, 1, 1, 2)])
    assert find_overlaps(["a", "b", "c"], geoms, "x") == []


def test_invalid_geometry_reason_and_repair_for_coverage() -> None:
    bowtie = shapely.Polygon([(X0, Y0), (X0 + 0.01, Y0 + 0.01), (X0 + 0.01, Y0),
                              (X0, Y0 + 0.01)])
    found = check_geometry(["b"], np.array([bowtie]), "360111")
    assert found[0].rule == "GEOM_INVALID" and "Self-intersection" in found[0].message_en
    gdf = dltb_layer().iloc[:1].copy()
    gdf.geometry = [bowtie]
    rules = {f.rule for f in check_county(gdf, "360111", None, QcOptions(), coverage=True,
                                          land_use=False)}
    assert rules == {"GEOM_INVALID", "COUNTY_BOUNDARY_MISSING"}


@pytest.mark.parametrize("module", [onemap.quality.attributes, onemap.quality.coverage,
                                    onemap.quality.geometry_checks, onemap.quality.location])
def test_doctests(module) -> None:
    assert doctest.testmod(module).failed == 0


def test_coverage_validation_shortcut_finds_the_same_overlaps_and_gaps() -> None:
    rng = np.random.default_rng(5)
    cells = [shapely.box(X0 + i * 0.001, Y0 + j * 0.001, X0 + (i + 1) * 0.001,
                         Y0 + (j + 1) * 0.001) for i in range(20) for j in range(20)]
    geoms = np.array(cells, dtype=object)
    grow = rng.choice(len(geoms), 8, replace=False)
    geoms[grow] = shapely.buffer(geoms[grow], 0.0001, join_style="mitre")
    geoms = np.concatenate([geoms, [shapely.box(X0 + 0.0052, Y0 + 0.0052, X0 + 0.0058,
                                                Y0 + 0.0058), cells[3]]])  # inside + twin
    keep = np.setdiff1d(np.arange(len(geoms)), rng.choice(len(cells), 5, replace=False))
    geoms = geoms[keep]
    ids = [str(i) for i in range(len(geoms))]
    every = np.ones(len(geoms), dtype=bool)
    fast = find_overlaps(ids, geoms, "x")
    assert fast == find_overlaps(ids, geoms, "x", suspects=every)
    assert len(fast) > 8
    county = shapely.box(X0, Y0, X0 + 0.02, Y0 + 0.02)
    assert find_gaps(geoms, county, "x") == find_gaps(geoms, county, "x", suspects=every)


def test_points_on_the_county_boundary_are_inside_but_a_metre_out_is_not() -> None:
    from onemap.quality.location import find_outside_county

    county = shapely.box(X0, Y0, X0 + 0.01, Y0 + 0.01)
    pts = np.array([shapely.Point(X0 + 0.01 + 1e-12, Y0 + 0.005),  # on the edge, fp noise
                    shapely.Point(X0 + 0.01 + 1e-5, Y0 + 0.005)], dtype=object)  # ~1 m out
    found = find_outside_county(["on", "out"], pts, county, "360111", "XZQDM")
    assert [f.feature_id for f in found] == ["out"] and "XZQDM" in found[0].message_en
