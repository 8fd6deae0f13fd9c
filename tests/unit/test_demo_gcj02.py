import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from onemap.demo.gcj02 import gcj02_to_wgs84, inverse_residual_m, wgs84_to_gcj02

lon_st = st.floats(113.5, 118.5)
lat_st = st.floats(24.4, 30.1)


@settings(max_examples=200, deadline=None)
@given(lon_st, lat_st)
def test_inverse_recovers_wgs84_to_sub_micrometre(lon, lat):
    g = wgs84_to_gcj02([lon], [lat])
    w = gcj02_to_wgs84(*g)
    assert abs(w[0][0] - lon) * 111_000 < 1e-6
    assert abs(w[1][0] - lat) * 111_000 < 1e-6


def test_offset_is_hundreds_of_metres_in_jiangxi():
    glon, glat = wgs84_to_gcj02([115.89, 114.93], [28.68, 25.83])
    d = np.hypot((glon - [115.89, 114.93]) * 98_000, (glat - [28.68, 25.83]) * 111_000)
    assert np.all((d > 100) & (d < 1000))


def test_residual_measured_over_a_grid_is_float_noise():
    lon, lat = np.meshgrid(np.linspace(113.5, 118.5, 60), np.linspace(24.4, 30.1, 60))
    assert inverse_residual_m(lon.ravel(), lat.ravel()) < 1e-6


def test_one_iteration_is_not_enough():
    # the iteration matters: a single step leaves centimetres
    assert inverse_residual_m([115.9], [28.7], iterations=1) > 1e-4
