"""Demo province generation: time, polygons, bytes and peak memory; province-scale extrapolation.

Usage::

    python bench/bench_demo.py --scale small                       # all 100 counties
    python bench/bench_demo.py --scale province --counties 360111,360121,360722

A subset run is extrapolated to the province from the expected point count of
every county (the density integral of the calibrated fields) and the measured
seconds, bytes and polygons per expected point of the subset. Baseline in the
same run: the time spent in the workspace writes (store) versus generation.
"""

from __future__ import annotations

import argparse
import json
import resource
import tempfile
import time
from pathlib import Path

import numpy as np
import shapely

from onemap.demo.allocate import density_factor, density_features
from onemap.demo.context import province_context
from onemap.demo.models import SCALE_DENSITY, DemoOptions
from onemap.demo.service import build_demo
from onemap.geometry.area import ellipsoidal_area


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


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", default="small")
    ap.add_argument("--seed", type=int, default=2019)
    ap.add_argument("--counties", default="")
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()
    counties = [c for c in args.counties.split(",") if c] or None
    out = args.out or Path(tempfile.mkdtemp()) / "demo"
    t = time.perf_counter()
    province_context(args.seed)
    t_ctx = time.perf_counter() - t
    r = build_demo(out, DemoOptions(scale=args.scale, seed=args.seed, counties=counties))
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    figures = {"scale": args.scale, "counties": r.counties, "polygons_2019": r.polygons_2019,
               "polygons_2020": r.polygons_2020, "changes": r.changes,
               "seconds": r.seconds, "context_seconds": round(t_ctx, 2), "bytes": r.bytes,
               "bytes_per_polygon": round(r.bytes / max(r.polygons_2019, 1), 1),
               "ms_per_polygon": round(1000 * r.seconds / max(r.polygons_2019, 1), 3),
               "peak_rss_mb": round(rss_mb), "shares": r.class_shares}
    if counties:
        exp = expected_points(args.seed, args.scale)
        sub = sum(exp[c] for c in counties)
        factor = sum(exp.values()) / sub
        figures["province_extrapolation"] = {
            "polygons": round(r.polygons_2019 * factor),
            "hours_one_process": round(r.seconds * factor / 3600, 2),
            "gigabytes": round(r.bytes * factor / 1e9, 2),
            "largest_county_polygons": round(max(exp.values()) * r.polygons_2019 / sub),
        }
    print(json.dumps(figures, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
