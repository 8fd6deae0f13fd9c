"""Shared helpers for the geometry benchmarks: synthetic layers and timing.

``parcels`` makes a land-survey-like layer: a jittered grid of irregular
polygons (each cell edge carries two shared, jittered intermediate points, so
neighbours fit exactly and cells have 12 vertices) with 三调 land-class codes.
``controls`` makes irregular control polygons (blobs with smooth radial noise,
~128 vertices) that may overlap each other. Everything is in lon/lat degrees
(EPSG:4490) around 115.8°E 28.6°N.
"""

from __future__ import annotations

import statistics
import time
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely

if TYPE_CHECKING:
    from collections.abc import Callable

LON0, LAT0 = 115.8, 28.6
M_LAT = 1 / 110_900.0  # degrees per metre of latitude near 28.6°N
M_LON = M_LAT / np.cos(np.radians(LAT0))

CLASS_CODES = np.array(["0101", "0102", "0103", "0201", "0301", "0305", "0307", "0401",
                        "0404", "0601", "0702", "1001", "1003", "1006", "1101", "1104",
                        "1107", "1202", "1203"])
CLASS_WEIGHTS = np.array([20, 2, 6, 4, 30, 3, 4, 2, 2, 1, 8, 1, 2, 2, 3, 3, 2, 1, 4], float)


def parcels(
    nx: int, ny: int, cell_m: float = 200.0, seed: int = 1
) -> tuple[np.ndarray, np.ndarray]:
    """Return (polygons, class codes) for an ``nx`` × ``ny`` jittered grid of cells."""
    rng = np.random.default_rng(seed)
    jit = 0.2 * cell_m
    # corners (ny+1, nx+1)
    cx = (np.arange(nx + 1) - nx / 2) * cell_m
    cy = (np.arange(ny + 1) - ny / 2) * cell_m
    X, Y = np.meshgrid(cx, cy)
    X = X + rng.uniform(-jit, jit, X.shape)
    Y = Y + rng.uniform(-jit, jit, Y.shape)
    t = np.array([1 / 3, 2 / 3])
    # horizontal edges (ny+1, nx, 2): from corner (j, i) to (j, i+1)
    hx = X[:, :-1, None] + (X[:, 1:, None] - X[:, :-1, None]) * t
    hy = Y[:, :-1, None] + (Y[:, 1:, None] - Y[:, :-1, None]) * t + rng.uniform(
        -jit / 2, jit / 2, (ny + 1, nx, 2))
    # vertical edges (ny, nx+1, 2): from corner (j, i) to (j+1, i)
    vx = X[:-1, :, None] + (X[1:, :, None] - X[:-1, :, None]) * t + rng.uniform(
        -jit / 2, jit / 2, (ny, nx + 1, 2))
    vy = Y[:-1, :, None] + (Y[1:, :, None] - Y[:-1, :, None]) * t
    ring_x = np.concatenate([
        X[:-1, :-1, None], hx[:-1, :, :], X[:-1, 1:, None], vx[:, 1:, :],
        X[1:, 1:, None], hx[1:, :, ::-1], X[1:, :-1, None], vx[:, :-1, ::-1],
        X[:-1, :-1, None]], axis=2)
    ring_y = np.concatenate([
        Y[:-1, :-1, None], hy[:-1, :, :], Y[:-1, 1:, None], vy[:, 1:, :],
        Y[1:, 1:, None], hy[1:, :, ::-1], Y[1:, :-1, None], vy[:, :-1, ::-1],
        Y[:-1, :-1, None]], axis=2)
    coords = np.stack([LON0 + ring_x * M_LON, LAT0 + ring_y * M_LAT], axis=-1)
    polys = shapely.polygons(coords.reshape(nx * ny, 13, 2))
    codes = rng.choice(CLASS_CODES, nx * ny, p=CLASS_WEIGHTS / CLASS_WEIGHTS.sum())
    return polys, codes


def controls(n: int, extent_m: tuple[float, float], seed: int = 2,
             radius_m: tuple[float, float] = (400.0, 1200.0),
             vertices: int = 128) -> tuple[np.ndarray, np.ndarray]:
    """Return (polygons, keys) for ``n`` irregular blobs spread over ``extent_m``."""
    rng = np.random.default_rng(seed)
    w, h = extent_m
    cx = rng.uniform(-w / 2, w / 2, n)[:, None]
    cy = rng.uniform(-h / 2, h / 2, n)[:, None]
    r0 = rng.uniform(*radius_m, n)[:, None]
    ang = np.linspace(0, 2 * np.pi, vertices, endpoint=False)[None, :]
    r = r0 * (1 + sum(rng.uniform(0, 0.25 / k, (n, 1)) * np.cos(k * ang + rng.uniform(
        0, 2 * np.pi, (n, 1))) for k in range(2, 6)))
    x, y = cx + r * np.cos(ang), cy + r * np.sin(ang)
    coords = np.stack([LON0 + x * M_LON, LAT0 + y * M_LAT], axis=-1)
    coords = np.concatenate([coords, coords[:, :1]], axis=1)
    keys = np.array([f"K{i:05d}" for i in range(n)])
    return shapely.polygons(coords), keys


def timed(fn: Callable[[], Any], repeat: int) -> tuple[float, list[float], Any]:
    """Run ``fn`` ``repeat`` times; return (median seconds, all seconds, last result)."""
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), times, out
