"""Benchmark: quality checks of one large county (coverage overlaps/gaps, attributes).

A 340 × 340 jittered grid of 12-vertex polygons (115,600 polygons of ~4 ha, like a
large Jiangxi county's DLTB) tiles a county whose polygon is their union; 200
polygons are then spoilt (100 grown into a neighbour, 100 removed). Prints, in
one run: each check's time, the whole per-county kernel's polygons/s, and a
plain GeoPandas baseline for the overlap check (``sjoin(predicate="overlaps")``
then ``intersection`` of the joined pairs).

    .venv/bin/python bench/bench_qc.py [--side 340] [--repeat 3]
"""

from __future__ import annotations

import argparse
import statistics
import time

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from common import parcels

from onemap.geometry.area import ellipsoidal_area
from onemap.quality.checks import check_county
from onemap.quality.coverage import coverage_suspects, find_gaps, find_overlaps
from onemap.quality.models import QcOptions


def county_layer(side: int, seed: int = 3) -> tuple[gpd.GeoDataFrame, shapely.Geometry]:
    polys, codes = parcels(side, side, seed=seed)
    county = shapely.coverage_union_all(polys)
    rng = np.random.default_rng(seed)
    spoil = rng.choice(len(polys), 200, replace=False)
    grow, drop = spoil[:100], spoil[100:]
    polys = polys.copy()
    polys[grow] = shapely.buffer(polys[grow], 0.0002)  # ~20 m into the neighbours
    keep = np.setdiff1d(np.arange(len(polys)), drop)
    polys, codes = polys[keep], codes[keep]
    area = np.round(ellipsoidal_area(polys), 2)
    farm = np.char.startswith(codes.astype(str), "01")
    kcxs = np.where(farm, 0.05, 0.0)
    kcmj = np.round(area * kcxs, 2)
    gdf = gpd.GeoDataFrame({"BSM": np.arange(len(polys)).astype(str), "DLBM": codes,
                            "ZLDWDM": "360111001001", "TBMJ": area, "KCXS": kcxs, "KCMJ": kcmj,
                            "TBDLMJ": np.round(area - kcmj, 2)}, geometry=polys, crs=4490)
    return gdf, county


def timed(fn, repeat: int) -> tuple[float, object]:  # type: ignore[no-untyped-def]
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def geopandas_overlaps(gdf: gpd.GeoDataFrame) -> int:
    left = gdf[["BSM", "geometry"]]
    pairs = gpd.sjoin(left, left, predicate="overlaps")
    pairs = pairs[pairs.index < pairs["index_right"]]
    inter = pairs.geometry.intersection(left.geometry.loc[pairs["index_right"]].set_axis(
        pairs.index))
    area = pd.Series(ellipsoidal_area(inter.to_numpy()), index=pairs.index)
    return int((area >= 1.0).sum())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--side", type=int, default=340)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    gdf, county = county_layer(args.side)
    n = len(gdf)
    geoms = gdf.geometry.to_numpy()
    ids = gdf.BSM.tolist()
    print(f"county layer: {n:,} polygons, 100 grown into neighbours, 100 removed")
    t_sus, sus = timed(lambda: coverage_suspects(geoms), args.repeat)
    t_ov, ov = timed(lambda: find_overlaps(ids, geoms, "360111", suspects=sus), args.repeat)
    t_gap, gaps = timed(lambda: find_gaps(geoms, county, "360111", suspects=sus), args.repeat)
    t_full, _ = timed(lambda: shapely.union_all(geoms), 1)
    t_all, found = timed(lambda: check_county(gdf, "360111", county, QcOptions(),
                                              coverage=True, land_use=True), args.repeat)
    t_gpd, n_gpd = timed(lambda: geopandas_overlaps(gdf), args.repeat)
    print(f"coverage validation: {int(sus.sum()):,} suspect polygons in {t_sus:.2f} s; "
          f"then overlaps: {len(ov):,} found in {t_ov:.2f} s; gaps: {len(gaps):,} in "
          f"{t_gap:.2f} s (a plain union_all alone takes {t_full:.2f} s)")
    rules: dict[str, int] = {}
    for f in found:
        rules[f.rule] = rules.get(f.rule, 0) + 1
    print(f"whole county kernel (all checks): {t_all:.2f} s median of {args.repeat}, "
          f"{n / t_all:,.0f} polygons/s; findings {rules}")
    print(f"geopandas overlap baseline: {n_gpd:,} overlaps in {t_gpd:.2f} s; "
          f"ratio geopandas / onemap overlaps (incl. validation) = "
          f"{t_gpd / (t_sus + t_ov):.2f}x")


if __name__ == "__main__":
    main()
