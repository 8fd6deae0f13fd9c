"""Overlay kernel against geopandas.overlay + GeographicLib areas, on the zoo and small layers."""

from __future__ import annotations

from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pytest
import shapely

import zoo
from onemap.geometry.area import ellipsoidal_area
from onemap.geometry.intersection_area import intersection_areas
from onemap.geometry.overlay import (
    area_by_class,
    intersect_pairs,
    merge_area_tables,
    summarise_pairs,
)

if TYPE_CHECKING:
    import pandas as pd

M = zoo.M


def small_layers(seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """A 12 × 10 jittered tessellation (~100 m cells) and 6 controls (blobs, holed, multi)."""
    rng = np.random.default_rng(seed)
    nx, ny = 12, 10
    gx, gy = np.meshgrid(np.arange(nx + 1) * 100.0, np.arange(ny + 1) * 100.0)
    gx = gx + rng.uniform(-25, 25, gx.shape)
    gy = gy + rng.uniform(-25, 25, gy.shape)
    lon, lat = zoo.X0 + gx * M, zoo.Y0 + gy * M
    cells = [shapely.Polygon([(lon[j, i], lat[j, i]), (lon[j, i + 1], lat[j, i + 1]),
                              (lon[j + 1, i + 1], lat[j + 1, i + 1]),
                              (lon[j + 1, i], lat[j + 1, i])])
             for j in range(ny) for i in range(nx)]
    classes = rng.choice(["0101", "0301", "0702", "1101"], len(cells))
    blobs = [shapely.Point(zoo.X0 + x * M, zoo.Y0 + y * M).buffer(r * M, quad_segs=12)
             for x, y, r in rng.uniform([100, 100, 80], [1100, 900, 300], (4, 3))]
    ring = shapely.box(zoo.X0 + 300 * M, zoo.Y0 + 300 * M, zoo.X0 + 800 * M, zoo.Y0 + 700 * M)
    holed = ring.difference(ring.buffer(-120 * M))
    multi = shapely.MultiPolygon([shapely.box(zoo.X0, zoo.Y0, zoo.X0 + 150 * M, zoo.Y0 + 150 * M),
                                  shapely.box(zoo.X0 + 1000 * M, zoo.Y0 + 800 * M,
                                              zoo.X0 + 1250 * M, zoo.Y0 + 1100 * M)])
    controls = np.array([*blobs, holed, multi], dtype=object)
    keys = np.array(["红线", "基本农田", "红线", "城镇开发边界", "基本农田", "红线"])
    return np.array(cells, dtype=object), classes, controls, keys


def reference_area_by_class(left, classes, right, keys) -> pd.DataFrame:
    """geopandas.overlay (intersection, polygons kept) + GeographicLib area per piece."""
    a = gpd.GeoDataFrame({"class": classes}, geometry=list(left), crs=4490)
    b = gpd.GeoDataFrame({"key": keys}, geometry=list(right), crs=4490)
    pieces = gpd.overlay(a, b, how="intersection", keep_geom_type=True)
    pieces["area_m2"] = [zoo.geographiclib_area(g) for g in pieces.geometry]
    return (pieces.groupby(["class", "key"], as_index=False)["area_m2"].sum()
            .sort_values(["class", "key"]).reset_index(drop=True))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_area_by_class_matches_geopandas_overlay(seed: int) -> None:
    left, classes, right, keys = small_layers(seed)
    ours = area_by_class(left, classes, right, keys)
    ref = reference_area_by_class(left, classes, right, keys)
    ours = ours[ours["area_m2"] > 0].reset_index(drop=True)
    assert ours[["class", "key"]].values.tolist() == ref[["class", "key"]].values.tolist()
    np.testing.assert_allclose(ours["area_m2"], ref["area_m2"], rtol=1e-9, atol=1e-3)


def test_pairs_inside_and_crossing() -> None:
    left, _, right, _ = small_layers(4)
    pairs = intersect_pairs(left, right, with_geometry=True)
    assert pairs.inside.any() and (~pairs.inside).any()
    # the pair list is exactly the intersecting pairs, sorted by (left, right)
    expected = sorted((i, j) for i in range(len(left)) for j in range(len(right))
                      if left[i].intersects(right[j]))
    assert list(zip(pairs.left.tolist(), pairs.right.tolist(), strict=True)) == expected
    for i, j, inside, geom, area in zip(pairs.left, pairs.right, pairs.inside, pairs.geometry,
                                        pairs.area, strict=True):
        assert inside == right[j].contains_properly(left[i])
        if inside:
            assert geom is left[i]
        else:
            assert shapely.equals(geom, left[i].intersection(right[j])) or geom.is_empty
        assert area == pytest.approx(zoo.geographiclib_area(geom), rel=1e-9, abs=1e-3)


def test_known_left_area_is_used_for_inside_pairs() -> None:
    left, _, right, _ = small_layers(5)
    fake = np.full(len(left), 123.0)
    pairs = intersect_pairs(left, right, left_area=fake)
    assert np.all(pairs.area[pairs.inside] == 123.0)
    real = intersect_pairs(left, right)
    np.testing.assert_array_equal(pairs.area[~pairs.inside], real.area[~real.inside])


def test_zoo_inside_a_big_control() -> None:
    names = sorted(zoo.AREAL)
    geoms = [zoo.AREAL[n] for n in names]
    big = shapely.box(zoo.X0 - 0.01, zoo.Y0 - 0.01, zoo.X0 + 0.02, zoo.Y0 + 0.02)
    pairs = intersect_pairs(geoms, [big])
    assert pairs.left.tolist() == list(range(len(names)))
    np.testing.assert_array_equal(pairs.area, ellipsoidal_area(geoms))


def test_zoo_crossing_a_control_edge() -> None:
    cut = shapely.box(zoo.X0 - 0.01, zoo.Y0 - 0.01, zoo.X0 + 250 * M, zoo.Y0 + 0.02)
    names = [n for n in sorted(zoo.AREAL) if n != "bowtie"]
    geoms = [zoo.AREAL[n] for n in names]
    pairs = intersect_pairs(geoms, [cut])
    assert not pairs.inside.any()
    expected = [zoo.geographiclib_area(g.intersection(cut)) for g in geoms]
    np.testing.assert_allclose(pairs.area, expected, rtol=1e-9, atol=1e-3)


def test_invalid_bowtie_is_repaired_when_clipped() -> None:
    cut = shapely.box(zoo.X0 - 0.01, zoo.Y0 - 0.01, zoo.X0 + 100 * M, zoo.Y0 + 0.02)
    pairs = intersect_pairs([zoo.BOWTIE, zoo.SQUARE], [cut], assume_valid=False)
    expected = zoo.geographiclib_area(shapely.make_valid(zoo.BOWTIE).intersection(cut))
    assert pairs.area[0] == pytest.approx(expected, rel=1e-9)
    assert pairs.area[1] == pytest.approx(zoo.geographiclib_area(zoo.SQUARE.intersection(cut)))


def test_touching_empty_and_missing_inputs() -> None:
    a = shapely.box(zoo.X0, zoo.Y0, zoo.X0 + 100 * M, zoo.Y0 + 100 * M)
    touching = shapely.box(zoo.X0 + 100 * M, zoo.Y0, zoo.X0 + 200 * M, zoo.Y0 + 100 * M)
    pairs = intersect_pairs([a, None, shapely.Polygon()], [touching, None])
    assert pairs.left.tolist() == [0] and pairs.right.tolist() == [0]
    assert pairs.area.tolist() == [0.0]
    empty = intersect_pairs([], [a])
    assert len(empty) == 0
    table = area_by_class([], [], [a], ["k"])
    assert list(table.columns) == ["class", "key", "area_m2", "pairs"] and len(table) == 0


def test_partitioned_tables_merge_to_the_whole() -> None:
    left, classes, right, keys = small_layers(6)
    whole = area_by_class(left, classes, right, keys)
    halves = [area_by_class(left[s], classes[s], right, keys)
              for s in (slice(0, 50), slice(50, None))]
    merged = merge_area_tables(halves)
    assert merged[["class", "key", "pairs"]].values.tolist() == \
        whole[["class", "key", "pairs"]].values.tolist()
    np.testing.assert_allclose(merged["area_m2"], whole["area_m2"], rtol=1e-12)
    assert merge_area_tables([]).empty


def test_summarise_pairs_groups_by_class_and_key() -> None:
    t = summarise_pairs(["b", "a", "b", "a"], ["y", "x", "y", "y"], [1.0, 2.0, 3.0, 4.0])
    assert t.values.tolist() == [["a", "x", 2.0, 1], ["a", "y", 4.0, 1], ["b", "y", 4.0, 2]]


@pytest.mark.parametrize("seed", [7, 8])
def test_boundary_integral_matches_geos_intersection(seed: int) -> None:
    left, _, right, _ = small_layers(seed)
    fast = intersect_pairs(left, right)  # areas by boundary integral
    geos = intersect_pairs(left, right, with_geometry=True)  # areas of GEOS pieces
    np.testing.assert_array_equal(fast.left, geos.left)
    np.testing.assert_allclose(fast.area, geos.area, rtol=1e-9, atol=1e-6)
    assert (~fast.inside).sum() > 10


def test_shared_boundaries_fall_back_to_geos() -> None:
    left, _, _, _ = small_layers(9)
    block = shapely.union_all(left[[13, 14, 25, 26]])  # shares the cells' edges exactly
    pairs_l, pairs_r = np.arange(len(left)), np.zeros(len(left), dtype=np.intp)
    _, done = intersection_areas(left, np.array([block]), pairs_l, pairs_r)
    touching = np.flatnonzero(shapely.touches(left, block) | shapely.within(left, block))
    assert not done[touching].any()
    pairs = intersect_pairs(left, [block])
    expected = [zoo.geographiclib_area(left[i].intersection(block)) for i in pairs.left]
    np.testing.assert_allclose(pairs.area, expected, rtol=1e-9, atol=1e-3)
    assert pairs.area.sum() == pytest.approx(ellipsoidal_area([block])[0], rel=1e-9)


def _random_stars(rng: np.random.Generator, n: int, radius_m: float, holes: bool) -> np.ndarray:
    out = []
    for _ in range(n):
        k = int(rng.integers(5, 40))
        cx, cy = rng.uniform(0, 1500, 2)
        ang = np.sort(rng.uniform(0, 2 * np.pi, k))
        r = rng.uniform(0.5, 1.0, k) * radius_m * rng.uniform(0.3, 1.0)
        xy = np.c_[zoo.X0 + (cx + r * np.cos(ang)) * M, zoo.Y0 + (cy + r * np.sin(ang)) * M]
        poly = shapely.Polygon(xy)
        if holes and rng.random() < 0.5:
            inner = shapely.affinity.scale(poly, 0.3, 0.3)
            poly = shapely.Polygon(poly.exterior.coords, [inner.exterior.coords[::-1]])
        if rng.random() < 0.2:
            poly = shapely.MultiPolygon([poly, shapely.affinity.translate(poly, 600 * M, 0)])
        out.append(poly if poly.is_valid else shapely.make_valid(poly))
    return np.array(out, dtype=object)


@pytest.mark.parametrize("seed", range(6))
def test_boundary_integral_on_random_star_layers(seed: int) -> None:
    """Non-convex, holed and multipart polygons on both sides, crossing many times."""
    rng = np.random.default_rng(100 + seed)
    left = _random_stars(rng, 60, 250.0, holes=True)
    right = _random_stars(rng, 15, 600.0, holes=True)
    fast = intersect_pairs(left, right)
    geos = intersect_pairs(left, right, with_geometry=True)
    assert (~fast.inside).sum() > 20
    np.testing.assert_allclose(fast.area, geos.area, rtol=1e-9, atol=1e-5)
