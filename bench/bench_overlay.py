"""Benchmark: overlay + ellipsoidal area by land class, onemap vs DuckDB spatial vs geopandas.

Generates a 1,000,000-polygon land-survey layer (jittered 1000 × 1000 grid of
irregular 12-vertex cells of ≈4 ha, so ≈200 km × 200 km around 115.8°E 28.6°N,
with 三调 land-class codes) and 5,000 irregular control polygons (≈128
vertices, radius 0.4–1.2 km, ≈25 % cover), then times in one run the job
"ellipsoidal area of parcel ∩ control, summed by (land class, control key)":

* onemap: the layer split into 16 tiles ("counties"); each task carries its
  parcels and the controls touching its tile as WKB (built before timing, as a
  county's GeoParquet file holds them) to a
  :class:`onemap.compute.local.ProcessExecutor` (``--workers``, default 2) that
  runs :func:`onemap.compute.kernels.run_area_by_class`; the per-tile tables are
  merged. Timed: transfer to the workers, WKB decoding, kernel, merge. The pool
  is started before timing (as in a running service);
* DuckDB spatial (``SET threads`` = workers): tables loaded before timing;
  ``SUM(ST_Area_Spheroid(ST_FlipCoordinates(ST_Intersection(p.geom, c.geom))))``
  over ``JOIN ... ON ST_Intersects`` grouped by class and key. ST_Area_Spheroid
  is GeographicLib on WGS84 (ours: CGCS2000; the ellipsoids differ by ≈1e-9 in
  area), so DuckDB does the whole job itself;
* geopandas: ``geopandas.overlay(how="intersection")`` (one core) then
  :func:`onemap.geometry.area.ellipsoidal_area` and ``groupby``.

Runs of onemap and DuckDB alternate (so a change in machine load hits both);
prints the median of ``--repeat`` runs for each engine (geopandas:
``--repeat-geopandas``), their ratios, and checks that the three tables agree.
Usage::

    .venv/bin/python bench/bench_overlay.py            # full size
    .venv/bin/python bench/bench_overlay.py --quick    # 40,000 × 200, smoke run
"""

from __future__ import annotations

import argparse
import glob
import os
import statistics
import sys
import time

import numpy as np
import pandas as pd
import shapely

sys.path.insert(0, os.path.dirname(__file__))
from common import controls, parcels, timed

from onemap.compute.kernels import AreaByClassTask, run_area_by_class
from onemap.compute.local import ProcessExecutor
from onemap.geometry.area import ellipsoidal_area
from onemap.geometry.overlay import merge_area_tables, summarise_pairs


def make_tasks(polys: np.ndarray, codes: np.ndarray, ctrl: np.ndarray, keys: np.ndarray,
               n_side: int, tiles: int) -> list[AreaByClassTask]:
    """Split the grid into tiles × tiles partitions; attach the controls each one touches."""
    grid = np.arange(len(polys)).reshape(n_side, n_side)
    tree = shapely.STRtree(ctrl)
    tasks = []
    for rows in np.array_split(np.arange(n_side), tiles):
        for cols in np.array_split(np.arange(n_side), tiles):
            idx = grid[np.ix_(rows, cols)].ravel()
            part = polys[idx]
            xmin, ymin = shapely.bounds(part)[:, :2].min(axis=0)
            xmax, ymax = shapely.bounds(part)[:, 2:].max(axis=0)
            near = tree.query(shapely.box(xmin, ymin, xmax, ymax))
            tasks.append(AreaByClassTask.from_geometries(part, codes[idx], ctrl[near], keys[near]))
    return tasks


def duckdb_connection(polys, codes, ctrl, keys, threads: int):
    import duckdb
    import duckdb_extension_spatial

    ext = glob.glob(os.path.join(os.path.dirname(duckdb_extension_spatial.__file__), "**",
                                 "spatial.duckdb_extension"), recursive=True)[0]
    con = duckdb.connect(config={"allow_unsigned_extensions": "true"})
    con.execute(f"LOAD '{ext}'")
    con.execute(f"SET threads = {threads}")
    p = pd.DataFrame({"id": np.arange(len(polys)), "cls": codes, "wkb": shapely.to_wkb(polys)})
    c = pd.DataFrame({"key": keys, "wkb": shapely.to_wkb(ctrl)})
    con.register("p_df", p)
    con.register("c_df", c)
    con.execute("CREATE TABLE parcels AS SELECT id, cls, ST_GeomFromWKB(wkb) AS geom FROM p_df")
    con.execute("CREATE TABLE controls AS SELECT key, ST_GeomFromWKB(wkb) AS geom FROM c_df")
    con.unregister("p_df")
    con.unregister("c_df")
    return con


DUCKDB_SQL = """
SELECT p.cls AS class, c.key AS key,
       SUM(ST_Area_Spheroid(ST_FlipCoordinates(ST_Intersection(p.geom, c.geom)))) AS area_m2,
       COUNT(*) AS pairs
FROM parcels p JOIN controls c ON ST_Intersects(p.geom, c.geom)
GROUP BY 1, 2 ORDER BY 1, 2
"""


def run_geopandas(polys, codes, ctrl, keys) -> pd.DataFrame:
    import geopandas as gpd

    a = gpd.GeoDataFrame({"cls": codes}, geometry=polys, crs=4490)
    b = gpd.GeoDataFrame({"key": keys}, geometry=ctrl, crs=4490)
    pieces = gpd.overlay(a, b, how="intersection", keep_geom_type=True)
    area = ellipsoidal_area(pieces.geometry.to_numpy())
    return summarise_pairs(pieces["cls"].to_numpy(), pieces["key"].to_numpy(), area)


def compare(name: str, ours: pd.DataFrame, other: pd.DataFrame) -> str:
    m = ours.merge(other, on=["class", "key"], how="outer", suffixes=("", "_o")).fillna(0.0)
    m = m[(m["area_m2"] > 1e-6) | (m["area_m2_o"] > 1e-6)]
    rel = np.abs(m["area_m2"] - m["area_m2_o"]) / np.maximum(m["area_m2"], 1.0)
    total = abs(m["area_m2"].sum() - m["area_m2_o"].sum()) / m["area_m2"].sum()
    return (f"  check vs {name}: {len(m)} (class, key) rows, max rel diff {rel.max():.1e}, "
            f"total rel diff {total:.1e}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="40,000 parcels × 200 controls")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--repeat-geopandas", type=int, default=1)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--skip-geopandas", action="store_true")
    args = ap.parse_args()
    n_side, n_ctrl, tiles = (200, 200, 4) if args.quick else (1000, 5000, 4)

    t0 = time.perf_counter()
    polys, codes = parcels(n_side, n_side)
    ctrl, keys = controls(n_ctrl, (n_side * 200.0, n_side * 200.0))
    print(f"data: {len(polys):,} parcels (12 vertices, ≈4 ha) × {len(ctrl):,} controls "
          f"(128 vertices), generated in {time.perf_counter() - t0:.1f} s; "
          f"{args.workers} workers, {tiles * tiles} partitions, load {os.getloadavg()[0]:.2f}")

    # both engines get the data in their storage form first: DuckDB tables,
    # our WKB partitions (the form a county GeoParquet file holds)
    tasks = make_tasks(polys, codes, ctrl, keys, n_side, tiles)
    con = duckdb_connection(polys, codes, ctrl, keys, args.workers)
    ours_t, duck_t = [], []
    with ProcessExecutor(workers=args.workers) as ex:
        ex.map(abs, [0] * args.workers)  # start the pool outside the timing
        for _ in range(args.repeat):  # alternate, so load changes hit both engines
            t, _, ours = timed(lambda: merge_area_tables(ex.map(run_area_by_class, tasks)), 1)
            ours_t.append(t)
            t, _, duck = timed(lambda: con.execute(DUCKDB_SQL).df(), 1)
            duck_t.append(t)
    con.close()
    t_ours, t_duck = statistics.median(ours_t), statistics.median(duck_t)
    print(f"onemap (process pool, {args.workers} workers): median {t_ours:.2f} s  "
          f"runs {[round(t, 2) for t in ours_t]}  pairs {int(ours['pairs'].sum()):,}")
    print(f"duckdb spatial ({args.workers} threads, ST_Area_Spheroid): median {t_duck:.2f} s  "
          f"runs {[round(t, 2) for t in duck_t]}")
    paired = statistics.median(d / o for d, o in zip(duck_t, ours_t, strict=True))
    print(f"  paired runs: median of duckdb/onemap per alternation = {paired:.2f}x")
    print(compare("duckdb", ours, duck))

    t_gpd = float("nan")
    if not args.skip_geopandas:
        t_gpd, ts, gp = timed(lambda: run_geopandas(polys, codes, ctrl, keys),
                              args.repeat_geopandas)
        print(f"geopandas.overlay + ellipsoidal_area (1 core): median {t_gpd:.2f} s  "
              f"runs {[round(t, 2) for t in ts]}")
        print(compare("geopandas", ours, gp))

    print(f"RATIO duckdb/onemap = {t_duck / t_ours:.2f}x   geopandas/onemap = "
          f"{t_gpd / t_ours:.2f}x   (onemap/duckdb = {t_ours / t_duck:.2f}, "
          f"onemap/geopandas = {t_ours / t_gpd:.2f})")


if __name__ == "__main__":
    main()
