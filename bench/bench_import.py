"""Import throughput (features/s) for Shapefile and GeoPackage, against plain GeoPandas.

Generates a DLTB-like layer of ``--features`` polygons (default 200,000; a jittered
grid of 12-vertex parcels around Nanchang, 三调 codes, Chinese DLMC, four counties) in
CGCS2000 3° zone 39 (EPSG:4527), as a GBK Shapefile without ``.cpg`` (what county
deliverables look like) and as a GeoPackage. Then times, in the same run:

* onemap: ``store.importer.import_file`` into a fresh workspace — encoding detection,
  field mapping, type coercion, validation (geometry validity, land-class codes),
  reprojection to EPSG:4490, ellipsoidal areas, per-county GeoParquet, catalog switch;
* baseline: ``geopandas.read_file`` + ``to_parquet`` (what a script does; no checks,
  no reprojection — and its Shapefile text comes out garbled without ``encoding=``),
  and the same with ``to_crs(4490)`` for a like-for-like reprojection.

Prints the median of ``--repeat`` runs of each, features/s and ratios. Usage::

    .venv/bin/python bench/bench_import.py [--features 200000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import parcels

from onemap.standards.landuse import land_classes
from onemap.store.formats.models import ImportRequest
from onemap.store.importer import import_file
from onemap.store.workspace import Workspace
from onemap.users.identity import local_operator

COUNTIES = ["360111", "360112", "360121", "360123"]


def generate(n: int, seed: int = 11) -> gpd.GeoDataFrame:
    nx = int(np.sqrt(n * 1.25))
    ny = int(np.ceil(n / nx))
    polys, codes = parcels(nx, ny, cell_m=120.0, seed=seed)
    polys, codes = polys[:n], codes[:n]
    rng = np.random.default_rng(seed)
    names = {c: lc.name_zh for c, lc in land_classes().items()}
    county = np.array(COUNTIES)[(np.arange(n) % nx) * len(COUNTIES) // nx]
    frame = gpd.GeoDataFrame({
        "BSM": [f"36{i:014d}" for i in range(n)],
        "DLBM": codes,
        "DLMC": [names[c] for c in codes],
        "QSXZ": rng.choice(["10", "20", "30"], n),
        "ZLDWDM": [f"{c}{v:06d}" for c, v in zip(county, rng.integers(1, 300, n), strict=True)],
        "ZLDWMC": "某某村民委员会",
        "TBMJ": np.round(rng.uniform(5_000, 20_000, n), 2),
        "KCXS": 0.0,
        "KCMJ": 0.0,
    }, geometry=polys, crs=4490)
    return frame.to_crs(4527)


def timed(fn) -> float:  # type: ignore[no-untyped-def]
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--features", type=int, default=200_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-import-") as tmp:
        root = Path(tmp)
        t0 = time.perf_counter()
        frame = generate(args.features)
        shp, gpkg = root / "dltb.shp", root / "dltb.gpkg"
        pyogrio.write_dataframe(frame, shp, encoding="GBK")
        shp.with_suffix(".cpg").unlink()
        pyogrio.write_dataframe(frame, gpkg)
        n = len(frame)
        print(f"generated {n:,} polygons (12 vertices) in {time.perf_counter() - t0:.1f} s; "
              f"shapefile {sum(p.stat().st_size for p in root.glob('dltb.*')) / 1e6:.0f} MB, "
              f"gpkg {gpkg.stat().st_size / 1e6:.0f} MB")
        print(f"{'source':<10} {'onemap import':>14} {'gpd read+parquet':>17} "
              f"{'+to_crs':>9} {'onemap feat/s':>14} {'ratio':>7} {'ratio+crs':>10}")
        for label, path, encoding in (("shapefile", shp, "GB18030"), ("gpkg", gpkg, None)):
            ours, base, base_crs = [], [], []
            for r in range(args.repeat):
                ws = Workspace.create(root / f"ws-{label}-{r}")
                ours.append(timed(lambda ws=ws, path=path: import_file(
                    ws, ImportRequest(path=path, kind="dltb", vintage=2019),
                    actor=local_operator(ws))))
                ws.close()
                out = root / f"base-{label}-{r}.parquet"

                def baseline(path=path, out=out, encoding=encoding, crs=False) -> None:  # type: ignore[no-untyped-def]
                    kw = {"encoding": encoding} if encoding else {}
                    gdf = gpd.read_file(path, **kw)
                    if crs:
                        gdf = gdf.to_crs(4490)
                    gdf.to_parquet(out)

                base.append(timed(baseline))
                base_crs.append(timed(lambda b=baseline: b(crs=True)))
            o, b, bc = (statistics.median(x) for x in (ours, base, base_crs))
            print(f"{label:<10} {o:>12.2f} s {b:>15.2f} s {bc:>7.2f} s {n / o:>14,.0f} "
                  f"{o / b:>6.2f}x {o / bc:>9.2f}x")
        print("ratio = onemap time / baseline time (lower is better; onemap also detects the "
              "encoding, validates, reprojects, computes ellipsoidal areas and partitions)")


if __name__ == "__main__":
    main()
