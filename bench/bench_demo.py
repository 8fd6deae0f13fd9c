"""Demo province generation: time, polygons, bytes and peak memory; province-scale extrapolation.

Usage::

    python bench/bench_demo.py --scale small                       # all 100 counties
    python bench/bench_demo.py --scale small --workers 1,2         # 1 vs 2 processes
    python bench/bench_demo.py --scale province --counties 360111,360121,360722
    python bench/bench_demo.py --scale medium --counties every10 --workers 1,2

A subset run is extrapolated to the province from the expected point count of
every county (the density integral of the calibrated fields) and the measured
seconds, bytes and polygons per expected point of the subset. With several
``--workers`` values, every run builds the same counties and the ratios to the
first (usually one process) are printed: speed-up, and whether the layer files
are byte-identical. Peak memory is the largest worker's (``worker_rss_mb``) and
the parent's.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import shapely

from onemap.compute import get_executor
from onemap.demo.allocate import density_factor, density_features
from onemap.demo.context import province_context
from onemap.demo.models import SCALE_DENSITY, DemoOptions
from onemap.demo.service import build_demo
from onemap.geometry.area import ellipsoidal_area
from onemap.store.workspace import Workspace


def expected_points(seed: int, scale: str, samples: int = 300_000) -> dict[str, float]:
    """Expected Voronoi points per county at ``scale`` (density integral, Monte Carlo)."""
    ctx = province_context(seed)
    b = ctx.boundaries.counties
    prov = ctx.boundaries.province.geometry.iloc[0]
    rng = np.random.default_rng(0)
    minx, miny, maxx, maxy = prov.bounds
    x, y = rng.uniform(minx, maxx, samples), rng.uniform(miny, maxy, samples)
    inside = shapely.contains_xy(prov, x, y)
    x, y = x[inside], y[inside]
    df = density_factor(density_features(ctx.terrain, ctx.seats, x, y))
    pts, cty = shapely.STRtree(b.geometry.to_numpy()).query(shapely.points(x, y),
                                                             predicate="within")
    areas = ellipsoidal_area(b.geometry.to_numpy()) / 1e6
    return {code: float(areas[k] * df[pts[cty == k]].mean() / ctx.calibration.density_mean
                        * SCALE_DENSITY[scale]) for k, code in enumerate(b.XZQDM)}


def _burn(n: int) -> float:
    """Pure-Python CPU work; return its seconds."""
    t, acc = time.perf_counter(), 0
    for i in range(n):
        acc += i * i
    return time.perf_counter() - t


def parallel_ceiling(workers: int, n: int = 15_000_000) -> float:
    """Speed-up of ``workers`` processes over one on pure CPU work (this machine's ceiling)."""
    one = _burn(n)
    with get_executor("processes", workers=workers) as ex:
        ex.map(_burn, [1000] * workers)  # start the workers
        t = time.perf_counter()
        ex.map(_burn, [n] * workers)
        wall = time.perf_counter() - t
    return round(one * workers / wall, 2)


def _layer_digests(root: Path) -> dict[str, str]:
    """(kind/vintage/county) → sha256 of every committed partition."""
    ws = Workspace.open(root)
    try:
        return {f"{i.kind}/{i.vintage}/{p.county}": p.checksum for i in ws.list_layers()
                for p in ws.partitions(i.kind, i.vintage)}
    finally:
        ws.close()


def run(scale: str, seed: int, counties: list[str] | None, workers: int,
        out: Path) -> tuple[dict[str, Any], Path]:
    """Build once; return the figures and the workspace folder."""
    r = build_demo(out, DemoOptions(scale=scale, seed=seed, counties=counties,
                                    workers=workers))
    per_county = json.loads((out / "outputs" / "demo-counties.json").read_text())
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"workers": r.workers, "counties": r.counties, "polygons_2019": r.polygons_2019,
            "polygons_2020": r.polygons_2020, "changes": r.changes, "seconds": r.seconds,
            "county_seconds_sum": round(sum(c["seconds"] for c in per_county), 1),
            "bytes": r.bytes, "bytes_per_polygon": round(r.bytes / max(r.polygons_2019, 1), 1),
            "ms_per_polygon": round(1000 * r.seconds / max(r.polygons_2019, 1), 3),
            "parent_peak_rss_mb": round(rss_mb),
            "worker_peak_rss_mb": round(max(c["worker_rss_mb"] for c in per_county)),
            "shares": r.class_shares}, out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", default="small")
    ap.add_argument("--seed", type=int, default=2019)
    ap.add_argument("--counties", default="",
                    help="comma-separated codes, or everyN (every N-th county code)")
    ap.add_argument("--workers", default="0", help="comma-separated; 0 = every core")
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()
    t = time.perf_counter()
    ctx = province_context(args.seed)
    t_ctx = time.perf_counter() - t
    if args.counties.startswith("every"):
        step = int(args.counties[5:])
        counties: list[str] | None = list(ctx.boundaries.counties.XZQDM)[::step]
    else:
        counties = [c for c in args.counties.split(",") if c] or None
    base = args.out or Path(tempfile.mkdtemp())
    most = max(int(x) or (os.cpu_count() or 1) for x in args.workers.split(","))
    before = parallel_ceiling(most) if most > 1 else None
    runs = []
    for w in [int(x) for x in args.workers.split(",")]:
        figures, folder = run(args.scale, args.seed, counties, w or (os.cpu_count() or 1),
                              base / f"demo-w{w}")
        figures["context_seconds"] = round(t_ctx, 2)
        runs.append((figures, _layer_digests(folder)))
    report: dict[str, Any] = {"scale": args.scale, "county_codes": counties,
                              "runs": [f for f, _ in runs]}
    if before is not None:  # what the hardware allows: pure CPU work, before and after
        report[f"cpu_ceiling_{most}_workers"] = [before, parallel_ceiling(most)]
    first, digests = runs[0]
    for f, d in runs[1:]:
        f["speedup_vs_first"] = round(first["seconds"] / f["seconds"], 2)
        f["same_layer_bytes_as_first"] = d == digests
    if counties:
        exp = expected_points(args.seed, args.scale)
        sub = sum(exp[c] for c in counties)
        factor = sum(exp.values()) / sub
        report["province_extrapolation"] = {
            "polygons": round(first["polygons_2019"] * factor),
            "gigabytes": round(first["bytes"] * factor / 1e9, 2),
            "largest_county_polygons": round(max(exp.values()) * first["polygons_2019"] / sub),
            **{f"hours_{f['workers']}_workers": round(f["seconds"] * factor / 3600, 2)
               for f, _ in runs},
        }
    print(json.dumps(report, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
