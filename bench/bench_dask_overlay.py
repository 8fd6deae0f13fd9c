"""Benchmark: the county overlay on one real Dask cluster, onemap vs dask-geopandas.

The job: DLTB of one vintage × a control layer (default 永久基本农田 ``pbf``, keyed by
``GDDB``), ellipsoidal CGCS2000 area of every overlap summed by (county, DLBM, key). One
cluster is started for both engines (``python -m dask scheduler`` + ``--workers`` ×
``python -m dask worker --nthreads 1 --no-nanny`` on loopback,
:func:`onemap.testing.cluster.start_cluster`); both read the same partition files of the
workspace (``layers/<kind>/<vintage>/<county>-*.parquet``, EPSG:4490, no reprojection) on
the workers, and both pair each county's DLTB with the same county's control partition:

* onemap: one task per county through :class:`onemap.compute.dask.DaskExecutor`; the task
  reads DLBM, the key and the WKB geometries with pyarrow and runs
  :func:`onemap.compute.kernels.run_area_by_class` (STRtree, wholly-inside pairs take the
  parcel's own area, boundary-crossing pairs the boundary-integral overlap area); the
  county tables come back to the client and are concatenated;
* dask-geopandas: ``dask_geopandas.read_parquet`` of the same two file lists (one
  partition per county file, checked), ``dd.map_partitions`` over the aligned
  (DLTB, control) partitions running ``geopandas.sjoin(predicate="intersects")`` then the
  pairwise GEOS ``intersection`` (``--dgpd-kernel sjoin``, default) or
  ``geopandas.overlay(how="intersection")`` (``--dgpd-kernel overlay``),
  :func:`onemap.geometry.area.ellipsoidal_area` of the pieces, and a dask ``groupby`` sum,
  computed to a pandas frame on the client.

A warm-up run of each engine (imports on the workers, first reads) is not timed; then the
engines alternate for ``--repeat`` runs so a change of load hits both; medians, the paired
ratio dask-geopandas/onemap, and the maximum relative difference between the two tables are
printed. Peak worker memory is measured after the timing, for each engine on two fresh
workers of the same scheduler (the old ones retired, so one engine's heap does not count for
the other): one warm-up run, then one run during which a thread on every worker samples its
RSS every 10 ms (``client.run``); the workers' lifetime peak (``VmHWM``) is given too.
Prints a table and then one JSON object.

Usage::

    .venv/bin/python bench/bench_dask_overlay.py                      # tiny 4-county demo
    .venv/bin/python bench/bench_dask_overlay.py --workspace DIR --repeat 5
    .venv/bin/python bench/bench_dask_overlay.py --workspace DIR --control eco_redline
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

sys.path.insert(0, os.path.dirname(__file__))
from common import timed

from onemap.compute.kernels import AreaByClassTask, run_area_by_class
from onemap.geometry.area import ellipsoidal_area
from onemap.store.kinds import COUNTY_COLUMN

CLASS = "DLBM"
DEFAULT_KEYS = {"pbf": "GDDB", "eco_redline": "HXLX", "udb": "MC", "nature_reserve": "ZONE",
                "hsf": "JSND", "hazard_zone": "FXDJ"}
DEMO_COUNTIES = "360111,360121,360124,360722"
GROUP = ["county", "class", "key"]


# -- inputs ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class CountyOverlay:
    """One county: its DLTB partition file and its control partition file (picklable)."""

    county: str
    left_path: str
    right_path: str
    key_column: str


def county_jobs(root: Path, vintage: int | None, control: str, control_vintage: int | None,
                key: str) -> tuple[int, int, list[CountyOverlay]]:
    """Return the DLTB and control vintages used and one job per county holding both."""
    from onemap.store.workspace import Workspace

    ws = Workspace.open(root)
    try:
        vintage = vintage or ws.vintages("dltb")[-1]
        control_vintage = control_vintage or ws.vintages(control)[-1]
        right = {p.county: str(ws.root / p.path) for p in ws.partitions(control, control_vintage)}
        jobs = [CountyOverlay(p.county, str(ws.root / p.path), right[p.county], key)
                for p in ws.partitions("dltb", vintage) if p.county in right]
    finally:
        ws.close()
    if not jobs:
        raise SystemExit(f"no county has both dltb {vintage} and {control} {control_vintage}")
    if key not in pq.read_schema(jobs[0].right_path).names:
        raise SystemExit(f"{control} has no column {key!r} (use --key)")
    return vintage, control_vintage, jobs


def build_tiny_demo(scale: str, counties: str) -> Path:
    """Build a demo workspace in a temporary folder (one generating process)."""
    from onemap.demo.models import DemoOptions
    from onemap.demo.service import build_demo

    root = Path(tempfile.mkdtemp(prefix="bench-dask-overlay-")) / "ws"
    codes = [c for c in counties.split(",") if c] or None
    build_demo(root, DemoOptions(scale=scale, counties=codes, picture=False, workers=1))
    return root


# -- onemap: one kernel per county through the DaskExecutor ---------------------------------
def county_area_by_class(job: CountyOverlay) -> pd.DataFrame:
    """Kernel: read one county's two partitions (WKB) and return its area-by-class table."""
    left = pq.read_table(job.left_path, columns=[CLASS, "geometry"])
    right = pq.read_table(job.right_path, columns=[job.key_column, "geometry"])
    task = AreaByClassTask(
        left_wkb=left.column("geometry").to_numpy(zero_copy_only=False),
        left_class=left.column(CLASS).to_pandas().astype(str).to_numpy(dtype=object),
        right_wkb=right.column("geometry").to_numpy(zero_copy_only=False),
        right_key=right.column(job.key_column).to_pandas().astype(str).to_numpy(dtype=object))
    table = run_area_by_class(task)
    table.insert(0, "county", job.county)
    return table


def run_onemap(executor: Any, jobs: list[CountyOverlay]) -> pd.DataFrame:
    tables = executor.map(county_area_by_class, jobs)
    return pd.concat(tables, ignore_index=True)


# -- dask-geopandas: read_parquet + map_partitions + groupby --------------------------------
def partition_overlay(left: Any, right: Any, key: str, kernel: str) -> pd.DataFrame:
    """One aligned (DLTB, control) partition pair → one row per overlap piece."""
    import geopandas as gpd

    left = left.reset_index(drop=True)
    right = right.reset_index(drop=True)
    lc, rc = set(left[COUNTY_COLUMN]), set(right[COUNTY_COLUMN])
    if len(lc) > 1 or len(rc) > 1 or (len(left) and len(right) and lc != rc):
        raise RuntimeError(f"partitions are not one county each, aligned: {lc} vs {rc}")
    left = left.rename(columns={CLASS: "class"})
    right = right.drop(columns=[COUNTY_COLUMN]).rename(columns={key: "key"})
    right["key"] = right["key"].astype(str)
    if kernel == "overlay":
        pieces = gpd.overlay(left, right, how="intersection", keep_geom_type=True)
        geoms = pieces.geometry.to_numpy()
    else:
        pairs = gpd.sjoin(left, right, predicate="intersects", how="inner")
        pieces = pairs.reset_index(drop=True)
        geoms = left.geometry.values.take(pairs.index.to_numpy()).intersection(
            right.geometry.values.take(pairs["index_right"].to_numpy())).to_numpy()
    return pd.DataFrame({"county": pieces[COUNTY_COLUMN].astype(str).to_numpy(dtype=object),
                         "class": pieces["class"].astype(str).to_numpy(dtype=object),
                         "key": pieces["key"].astype(str).to_numpy(dtype=object),
                         "area_m2": ellipsoidal_area(geoms)})


def dgpd_frames(jobs: list[CountyOverlay]) -> tuple[Any, Any]:
    import dask_geopandas

    left = dask_geopandas.read_parquet([j.left_path for j in jobs],
                                       columns=[CLASS, COUNTY_COLUMN, "geometry"],
                                       split_row_groups=False)
    right = dask_geopandas.read_parquet([j.right_path for j in jobs],
                                        columns=[jobs[0].key_column, COUNTY_COLUMN, "geometry"],
                                        split_row_groups=False)
    if not left.npartitions == right.npartitions == len(jobs):
        raise SystemExit(f"dask-geopandas made {left.npartitions} and {right.npartitions} "
                         f"partitions of {len(jobs)} county files; they must match")
    return left, right


def plan_dgpd(jobs: list[CountyOverlay], kernel: str) -> Any:
    """The lazy dask-geopandas job: read both layers, overlay per county, groupby sum."""
    import dask.dataframe as dd

    left, right = dgpd_frames(jobs)
    meta = pd.DataFrame({"county": pd.Series(dtype=object), "class": pd.Series(dtype=object),
                         "key": pd.Series(dtype=object), "area_m2": pd.Series(dtype=float)})
    pieces = dd.map_partitions(partition_overlay, left, right, jobs[0].key_column, kernel,
                               meta=meta, align_dataframes=False)
    return pieces.groupby(GROUP)["area_m2"].agg(["sum", "count"])


def run_dgpd(client: Any, summed: Any) -> pd.DataFrame:
    """Compute the planned job on the cluster to a pandas table on the client."""
    out = client.compute(summed, sync=True)
    out = out.reset_index().rename(columns={"sum": "area_m2", "count": "pairs"})
    return out.sort_values(GROUP).reset_index(drop=True)


# -- worker memory --------------------------------------------------------------------------
def start_rss_sampler(dask_worker: Any) -> int:
    """On a worker: sample this process's RSS every 10 ms in a thread; return RSS now."""
    import threading

    import psutil

    proc = psutil.Process()
    state = {"peak": proc.memory_info().rss}
    stop = threading.Event()

    def loop() -> None:
        while not stop.wait(0.01):
            state["peak"] = max(state["peak"], proc.memory_info().rss)

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    dask_worker._bench_rss = (stop, state, thread)
    return int(state["peak"])


def stop_rss_sampler(dask_worker: Any) -> int:
    """On a worker: stop the sampler; return the peak RSS it saw (bytes)."""
    stop, state, thread = dask_worker._bench_rss
    stop.set()
    thread.join()
    return int(state["peak"])


def lifetime_peak_rss(dask_worker: Any) -> int:
    """On a worker: the process's peak RSS since it started (bytes).

    Linux ``VmHWM``: ``getrusage``'s ``ru_maxrss`` is kept across ``execve``, so a worker
    started by a big parent would report the parent's peak.
    """
    import resource

    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def fresh_workers(cluster: Any, client: Any, n: int) -> None:
    """Retire the cluster's workers and start ``n`` new ones (same scheduler)."""
    old = list(client.scheduler_info()["workers"])
    client.retire_workers(workers=old, close_workers=True)
    for proc in cluster.alive():
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:  # a retiring worker that hangs: end it
            proc.kill()
            proc.wait(timeout=30)
    for _ in range(n):
        cluster.add_worker()
    cluster.wait_for(n)


def peak_memory(cluster: Any, client: Any, n: int, fn: Any) -> dict[str, float]:
    """Peak worker RSS of ``fn`` on fresh workers: one warm-up run, then one sampled run.

    Returns MB figures: ``sampled_peak_mb`` (largest RSS a worker reached during the
    sampled run, 10-ms samples) and ``hwm_mb`` (largest peak RSS of a worker over its whole
    life: start, warm-up and the sampled run).
    """
    fresh_workers(cluster, client, n)
    fn()
    client.run(start_rss_sampler)
    fn()
    peak = client.run(stop_rss_sampler)
    life = client.run(lifetime_peak_rss)
    return {"sampled_peak_mb": round(max(peak.values()) / 2**20, 1),
            "hwm_mb": round(max(life.values()) / 2**20, 1)}


# -- comparison -----------------------------------------------------------------------------
def compare(ours: pd.DataFrame, other: pd.DataFrame) -> dict[str, float]:
    m = ours.merge(other, on=GROUP, how="outer", suffixes=("", "_o")).fillna(
        {"area_m2": 0.0, "area_m2_o": 0.0})
    m = m[(m["area_m2"] > 1e-6) | (m["area_m2_o"] > 1e-6)]
    rel = np.abs(m["area_m2"] - m["area_m2_o"]) / np.maximum(m["area_m2"], 1.0)
    total = abs(m["area_m2"].sum() - m["area_m2_o"].sum()) / max(m["area_m2"].sum(), 1.0)
    return {"rows": len(m), "max_rel_diff": float(rel.max()) if len(m) else 0.0,
            "total_rel_diff": float(total), "total_m2": float(m["area_m2"].sum())}


ENGINES = ("onemap", "dask-geopandas")


def measure(args: argparse.Namespace, jobs: list[CountyOverlay]) -> dict[str, Any]:
    """Start one cluster; time both engines on it, then their peak memory; stop it."""
    from distributed import Client

    from onemap.compute.dask import DaskExecutor
    from onemap.testing.cluster import start_cluster

    cluster = start_cluster(args.workers)
    try:
        with DaskExecutor(cluster.address) as ex, Client(cluster.address) as client:
            t0 = time.perf_counter()
            summed = plan_dgpd(jobs, args.dgpd_kernel)  # like onemap's job list: untimed
            plan = time.perf_counter() - t0
            run = {"onemap": lambda: run_onemap(ex, jobs),
                   "dask-geopandas": lambda: run_dgpd(client, summed)}
            warm = {e: timed(run[e], 1)[0] for e in ENGINES}
            times: dict[str, list[float]] = {e: [] for e in ENGINES}
            tables: dict[str, pd.DataFrame] = {}
            for _ in range(args.repeat):  # alternate, so load changes hit both engines
                for e in ENGINES:
                    t, _, tables[e] = timed(run[e], 1)
                    times[e].append(t)
            print(json.dumps({"times_s": times, "warm_up_s": warm}), flush=True)  # kept if
            memory = {e: peak_memory(cluster, client, args.workers, run[e])  # memory fails
                      for e in ENGINES}
    finally:
        cluster.stop()
    return {"warm": warm, "times": times, "tables": tables, "memory": memory,
            "dgpd_plan_s": plan}


def report(args: argparse.Namespace, facts: dict[str, Any], m: dict[str, Any]) -> None:
    """Print the table, the ratio, the check, and one JSON object."""
    import dask_geopandas

    times, memory = m["times"], m["memory"]
    ours, theirs = m["tables"]["onemap"], m["tables"]["dask-geopandas"]
    check = compare(ours, theirs)
    med = {e: statistics.median(times[e]) for e in ENGINES}
    paired = statistics.median(d / o for d, o in zip(times["dask-geopandas"], times["onemap"],
                                                     strict=True))
    how = ("sjoin + intersection" if args.dgpd_kernel == "sjoin" else "geopandas.overlay")
    label = {"onemap": "onemap (DaskExecutor, run_area_by_class)",
             "dask-geopandas": f"dask-geopandas {dask_geopandas.__version__} ({how})"}
    print(f"\none cluster: scheduler + {args.workers} workers (nthreads 1, no nanny, loopback); "
          f"median of {args.repeat} alternating runs after one warm-up each")
    print(f"{'engine':<52} {'median s':>9} {'warm-up s':>9} {'peak RSS MB':>11} "
          f"{'HWM MB':>9}  runs")
    for e in ENGINES:
        print(f"{label[e]:<52} {med[e]:>9.3f} {m['warm'][e]:>9.3f} "
              f"{memory[e]['sampled_peak_mb']:>11.1f} {memory[e]['hwm_mb']:>9.1f}  "
              f"{[round(t, 3) for t in times[e]]}")
    ratio = med["dask-geopandas"] / med["onemap"]
    print(f"RATIO dask-geopandas/onemap = {ratio:.2f}x (median of paired runs {paired:.2f}x)")
    print(f"check: {check['rows']} (county, class, key) rows, max rel diff "
          f"{check['max_rel_diff']:.1e}, total rel diff {check['total_rel_diff']:.1e}, "
          f"pairs onemap {int(ours['pairs'].sum()):,} / dask-geopandas "
          f"{int(theirs['pairs'].sum()):,}")
    print(f"plans (untimed): onemap job list from the catalog {facts['onemap_plan_s']:.3f} s, "
          f"dask-geopandas read_parquet + map_partitions + groupby graph "
          f"{m['dgpd_plan_s']:.3f} s")
    print("memory: per engine on 2 fresh workers (warm-up, then one run sampled every 10 ms); "
          "HWM = a worker's peak RSS over its life (VmHWM)")
    print(json.dumps({**facts, "workers": args.workers, "dgpd_kernel": args.dgpd_kernel,
                      "dask_geopandas": dask_geopandas.__version__, "repeat": args.repeat,
                      "warmup_s": m["warm"], "runs_s": times, "median_s": med,
                      "ratio_dgpd_over_onemap": ratio, "paired_ratio": paired,
                      "memory_mb": memory, "check": check, "dgpd_plan_s": m["dgpd_plan_s"]},
                     ensure_ascii=False))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--workspace", type=Path, default=None,
                    help="workspace folder (default: build a tiny demo in a temp folder)")
    ap.add_argument("--scale", default="tiny", help="scale of the default demo")
    ap.add_argument("--counties", default=DEMO_COUNTIES,
                    help="counties of the default demo, or of --workspace to use "
                         "(comma-separated; empty: all)")
    ap.add_argument("--vintage", type=int, default=None, help="DLTB vintage (default: latest)")
    ap.add_argument("--control", default="pbf", help="control layer kind (default pbf)")
    ap.add_argument("--control-vintage", type=int, default=None)
    ap.add_argument("--key", default=None, help="control attribute to group by")
    ap.add_argument("--dgpd-kernel", choices=["sjoin", "overlay"], default="sjoin")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    key = args.key or DEFAULT_KEYS.get(args.control)
    if key is None:
        raise SystemExit(f"--key is needed for control layer {args.control!r}")
    if args.repeat < 1:
        raise SystemExit("--repeat must be at least 1")

    t0 = time.perf_counter()
    root = args.workspace or build_tiny_demo(args.scale, args.counties)
    built = time.perf_counter() - t0
    t0 = time.perf_counter()
    vintage, control_vintage, jobs = county_jobs(root, args.vintage, args.control,
                                                 args.control_vintage, key)
    onemap_plan = time.perf_counter() - t0
    if args.workspace and args.counties != DEMO_COUNTIES and args.counties:
        wanted = set(args.counties.split(","))  # a subset of an existing workspace
        jobs = [j for j in jobs if j.county in wanted]
    n_left = sum(pq.ParquetFile(j.left_path).metadata.num_rows for j in jobs)
    n_right = sum(pq.ParquetFile(j.right_path).metadata.num_rows for j in jobs)
    print(f"workspace {root}{f' (demo built in {built:.1f} s)' if not args.workspace else ''}: "
          f"{len(jobs)} counties, dltb {vintage} {n_left:,} polygons × {args.control} "
          f"{control_vintage} {n_right:,} polygons, key {key}; load {os.getloadavg()[0]:.2f}")
    facts = {"workspace": str(root), "counties": len(jobs), "dltb_vintage": vintage,
             "control": args.control, "control_vintage": control_vintage, "key": key,
             "left_polygons": n_left, "right_polygons": n_right,
             "onemap_plan_s": onemap_plan}
    report(args, facts, measure(args, jobs))


if __name__ == "__main__":
    main()
