"""Per-parcel overlay figures and the 占补平衡 need, on small frames (pure code)."""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely
from pyproj import Geod
from shapely.geometry.polygon import orient

from onemap.review.analysis import analyse_parcel, check_parcels, rule_figures, sum_parcels
from onemap.review.balance import farmland_balance
from onemap.review.errors import SiteRejected
from onemap.review.models import ParcelFigures, ProjectInfo

GEOD = Geod(a=6_378_137.0, f=1 / 298.257222101)


def area(g: shapely.Geometry) -> float:
    return sum(GEOD.geometry_area_perimeter(orient(p, 1.0))[0]
               for p in getattr(g, "geoms", [g]) if not p.is_empty)


def frame(geoms: list[shapely.Geometry], **cols: list[object]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(cols, geometry=geoms, crs=4490)


SITE = shapely.box(116.0, 28.0, 116.01, 28.01)
LEFT, RIGHT = shapely.box(115.99, 27.99, 116.005, 28.02), shapely.box(116.005, 27.99, 116.02, 28.02)


def test_field_ridge_is_split_off_sloped_farmland() -> None:
    dltb = frame([LEFT, RIGHT], DLBM=["0103", "0101"], KCDLBM=["1203", ""], KCXS=[0.15, 0.0],
                 GDDB=[9, 4], ZLDWDM=["3601110010010000000", "3601110020010000000"],
                 county=["360111", "360111"])
    fig = analyse_parcel("1", "", SITE, {"dltb": dltb}, hazard_buffer_m=500)
    a_left, a_right = area(SITE & LEFT), area(SITE & RIGHT)
    assert fig.landuse["0103"] == pytest.approx(a_left * 0.85, abs=1e-6)
    assert fig.landuse["1203"] == pytest.approx(a_left * 0.15, abs=1e-6)
    assert fig.landuse["0101"] == pytest.approx(a_right, abs=1e-6)
    assert fig.farmland_m2 == pytest.approx(a_left * 0.85 + a_right, abs=1e-6)
    assert fig.farmland_by_grade == pytest.approx({"9": a_left * 0.85, "4": a_right})
    assert fig.townships == pytest.approx({"360111001": a_left, "360111002": a_right})
    assert fig.uncovered_m2 == 0.0
    b = farmland_balance(fig)
    assert b.paddy_m2 == pytest.approx(a_right) and b.required_grade == 6


def test_overlapping_control_polygons_are_not_counted_twice() -> None:
    a = shapely.box(116.002, 28.002, 116.008, 28.008)
    b = shapely.box(116.005, 28.005, 116.02, 28.02)
    fig = analyse_parcel("1", "", SITE, {"pbf": frame([a, b])}, hazard_buffer_m=500)
    assert fig.overlaps["pbf"] == pytest.approx(area(SITE & (a | b)), abs=1e-6)
    whole = analyse_parcel("1", "", SITE, {"udb": frame([shapely.box(115, 27, 117, 29)])},
                           hazard_buffer_m=500)
    assert whole.overlaps["udb"] == whole.area_m2 and whole.udb_outside_m2 == 0.0


def test_reserve_zones_and_holes() -> None:
    site = shapely.Polygon(SITE.exterior, [shapely.box(116.004, 28.004, 116.006, 28.006).exterior])
    core = shapely.box(116.0, 28.0, 116.005, 28.01)
    general = shapely.box(116.005, 28.0, 116.01, 28.01)
    reserves = frame([core, general], ZONE=["核心保护区", "general"], BHQMC=["甲", "甲"])
    fig = analyse_parcel("1", "", site, {"nature_reserve": reserves}, hazard_buffer_m=500)
    assert fig.area_m2 == pytest.approx(area(site), abs=1e-6)
    assert fig.overlaps["nature_reserve_core"] == pytest.approx(area(site & core), abs=1e-6)
    assert fig.overlaps["nature_reserve_general"] == pytest.approx(area(site & general), abs=1e-6)
    assert fig.related["nature_reserve"] == ["甲"]


def test_hazard_points_within_the_buffer() -> None:
    east = 116.01 + 0.004  # ≈ 391 m east of the site at 28.005°N
    pts = frame([shapely.Point(east, 28.005), shapely.Point(116.03, 28.005),
                 shapely.Point(116.005, 28.005)], ZHDBH=["A", "B", "C"], ZHLX=["滑坡"] * 3)
    fig = analyse_parcel("1", "", SITE, {"hazard_point": pts}, hazard_buffer_m=500)
    assert [h.id for h in fig.hazard_points] == ["C", "A"]
    _, _, d = GEOD.inv(116.01, 28.005, east, 28.005)
    assert fig.hazard_points[1].distance_m == pytest.approx(d, rel=2e-3)
    assert fig.hazard_points[0].distance_m == 0.0


def test_totals_and_rule_figures() -> None:
    p1 = ParcelFigures(parcel_id="1", area_m2=10, landuse={"0101": 10}, farmland_m2=10,
                       overlaps={"pbf": 4}, counties={"360111": 10})
    p2 = ParcelFigures(parcel_id="2", area_m2=5, landuse={"0101": 2, "0702": 3}, farmland_m2=2,
                       overlaps={"pbf": 0}, counties={"360121": 5})
    total = sum_parcels([p1, p2])
    assert total.area_m2 == 15 and total.landuse == {"0101": 12, "0702": 3}
    fig = rule_figures(total, ProjectInfo(national_key=True), ["eco_redline"])
    assert fig["pbf_m2"] == 4 and fig["counties"] == 2 and fig["national_key_project"] == 1
    assert fig["missing_layers"] == 1


def test_bad_parcels_are_rejected() -> None:
    bowtie = shapely.Polygon([(116, 28), (116.01, 28.01), (116.01, 28), (116, 28.01)])
    with pytest.raises(SiteRejected, match="valid"):
        check_parcels(frame([bowtie], parcel_id=["1"]))
    with pytest.raises(SiteRejected, match="polygon"):
        check_parcels(frame([shapely.Point(116, 28)], parcel_id=["1"]))
    with pytest.raises(SiteRejected, match="no parcels"):
        check_parcels(frame([], parcel_id=[]))
