"""批而未供 and 闲置土地 rules of the supply kernel (pure, on hand-made frames)."""

from __future__ import annotations

from datetime import date

import geopandas as gpd
import pytest
import shapely
from pyproj import Geod

from onemap.geometry.area import ellipsoidal_area
from onemap.supply.status import CountyInputs, add_years, age_bucket, county_supply, covered_m2

GEOD = Geod(a=6_378_137.0, f=1 / 298.257222101)
BOX = shapely.box(115.90, 28.60, 115.902, 28.602)


def area(g) -> float:
    return abs(GEOD.geometry_area_perimeter(g)[0])


def frame(rows):
    return gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4490")


def test_add_years_and_buckets():
    assert add_years(date(2016, 2, 29), 1) == date(2017, 2, 28)
    assert [age_bucket(x) for x in (1.99, 2.0, 5.0, 5.01)] == ["<2", "2-5", "2-5", ">5"]


def test_overlapping_supply_is_not_counted_twice():
    left = shapely.box(115.90, 28.60, 115.904, 28.602)
    halves = [shapely.box(115.90, 28.60, 115.903, 28.602), shapely.box(115.901, 28.60,
                                                                         115.902, 28.602)]
    got = covered_m2(shapely.from_wkb(shapely.to_wkb([left])), shapely.from_wkb(
        shapely.to_wkb(halves)), ellipsoidal_area([left]))
    assert got[0] == pytest.approx(area(halves[0]), rel=1e-7)


def test_unsupplied_idle_and_disposal():
    west, east = (shapely.box(115.90, 28.60, 115.901, 28.602),
                  shapely.box(115.901, 28.60, 115.902, 28.602))
    approvals = frame([
        {"PZWH": "A", "PZRQ": "2014-01-01", "geometry": BOX},
        {"PZWH": "B", "PZRQ": "2021-06-01", "geometry": shapely.box(116, 28, 116.001, 28.001)},
    ])
    supply = frame([
        {"GDBH": "S1", "GDRQ": "2020-05-01", "YDDGRQ": "2018-01-01", "CJJG": 900.0,
         "geometry": west},
        {"GDBH": "S2", "GDRQ": "2015-05-01", "YDDGRQ": "2019-06-01", "CJJG": None,
         "geometry": east},
    ])
    dltb = frame([{"DLBM": "0101", "geometry": BOX}])
    inp = CountyInputs("360111", approvals, supply, dltb, dltb)
    row, unsup, parcels = county_supply(inp, 2020, 0.5)
    assert row.approved.m2 == pytest.approx(area(BOX), rel=1e-7)  # B is approved after 2020
    assert row.unsupplied.m2 == pytest.approx(0.0, abs=0.01)
    assert unsup == []
    status = {p.gdbh: p.status for p in parcels}
    assert status == {"S1": "idle", "S2": "suspected_idle"}
    s1 = next(p for p in parcels if p.gdbh == "S1")
    assert s1.idle_fee_basis_wan == pytest.approx(180.0)
    assert row.disposed_unsupplied.m2 == pytest.approx(area(west), rel=1e-7)
    assert row.earned_quota.m2 == pytest.approx(0.5 * area(west), rel=1e-7)
    # a year later S2's land is built: the idle of 2020 is disposed in 2021
    built = frame([{"DLBM": "0101", "geometry": west}, {"DLBM": "0701", "geometry": east}])
    row21, unsup21, _ = county_supply(CountyInputs("360111", approvals, supply, built, dltb),
                                      2021, 0.5)
    assert row21.disposed_idle.m2 == pytest.approx(area(east), rel=1e-7)
    assert [u.pzwh for u in unsup21] == ["B"] and unsup21[0].age == "<2"
