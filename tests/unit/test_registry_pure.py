"""Registration pure modules: unit numbers, QC, the register kernel, coverage, changes."""

from __future__ import annotations

from datetime import UTC, datetime

import geopandas as gpd
import numpy as np
import pytest
import shapely
from pyproj import Geod

from onemap.registry.coverage import county_coverage, gap_geometry, stage_unions
from onemap.registry.models import NaturalStatusRow, Register, Unit
from onemap.registry.qc import check_units
from onemap.registry.register import (
    CountyInputs,
    assemble_register,
    county_register,
    status_changes,
)
from onemap.registry.unit_number import number_problems, parse_unit_number
from onemap.standards.registration import resource_type_of, unit_types

GEOD = Geod(ellps="GRS80")  # CGCS2000's ellipsoid to far below 0.01 m² at these sizes
X0, Y0, D = 115.80, 28.60, 0.004  # a 2 × 2 grid of DLTB cells, each ≈ 390 m × 440 m


def geod_box_area(x0: float, y0: float, x1: float, y1: float) -> float:
    area, _ = GEOD.polygon_area_perimeter([x0, x1, x1, x0], [y0, y0, y1, y1])
    return abs(area)


def cell(i: int, j: int) -> shapely.Polygon:
    return shapely.box(X0 + i * D, Y0 + j * D, X0 + (i + 1) * D, Y0 + (j + 1) * D)


CELLS = np.array([cell(0, 0), cell(1, 0), cell(0, 1), cell(1, 1)])
DLBM = ["0301", "1101", "0101", "1207"]
QSXZ = ["10", "30", "30", "20"]
UNIT_BOX = (X0 + 0.3 * D, Y0 + 0.25 * D, X0 + 1.6 * D, Y0 + 2 * D)  # crosses every cell


def hand_natural_status() -> dict[str, float]:
    """Clip each cell's rectangle to the unit by hand and take its geodesic area."""
    ux0, uy0, ux1, uy1 = UNIT_BOX
    out: dict[str, float] = {}
    for geom, code in zip(CELLS, DLBM, strict=True):
        cx0, cy0, cx1, cy1 = geom.bounds
        x0, y0, x1, y1 = max(cx0, ux0), max(cy0, uy0), min(cx1, ux1), min(cy1, uy1)
        if x1 > x0 and y1 > y0:
            name = {"0301": "林地", "1101": "水域", "0101": "耕地", "1207": "荒地"}[code]
            out[name] = out.get(name, 0.0) + geod_box_area(x0, y0, x1, y1)
    return out


def test_unit_numbers_are_region_type_serial():
    assert str(parse_unit_number("36010221000007")) == "36010221000007"
    assert parse_unit_number("3601022100007") is None
    assert parse_unit_number("36010A21000007") is None
    ok = number_problems("36010221000007", type_code="21", county="360102",
                         root_region="360000")
    assert ok == []
    kinds = [k for k, _ in number_problems("42010221000007", type_code="21", county="360102",
                                           root_region="360000")]
    assert kinds == ["invalid_number"]  # another province
    kinds = [k for k, _ in number_problems("36020321000007", type_code="21", county="360102",
                                           root_region="360000")]
    assert kinds == ["invalid_number"]  # another county's code
    assert [k for k, _ in number_problems("36010000000000", type_code="21", county="360102",
                                          root_region="360000")] == [
        "invalid_number", "type_mismatch"]
    assert [k for k, _ in number_problems("36010221000001", type_code="23", county="360102",
                                          root_region="360000")] == ["type_mismatch"]


def test_reference_tables_mark_assumed_codes_and_map_sandiao():
    types = unit_types()
    assert {"国家公园", "自然保护区", "自然公园", "水流", "湿地", "森林", "草原", "荒地",
            "探明储量的矿产资源"} <= {t.name_zh for t in types.values()}
    assert all(not t.confirmed and t.source for t in types.values())
    assert [resource_type_of(c) for c in ("0102", "0201K", "0305", "0404", "0304", "1104A",
                                          "1205", "0602", "1203")] == [
        "耕地", "园地", "林地", "草地", "湿地", "水域", "荒地", "建设用地", "其他土地"]


def test_register_of_a_hand_built_unit_equals_a_hand_computation():
    unit = shapely.box(*UNIT_BOX)
    mine = shapely.box(X0 + 1.5 * D, Y0 + 1.5 * D, X0 + 3 * D, Y0 + 3 * D)
    far_mine = shapely.box(X0 + 5 * D, Y0, X0 + 6 * D, Y0 + D)
    pbf = cell(0, 1)  # the farmland cell is permanent basic farmland
    tables = county_register(CountyInputs(
        dltb=CELLS, dlbm=DLBM, qsxz=QSXZ, units=np.array([unit]), numbers=["U1"],
        controls={"pbf": np.array([pbf]), "udb": np.zeros(0, dtype=object)},
        mining=np.array([mine, far_mine]), licences=["C1", "C2"]))
    u = Unit(number="U1", type_code="23", county="360102", stage="预划",
             area_m2=geod_box_area(*UNIT_BOX), area_ha=0, area_mu=0)
    reg = assemble_register(u, 2020, tables.natural, tables.controls, tables.mining, {},
                            computed_at=datetime.now(UTC), missing=[])
    hand = hand_natural_status()
    got = {r.resource: r.area_m2 for r in reg.natural_status}
    assert got.keys() == hand.keys()
    for name, area in hand.items():
        assert got[name] == pytest.approx(area, abs=0.01)
    assert reg.total_m2 == pytest.approx(geod_box_area(*UNIT_BOX), abs=0.01)
    ux0, uy0, ux1, uy1 = UNIT_BOX
    cx0, cy0, cx1, cy1 = pbf.bounds
    pbf_hand = geod_box_area(max(ux0, cx0), max(uy0, cy0), min(ux1, cx1), min(uy1, cy1))
    assert [c.control for c in reg.controls] == ["pbf"]
    assert reg.controls[0].area_m2 == pytest.approx(pbf_hand, abs=0.01)
    assert [m.licence for m in reg.mining_rights] == ["C1"]
    mx0, my0 = X0 + 1.5 * D, Y0 + 1.5 * D
    assert reg.mining_rights[0].area_m2 == pytest.approx(
        geod_box_area(mx0, my0, ux1, uy1), abs=0.01)
    # 关联信息: collective land = the 水域 (30) and 耕地 (30) parts
    assert reg.collective_m2 == pytest.approx(hand["水域"] + hand["耕地"], abs=0.01)
    forest = next(r for r in reg.natural_status if r.resource == "林地")
    assert forest.state_m2 == pytest.approx(hand["林地"], abs=0.01)
    assert forest.area_mu == pytest.approx(hand["林地"] / 666.6666667, rel=1e-6)


def _frame(numbers, types, geoms, owners=None):
    return gpd.GeoDataFrame({"DJDYH": numbers, "DJDYLX": types,
                             "SYQXZ": owners or ["全民所有"] * len(numbers),
                             "county": ["360102"] * len(numbers)}, geometry=geoms, crs=4490)


def test_qc_reports_each_problem_with_the_unit_and_the_overlap_area():
    a = shapely.box(X0, Y0, X0 + 2 * D, Y0 + D)
    b = shapely.box(X0 + 1.5 * D, Y0, X0 + 3 * D, Y0 + D)  # same type, overlaps a
    c = shapely.box(X0 + 1.5 * D, Y0, X0 + 3 * D, Y0 + D)  # another type: allowed
    f = _frame(["36010223000001", "36010223000002", "36010221000001", "3601022300003",
                "36010299000001", "36010223000001"], ["23", "23", "21", "23", "99", "23"],
               [a, b, c, shapely.box(0, 0, 1, 1), shapely.box(2, 2, 3, 3),
                shapely.box(5, 5, 6, 6)], ["全民所有"] * 5 + ["国有"])
    found = {(x.kind, x.unit) for x in check_units(f, root_region="360000")}
    assert found == {("forbidden_overlap", "36010223000001"),
                     ("invalid_number", "3601022300003"),
                     ("unknown_type", "36010299000001"),
                     ("duplicate_number", "36010223000001"),
                     ("invalid_ownership", "36010223000001")}
    overlap = next(x for x in check_units(f, root_region="360000")
                   if x.kind == "forbidden_overlap")
    assert overlap.other == "36010223000002"
    assert overlap.overlap_m2 == pytest.approx(
        geod_box_area(X0 + 1.5 * D, Y0, X0 + 2 * D, Y0 + D), abs=0.01)
    touching = _frame(["36010223000001", "36010223000002"], ["23", "23"],
                      [cell(0, 0), cell(1, 0)])
    assert check_units(touching, root_region="360000") == []


def test_coverage_nests_stages_and_gaps_are_the_rest():
    u1, u2 = cell(0, 0), cell(1, 1)
    _geoms, keys = stage_unions([u1, u2], ["登簿", "审核"])
    assert keys == ["预划", "地籍调查", "审核", "公告", "登簿"]
    t = county_coverage(CELLS, DLBM, [u1, u2], ["登簿", "审核"])
    a = t.groupby(["resource", "stage"])["area_m2"].sum()
    assert a["林地", "登簿"] == pytest.approx(a["林地", "territory"], rel=1e-9)
    assert a["荒地", "审核"] == pytest.approx(a["荒地", "territory"], rel=1e-9)
    assert a.get(("荒地", "登簿"), 0.0) == pytest.approx(0.0, abs=1e-6)
    assert a.get(("耕地", "预划"), 0.0) == pytest.approx(0.0, abs=1e-6)
    county = shapely.union_all(CELLS)
    gap = gap_geometry(county, [u1, u2])
    assert gap.area == pytest.approx(2 * D * D, rel=1e-9)


def _reg(areas: dict[str, float]) -> Register:
    total = sum(areas.values())
    u = Unit(number="U", type_code="23", county="360102", stage="登簿", area_m2=total,
             area_ha=0, area_mu=0)
    return Register(unit=u, vintage=2020, controls=[], mining_rights=[], collective_m2=0,
                    total_m2=total, computed_at=datetime.now(UTC), natural_status=[
                        NaturalStatusRow(resource=k, area_m2=v, area_ha=0, area_mu=0,
                                         state_m2=v, collective_m2=0)
                        for k, v in areas.items()])


def test_reregistration_threshold_is_a_share_of_the_unit():
    before = _reg({"林地": 9000.0, "耕地": 1000.0})
    small = _reg({"林地": 8950.0, "耕地": 1050.0})
    big = _reg({"林地": 8000.0, "耕地": 1500.0, "建设用地": 500.0})
    assert status_changes(before, small, 0.01) is None
    found = status_changes(before, big, 0.01)
    assert found is not None and found.changed_m2 == pytest.approx(1000.0)
    assert found.changed_share == pytest.approx(0.1)
    assert {c.resource: c.change_m2 for c in found.changes} == {
        "林地": -1000.0, "耕地": 500.0, "建设用地": 500.0}
