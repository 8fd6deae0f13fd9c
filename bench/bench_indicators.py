"""Benchmark: spatial plan indicators over a demo province, against plain geopandas.

Builds the demo province (``--scale``, ``--counties``; default: 20 counties at
``small`` scale) and times, in the same run:

* onemap: ``refresh_spatial_indicators`` (耕地保有量, 永久基本农田, 高标准农田, 生态保护红线,
  新增建设用地 for every county, city and the province), in this process and in a
  process pool; then ``evaluate`` (all indicators × regions) and the PDF report;
* baseline: plain geopandas — read every partition, ``groupby`` TBDLMJ for farmland,
  pyproj ``Geod`` areas for the control layers, and ``geopandas.overlay`` of the two
  DLTB vintages for new construction land.

Prints the seconds of each and the ratio. Usage::

    .venv/bin/python bench/bench_indicators.py [--scale small] [--counties 20]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import pandas as pd
from pyproj import Geod

from onemap.compute import get_executor
from onemap.demo.context import province_context
from onemap.demo.indicator_inputs import load_demo_statistics
from onemap.demo.models import DemoOptions
from onemap.demo.service import build_demo
from onemap.indicators import service
from onemap.reports.indicators import write_indicators_report
from onemap.standards.landuse import construction_codes, farmland_codes
from onemap.store.workspace import Workspace
from onemap.users.identity import local_operator

GEOD = Geod(a=6378137.0, f=1 / 298.257222101)


def _layer(ws: Workspace, kind: str, vintage: int) -> gpd.GeoDataFrame:
    return pd.concat([gpd.read_parquet(ws.root / p.path) for p in ws.partitions(kind, vintage)],
                     ignore_index=True)


def baseline(ws: Workspace) -> tuple[float, float]:
    """Compute the same county figures with plain geopandas; return (wall, CPU) seconds."""
    t, c = time.perf_counter(), time.process_time()
    cons = sorted(construction_codes())
    for year in ws.vintages("dltb"):
        d = _layer(ws, "dltb", year)
        d[d.DLBM.isin(sorted(farmland_codes()))].groupby("county").TBDLMJ.sum()
    for kind in ("pbf", "hsf", "eco_redline"):
        f = _layer(ws, kind, 2020)
        f.assign(a=[abs(GEOD.geometry_area_perimeter(g)[0]) for g in f.geometry]) \
            .groupby("county").a.sum()
    prev, cur = _layer(ws, "dltb", 2019), _layer(ws, "dltb", 2020)
    for county in cur.county.unique():
        a = cur[(cur.county == county) & cur.DLBM.isin(cons)][["geometry"]]
        b = prev[(prev.county == county) & ~prev.DLBM.isin(cons)][["geometry"]]
        pieces = gpd.overlay(a, b, how="intersection", keep_geom_type=True)
        sum(abs(GEOD.geometry_area_perimeter(g)[0]) for g in pieces.geometry)
    return time.perf_counter() - t, time.process_time() - c


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", default="small")
    parser.add_argument("--counties", type=int, default=20)
    parser.add_argument("--seed", type=int, default=2019)
    args = parser.parse_args()
    codes = list(province_context(args.seed).boundaries.counties.XZQDM)[: args.counties]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "demo"
        t = time.perf_counter()
        build_demo(root, DemoOptions(scale=args.scale, seed=args.seed, counties=codes,
                                     picture=False))
        print(f"demo {args.scale} × {len(codes)} counties built in "
              f"{time.perf_counter() - t:.1f} s")
        ws = Workspace.open(root)
        print(f"DLTB polygons: 2019 {ws.layer('dltb', 2019).features:,}, "
              f"2020 {ws.layer('dltb', 2020).features:,}")
        t, c = time.perf_counter(), time.process_time()
        rows = service.refresh_spatial_indicators(ws)
        local, local_cpu = time.perf_counter() - t, time.process_time() - c
        with get_executor("processes") as pool:
            ws2 = Workspace.open(root)
            from onemap.indicators.schema import IndicatorValueRow
            with ws2.session() as s:
                s.query(IndicatorValueRow).delete()
            t = time.perf_counter()
            service.refresh_spatial_indicators(ws2, executor=pool)
            pooled = time.perf_counter() - t
        base, base_cpu = baseline(ws)
        print(f"refresh_spatial_indicators: {rows} values (all levels, written to the "
              f"catalog), in-process {local:.2f} s wall / {local_cpu:.2f} s CPU, "
              f"process pool {pooled:.2f} s wall")
        print(f"plain geopandas (county figures only, nothing written): {base:.2f} s wall / "
              f"{base_cpu:.2f} s CPU; ratio geopandas / onemap: wall {base / local:.2f}, "
              f"CPU {base_cpu / local_cpu:.2f}, vs pool {base / pooled:.2f}")
        load_demo_statistics(ws, args.seed)
        t = time.perf_counter()
        evs = service.evaluate(ws, 2023, actor=local_operator(ws))
        print(f"evaluate: {len(evs.evaluations)} evaluations {evs.counts()} in "
              f"{time.perf_counter() - t:.2f} s")
        t = time.perf_counter()
        write_indicators_report(ws, 2023, Path(tmp) / "r.pdf", actor=local_operator(ws))
        print(f"PDF report: {time.perf_counter() - t:.2f} s, "
              f"{(Path(tmp) / 'r.pdf').stat().st_size / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
