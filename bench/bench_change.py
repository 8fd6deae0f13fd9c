"""Benchmark: province-scale vintage diff, streamed county by county, vs GeoPandas overlay.

Builds a synthetic workspace of ``--counties`` counties with ``--per-county`` DLTB
polygons each (12-vertex jittered cells from ``common.parcels``) in two vintages,
where ``--changed`` of the polygons change (half relabelled whole, half carved: a
box cut out and given a new class). Then, each in a fresh subprocess so peak memory
(``ru_maxrss``) is its own:

* ``ours``: :func:`onemap.change.service.detect_changes` over every county (diff,
  classification, batch storage), with 1 and with 2 worker processes;
* ``overlay``: ``geopandas.overlay(old, new, how="intersection")`` of ONE county plus the
  class filter (the plain way to get change patches);
* ``symdiff``: ``geopandas.overlay(old, new, how="symmetric_difference")`` of one county.

Prints time, peak memory, polygons/s and the throughput ratio, and extrapolates to
Jiangxi's 11.5 million polygons per vintage (100 counties). Real province scale is
``--counties 100 --per-county 115000`` (slow to generate here; the default measures
8 counties of 115 000 polygons and extrapolates linearly, since counties are independent).

Run: ``.venv/bin/python bench/bench_change.py [--counties 8 --per-county 115000]``
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import parcels

PROVINCE_POLYGONS = 11_500_000
COUNTY_CODES = [f"36{c:04d}" for c in range(101, 1200)]


def make_county(n: int, changed: float, seed: int,
                ) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, int]:
    """Two vintages of one synthetic county; returns (old, new, number of changes)."""
    side = int(np.ceil(np.sqrt(n)))
    polys, codes = parcels(side, side, cell_m=120.0, seed=seed)
    polys, codes = polys[:n], codes[:n].astype(object)
    rng = np.random.default_rng(seed)
    k = int(n * changed)
    picked = rng.choice(n, size=k, replace=False)
    whole, carve = picked[: k // 2], picked[k // 2:]
    new_codes = codes.copy()
    new_codes[whole] = np.where(codes[whole] == "0702", "0101", "0702")
    geoms = list(polys)
    extra_geoms, extra_codes = [], []
    for i in carve:
        g = polys[i]
        c = g.centroid
        w = (g.bounds[2] - g.bounds[0]) * 0.3
        h = (g.bounds[3] - g.bounds[1]) * 0.3
        box = shapely.box(c.x - w, c.y - h, c.x + w, c.y + h)
        geoms[i] = g.difference(box)
        extra_geoms.append(g.intersection(box))
        extra_codes.append("0601" if codes[i] != "0601" else "0101")
    old = gpd.GeoDataFrame({"BSM": [f"A{i:09d}" for i in range(n)], "DLBM": codes},
                           geometry=polys, crs=4490)
    new = gpd.GeoDataFrame({
        "BSM": [f"A{i:09d}" for i in range(n)] + [f"B{i:09d}" for i in range(len(extra_geoms))],
        "DLBM": list(new_codes) + extra_codes}, geometry=geoms + extra_geoms, crs=4490)
    return old, new, k


def build(root: Path, counties: int, per_county: int, changed: float) -> dict[str, float]:
    from onemap.store.workspace import Workspace

    t0 = time.perf_counter()
    old, new, k = make_county(per_county, changed, seed=5)
    ws = Workspace.create(root)
    width = float(old.total_bounds[2] - old.total_bounds[0]) + 0.01
    for c in range(counties):
        code = COUNTY_CODES[c]
        for year, frame in ((2019, old), (2020, new)):
            moved = frame.copy()
            moved["geometry"] = shapely.transform(frame.geometry.to_numpy(),
                                                  lambda xy, d=c * width: xy + np.array([d, 0.0]))
            moved["ZLDWDM"] = code + "001000000"
            moved["TBMJ"] = 0.0
            ws.write_layer("dltb", year, moved)
    ws.close()
    return {"build_s": time.perf_counter() - t0, "changes_per_county": k}


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def step_ours(root: Path, workers: int) -> dict[str, float]:
    from onemap.change.service import detect_changes
    from onemap.store.workspace import Workspace
    from onemap.users.identity import local_operator

    ws = Workspace.open(root)
    t0 = time.perf_counter()
    result = detect_changes(ws, local_operator(ws), from_year=2019, to_year=2020, workers=workers)
    seconds = time.perf_counter() - t0
    return {"seconds": seconds, "patches": len(result.patches), "peak_mb": peak_mb(),
            "counties": len(result.batch.counties)}


def step_baseline(root: Path, how: str) -> dict[str, float]:
    from onemap.store.workspace import Workspace

    ws = Workspace.open(root)
    county = ws.partitions("dltb", 2019)[0].county
    old = ws.read_layer("dltb", 2019, counties=[county], columns=["BSM", "DLBM", "geometry"])
    new = ws.read_layer("dltb", 2020, counties=[county], columns=["BSM", "DLBM", "geometry"])
    t0 = time.perf_counter()
    out = gpd.overlay(old, new, how=how, keep_geom_type=True)
    if how == "intersection":
        out = out[out["DLBM_1"] != out["DLBM_2"]]
    from onemap.geometry.area import ellipsoidal_area

    ellipsoidal_area(out.geometry.to_numpy())
    seconds = time.perf_counter() - t0
    return {"seconds": seconds, "patches": len(out), "peak_mb": peak_mb(),
            "polygons": len(old)}


def run_step(args: list[str]) -> dict[str, float]:
    proc = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True,
                          check=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--counties", type=int, default=8)
    ap.add_argument("--per-county", type=int, default=115_000)
    ap.add_argument("--changed", type=float, default=0.01)
    ap.add_argument("--no-symdiff", action="store_true")
    ap.add_argument("--step", default="")
    ap.add_argument("--root", default="")
    ap.add_argument("--workers", type=int, default=1)
    args = ap.parse_args()
    if args.step == "ours":
        print(json.dumps(step_ours(Path(args.root), args.workers)))
        return
    if args.step in ("intersection", "symmetric_difference"):
        print(json.dumps(step_baseline(Path(args.root), args.step)))
        return

    with tempfile.TemporaryDirectory(prefix="bench-change-") as tmp:
        root = Path(tmp) / "ws"
        built = build(root, args.counties, args.per_county, args.changed)
        n_total = args.counties * args.per_county
        print(f"synthetic workspace: {args.counties} counties × {args.per_county:,} polygons "
              f"= {n_total:,} per vintage, {built['changes_per_county']:,} changes per county "
              f"({args.changed:.1%}); built in {built['build_s']:.1f} s")
        ours = {w: run_step(["--step", "ours", "--root", str(root), "--workers", str(w)])
                for w in (1, 2)}
        base = run_step(["--step", "intersection", "--root", str(root)])
        sym = None if args.no_symdiff else run_step(
            ["--step", "symmetric_difference", "--root", str(root)])
    print(f"{'run':44} {'time s':>9} {'peak MB':>9} {'polygons/s':>12} {'patches':>8}")
    for w, r in ours.items():
        rate = n_total / r["seconds"]
        print(f"{'onemap diff+classify, all counties, ' + str(w) + ' proc':44} "
              f"{r['seconds']:9.2f} {r['peak_mb']:9.0f} {rate:12,.0f} {r['patches']:8,.0f}")
    for name, r in (("geopandas overlay intersection, 1 county", base),
                    ("geopandas overlay symmetric_difference, 1 cty", sym)):
        if r is None:
            continue
        print(f"{name:44} {r['seconds']:9.2f} {r['peak_mb']:9.0f} "
              f"{r['polygons'] / r['seconds']:12,.0f} {r['patches']:8,.0f}")
    best = min(ours.values(), key=lambda r: r["seconds"])
    ours_rate = n_total / best["seconds"]
    one_proc_rate = n_total / ours[1]["seconds"]
    base_rate = base["polygons"] / base["seconds"]
    print(f"throughput ratio vs overlay intersection: {ours_rate / base_rate:,.1f}× "
          f"(1 process: {one_proc_rate / base_rate:,.1f}×)")
    if sym is not None:
        print(f"throughput ratio vs overlay symmetric_difference: "
              f"{ours_rate / (sym['polygons'] / sym['seconds']):,.1f}×")
    est = PROVINCE_POLYGONS / ours_rate
    print(f"extrapolated whole province ({PROVINCE_POLYGONS:,} polygons/vintage, counties "
          f"independent): {est / 60:.1f} min with the best setting; overlay baseline would "
          f"take {PROVINCE_POLYGONS / base_rate / 60:.0f} min")


if __name__ == "__main__":
    main()
