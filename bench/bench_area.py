"""Benchmark: ellipsoidal area throughput (polygons/s), onemap vs a pyproj Geod loop.

Generates irregular 10–30-vertex polygons (≈4 ha parcels of a jittered grid,
and random star polygons 50 m – 1 km across) around 115.8°E 28.6°N and times:

* onemap, one core: :func:`onemap.geometry.area.ellipsoidal_area` over the array;
* onemap, all cores: the array split into 16 partitions (as counties are),
  encoded as WKB beforehand (as GeoParquet stores them), sent to a
  :class:`onemap.compute.local.ProcessExecutor` whose workers decode and
  compute (transfer and decoding timed; the pool is started first);
* baseline: a Python loop of ``pyproj.Geod.geometry_area_perimeter`` per
  polygon (on a 50,000-polygon sample, scaled).

Also checks the results against the baseline (max relative difference).
Prints medians of ``--repeat`` runs and ratios. Usage::

    .venv/bin/python bench/bench_area.py [--quick] [--repeat 5] [--workers 2]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys

import numpy as np
import shapely
from pyproj import Geod

sys.path.insert(0, os.path.dirname(__file__))
from common import LAT0, LON0, M_LAT, M_LON, parcels, timed

from onemap.compute.local import ProcessExecutor
from onemap.geometry.area import ellipsoidal_area


def stars(n: int, seed: int = 3) -> np.ndarray:
    """Random star polygons, 10–30 vertices, 50 m – 1 km across."""
    rng = np.random.default_rng(seed)
    out = np.empty(n, dtype=object)
    ks = rng.integers(10, 31, n)
    for k in range(10, 31):
        idx = np.flatnonzero(ks == k)
        m = len(idx)
        size = rng.uniform(50, 1000, (m, 1))
        ang = np.sort(rng.uniform(0, 2 * np.pi, (m, k)), axis=1)
        r = rng.uniform(0.4, 1.0, (m, k)) * size / 2
        cx = rng.uniform(-20_000, 20_000, (m, 1))
        cy = rng.uniform(-50_000, 50_000, (m, 1))
        x = LON0 + (cx + r * np.cos(ang)) * M_LON
        y = LAT0 + (cy + r * np.sin(ang)) * M_LAT
        coords = np.stack([x, y], axis=-1)
        out[idx] = shapely.polygons(np.concatenate([coords, coords[:, :1]], axis=1))
    return out


def area_of_wkb(wkb: np.ndarray) -> np.ndarray:
    return ellipsoidal_area(shapely.from_wkb(wkb))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="100,000 polygons")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    side = 224 if args.quick else 708
    grid, _ = parcels(side, side)
    geoms = np.concatenate([grid, stars(len(grid))])
    n = len(geoms)
    verts = shapely.get_num_coordinates(geoms) - 1
    print(f"data: {n:,} polygons ({len(grid):,} grid parcels with 12 vertices, {len(grid):,} "
          f"stars with 10–30), mean {verts.mean():.1f} vertices; load {os.getloadavg()[0]:.2f}")

    geod = Geod(a=6378137.0, f=1 / 298.257222101)
    idx = np.linspace(0, n - 1, min(n, 50_000)).astype(int)
    sample = geoms[idx]
    ones, geods = [], []
    for _ in range(args.repeat):  # alternate, so load changes hit both
        t, _, ours = timed(lambda: ellipsoidal_area(geoms), 1)
        ones.append(t)
        t, _, ref = timed(lambda: np.array([abs(geod.geometry_area_perimeter(g)[0])
                                            for g in sample]), 1)
        geods.append(t)
    t1, tg = statistics.median(ones), statistics.median(geods)
    rate_g = len(sample) / tg
    print(f"onemap ellipsoidal_area, 1 core: median {t1:.3f} s = {n / t1:,.0f} polygons/s "
          f"(runs {[round(t, 3) for t in ones]})")
    print(f"pyproj Geod loop, 1 core: median {tg:.3f} s for {len(sample):,} = {rate_g:,.0f} "
          f"polygons/s (runs {[round(t, 3) for t in geods]})")
    paired = statistics.median((n / a) / (len(sample) / b) for a, b in zip(ones, geods,
                                                                           strict=True))
    print(f"  paired runs: median of (onemap 1 core / Geod) rate = {paired:.1f}x")
    rel = np.abs(ours[idx] - ref) / ref
    print(f"  check: max rel diff vs Geod {rel.max():.1e} (median {np.median(rel):.1e}); "
          f"max abs {np.abs(ours[idx] - ref).max():.1e} m²")

    # partitions as a county reader hands them over: WKB (GeoParquet's encoding)
    wkb = [shapely.to_wkb(geoms[p]) for p in np.array_split(np.arange(n), 8 * args.workers)]
    with ProcessExecutor(workers=args.workers) as ex:
        ex.map(abs, [0] * args.workers)
        tp, ts, pooled = timed(lambda: np.concatenate(ex.map(area_of_wkb, wkb)), args.repeat)
    print(f"onemap, {args.workers} processes over {len(wkb)} WKB partitions (transfer + decode "
          f"included): median {tp:.3f} s = {n / tp:,.0f} polygons/s "
          f"(runs {[round(t, 3) for t in ts]})")
    assert np.array_equal(pooled, ours)

    print(f"RATIO onemap 1 core / Geod = {n / t1 / rate_g:.1f}x   onemap {args.workers} "
          f"processes / Geod = {n / tp / rate_g:.1f}x   (aim: >= 200,000 polygons/s)")


if __name__ == "__main__":
    main()
