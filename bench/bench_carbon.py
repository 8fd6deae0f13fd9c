"""Benchmark: carbon stock and stock change against a plain pandas group-by, same run.

Builds a workspace of ``--counties`` synthetic counties, each a jittered grid of
``--per-county`` 12-vertex parcels with 三调 classes (bench/common.py), as DLTB 2019, and
the same grid with ``--changed`` of the parcels relabelled as DLTB 2020; runs the change
detection once (the ``change`` capability's cost, not timed here), then times:

* onemap stock: ``carbon.service.carbon_stock`` for both vintages (read the partition
  files' WKB and class, ellipsoidal area, areas summed by (county, class), × densities);
* onemap change: ``carbon.service.carbon_change`` (both stocks + the batch's patches
  priced by conversion);
* baseline: plain pandas/GeoPandas: ``gpd.read_parquet`` of every partition, the same
  ellipsoidal area, a per-polygon merge with the Σ-pool density table and
  ``groupby("county")`` of area × density, for both vintages (net change = difference).

Prints medians of ``--repeat`` runs and the ratios. Usage::

    .venv/bin/python bench/bench_carbon.py [--counties 4] [--per-county 250000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import parcels, timed

from onemap.carbon import service
from onemap.carbon.densities import default_density_table, entry_frame
from onemap.change.service import detect_changes
from onemap.geometry.area import ellipsoidal_area
from onemap.store.access import Actor, Role
from onemap.store.workspace import Workspace

ACTOR = Actor(username="bench", role=Role.ADMIN, regions=["360000"], origin="local")


def build(root: Path, counties: int, per_county: int, changed: float) -> Workspace:
    ws = Workspace.create(root, name="carbon bench", root_region="360000")
    side = int(np.sqrt(per_county))
    rng = np.random.default_rng(5)
    for vintage in (2019, 2020):
        frames = []
        for c in range(counties):
            county = f"3601{c + 11:02d}"
            geoms, codes = parcels(side, side, seed=c + 1)
            geoms = np.asarray(geoms)
            dx = 0.6 * c  # counties side by side
            geoms = np.asarray([__import__("shapely").affinity.translate(g, dx, 0.0)
                                for g in geoms]) if dx else geoms
            codes = np.asarray(codes, dtype=object)
            if vintage == 2020:
                pick = np.random.default_rng(c).random(len(codes)) < changed
                codes = codes.copy()
                codes[pick] = rng.choice(["0702", "0301", "0101", "0601"], int(pick.sum()))
            n = len(codes)
            frames.append(gpd.GeoDataFrame({
                "BSM": [f"{county}{i:08d}" for i in range(n)], "DLBM": codes,
                "ZLDWDM": [f"{county}001001"] * n, "TBMJ": np.ones(n)},
                geometry=geoms, crs=4490))
        ws.write_layer("dltb", vintage, iter(frames))
    return ws


def baseline(ws: Workspace, vintage: int, dens: pd.DataFrame) -> pd.Series:
    frames = [gpd.read_parquet(ws.root / p.path, columns=["DLBM", "county", "geometry"])
              for p in ws.partitions("dltb", vintage)]
    frame = pd.concat(frames, ignore_index=True)
    frame["area_ha"] = ellipsoidal_area(frame.geometry.to_numpy()) / 1e4
    merged = frame.merge(dens, left_on="DLBM", right_on="code", how="left")
    return (merged["area_ha"] * merged["tc_per_ha"]).groupby(merged["county"]).sum()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--counties", type=int, default=4)
    ap.add_argument("--per-county", type=int, default=250_000)
    ap.add_argument("--changed", type=float, default=0.005)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-carbon-") as tmp:
        t = time.perf_counter()
        ws = build(Path(tmp) / "ws", args.counties, args.per_county, args.changed)
        n = sum(p.rows for p in ws.partitions("dltb", 2019))
        print(f"built {args.counties} counties, {n:,} polygons per vintage in "
              f"{time.perf_counter() - t:.1f} s")
        t = time.perf_counter()
        batch = detect_changes(ws, ACTOR, from_year=2019, to_year=2020).batch
        print(f"change detection (not timed below): {batch.patches:,} patches, "
              f"{time.perf_counter() - t:.1f} s")
        table = default_density_table()
        frame = entry_frame(table)
        dens = frame[frame["scope"] == ""].groupby("code", as_index=False)["value"].sum() \
            .rename(columns={"value": "tc_per_ha"})

        def stock_both() -> float:
            return sum(service.carbon_stock(ws, ACTOR, v, table=table).total.total_tc
                       for v in (2019, 2020))

        def change() -> float:
            return service.carbon_change(ws, ACTOR, 2019, 2020, table=table).total.net_tc

        def base_both() -> pd.Series:
            return baseline(ws, 2019, dens) + baseline(ws, 2020, dens)

        def base_change() -> float:
            return float((baseline(ws, 2020, dens) - baseline(ws, 2019, dens)).sum())

        m_stock, _, s = timed(stock_both, args.repeat)
        m_base, _, b = timed(base_both, args.repeat)
        m_change, _, c = timed(change, args.repeat)
        m_bchange, _, bc = timed(base_change, args.repeat)
        assert abs(s - float(b.sum())) <= 1e-9 * abs(s), (s, float(b.sum()))
        assert abs(c - bc) <= 1e-6 * max(abs(bc), 1.0), (c, bc)
        per_m = 1e6 / n
        print(f"polygons per vintage: {n:,}")
        print(f"onemap stock, 2 vintages:   median {m_stock:.2f} s "
              f"({m_stock / 2 * per_m:.2f} s per 1M polygons per vintage)")
        print(f"pandas group-by, 2 vintages: median {m_base:.2f} s   ratio onemap/pandas "
              f"{m_stock / m_base:.2f}")
        print(f"onemap change (2 stocks + {batch.patches:,} patches): median {m_change:.2f} s")
        print(f"pandas net change (2 group-bys): median {m_bchange:.2f} s   ratio "
              f"{m_change / m_bchange:.2f}")
        print(f"same totals: stock {s:,.1f} t C, net change {c:+,.3f} t C (pandas {bc:+,.3f})")
        prov = 11_500_000
        print(f"province ({prov / 1e6:.1f} M polygons) by linear extrapolation: stock "
              f"{m_stock / 2 / n * prov:.0f} s per vintage, change "
              f"{m_change / n * prov:.0f} s (one process; counties stream, memory = one county)")
        ws.close()


if __name__ == "__main__":
    main()
