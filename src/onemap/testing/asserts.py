"""Equality rules for layers and areas, for onemap's and plugin authors' tests."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
import shapely

if TYPE_CHECKING:
    import geopandas as gpd


def assert_areas_close(actual: npt.ArrayLike, expected: npt.ArrayLike, *, rel: float = 1e-9,
                       abs_m2: float = 1e-6) -> None:
    """Assert ellipsoidal areas (m²) agree within ``rel`` relative or ``abs_m2`` absolute."""
    a = np.asarray(actual, dtype=float)
    e = np.asarray(expected, dtype=float)
    assert a.shape == e.shape, f"shape {a.shape} != {e.shape}"
    bad = ~np.isclose(a, e, rtol=rel, atol=abs_m2)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise AssertionError(f"{bad.sum()} areas differ; first at {i}: {a[i]!r} != {e[i]!r}")


def assert_layers_equal(left: gpd.GeoDataFrame, right: gpd.GeoDataFrame, *,
                        check_order: bool = False, tolerance: float = 1e-9,
                        columns: list[str] | None = None) -> None:
    """Assert two layers hold the same attributes and geometries (within ``tolerance`` degrees)."""
    assert len(left) == len(right), f"{len(left)} features != {len(right)}"
    cols = columns or sorted(set(left.columns) - {"geometry", "bbox"})
    missing = set(cols) - set(right.columns)
    assert not missing, f"columns missing on the right: {sorted(missing)}"
    lft, rgt = left, right
    if not check_order:
        lft = left.sort_values(cols).reset_index(drop=True)
        rgt = right.sort_values(cols).reset_index(drop=True)
    for c in cols:
        la, ra = lft[c].astype(str).tolist(), rgt[c].astype(str).tolist()
        assert la == ra, f"column {c} differs"
    same = shapely.equals_exact(lft.geometry.to_numpy(), rgt.geometry.to_numpy(), tolerance)
    if not same.all():
        same = shapely.equals(shapely.normalize(lft.geometry.to_numpy()),
                              shapely.normalize(rgt.geometry.to_numpy()))
    assert same.all(), f"{(~same).sum()} geometries differ"
