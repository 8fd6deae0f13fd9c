"""Cost of checking county claims on import: the same import with and without county boundaries.

Generates a DLTB-like layer of ``--features`` polygons (default 50,000; the jittered grid
of 12-vertex parcels of ``bench_import.py``, four counties as column strips, ZLDWDM
claiming each parcel's county) as a GeoPackage in CGCS2000 zone 39, and imports it with
``store.importer.import_file`` into fresh workspaces, in the same run:

* **no check**: the workspace has no ``admin_county`` layer, so the attribute claim is
  used as it is (the behaviour before the check);
* **aligned**: ``admin_county`` outlines are the union of each strip's parcels, as in a
  real 三调 county database, so every parcel is covered by its county (boundary parcels
  share edges with it);
* **straight**: the outlines are straight meridians through the grid, so the parcels
  along them cross a boundary and are clipped (their ZLDWDM names their majority county).

Prints the median of ``--repeat`` runs, the ratio to the import without the check, and
the time of the claim kernel alone (``county_shares`` + ``check_claims``). Usage::

    .venv/bin/python bench/bench_import_claims.py [--features 50000] [--repeat 3]
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
import shapely

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_import import COUNTIES, generate

from onemap.store.counties import check_claims, claimed_counties, county_shares
from onemap.store.formats.models import ImportRequest
from onemap.store.importer import import_file
from onemap.store.kinds import get_kind
from onemap.store.workspace import Workspace
from onemap.users.identity import local_operator


def aligned_outlines(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """County outlines as the union of each county's parcels (edges shared exactly)."""
    county = frame["ZLDWDM"].str[:6]
    geoms = [shapely.coverage_union_all(frame.geometry[county == c].to_numpy())
             for c in COUNTIES]
    return gpd.GeoDataFrame({"XZQDM": COUNTIES}, geometry=geoms, crs=frame.crs)


def straight_outlines(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """County outlines cut by straight meridians through the grid (parcels cross them)."""
    x0, y0, x1, y1 = frame.total_bounds
    pad = 0.01
    cuts = np.linspace(x0, x1, len(COUNTIES) + 1)
    cuts[0], cuts[-1] = x0 - pad, x1 + pad
    geoms = [shapely.box(cuts[i], y0 - pad, cuts[i + 1], y1 + pad) for i in range(len(COUNTIES))]
    return gpd.GeoDataFrame({"XZQDM": COUNTIES}, geometry=geoms, crs=frame.crs)


def claim_majority(frame: gpd.GeoDataFrame, outlines: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Set ZLDWDM to the county holding most of each parcel (what a correct file says)."""
    county, _ = county_shares(frame.geometry.to_numpy(), outlines.geometry.to_numpy(),
                              outlines["XZQDM"].to_numpy()).majority()
    out = frame.copy()
    out["ZLDWDM"] = [f"{c}{v[6:]}" for c, v in zip(county, frame["ZLDWDM"], strict=True)]
    return out


def run(root: Path, gpkg: Path, outlines: gpd.GeoDataFrame | None, repeat: int,
        label: str) -> tuple[float, int]:
    times, imported = [], 0
    for r in range(repeat):
        ws = Workspace.create(root / f"ws-{label}-{r}")
        try:
            if outlines is not None:
                ws.write_layer("admin_county", None, outlines)
            t0 = time.perf_counter()
            report = import_file(ws, ImportRequest(path=gpkg, kind="dltb", vintage=2019),
                                 actor=local_operator(ws))
            times.append(time.perf_counter() - t0)
            imported = report.features_imported
        finally:
            ws.close()
    return statistics.median(times), imported


def kernel_time(frame: gpd.GeoDataFrame, outlines: gpd.GeoDataFrame, repeat: int
                ) -> tuple[float, int]:
    geoms = frame.geometry.to_numpy()
    claims, _ = claimed_counties(frame.drop(columns="geometry"), get_kind("dltb"))
    cgeoms, codes = outlines.geometry.to_numpy(), outlines["XZQDM"].to_numpy(dtype=object)
    times, crossing = [], 0
    for _ in range(repeat):
        t0 = time.perf_counter()
        shares = county_shares(geoms, cgeoms, codes)
        check = check_claims(claims, shares, set(codes.tolist()))
        times.append(time.perf_counter() - t0)
        crossing = int((np.bincount(shares.feature, minlength=len(geoms)) > 1).sum())
        assert not check.failed.any()
    return statistics.median(times), crossing


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--features", type=int, default=50_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-claims-") as tmp:
        root = Path(tmp)
        t0 = time.perf_counter()
        lonlat = generate(args.features).to_crs(4490)
        variants: dict[str, tuple[gpd.GeoDataFrame, gpd.GeoDataFrame | None]] = {
            "no check": (lonlat, None), "aligned": (lonlat, aligned_outlines(lonlat))}
        straight = straight_outlines(lonlat)
        variants["straight"] = (claim_majority(lonlat, straight), straight)
        files = {}
        for label, (frame, _) in variants.items():
            files[label] = root / f"{label.replace(' ', '_')}.gpkg"
            pyogrio.write_dataframe(frame.to_crs(4527), files[label])
        print(f"generated {len(lonlat):,} polygons in 4 counties in "
              f"{time.perf_counter() - t0:.1f} s")
        print(f"{'boundaries':<10} {'import':>9} {'ratio':>7} {'imported':>9} "
              f"{'kernel':>9} {'kernel/base':>12} {'crossing':>9}")
        run(root, files["aligned"], variants["aligned"][1], 1, "warm-up")  # imports, caches
        base = None
        for label, (frame, outlines) in variants.items():
            seconds, imported = run(root, files[label], outlines, args.repeat, label)
            base = base or seconds
            if outlines is None:
                kernel, crossing = 0.0, 0
            else:
                kernel, crossing = kernel_time(frame.set_crs(4490, allow_override=True),
                                               outlines, args.repeat)
            print(f"{label:<10} {seconds:>7.2f} s {seconds / base:>6.2f}x {imported:>9,} "
                  f"{kernel:>7.2f} s {kernel / base:>11.1%} {crossing:>9,}")
        print("ratio = import time / import without county boundaries (median of "
              f"{args.repeat}); kernel = county_shares + check_claims alone, kernel/base = "
              "its share of the import without the check (steadier than the ratio on a "
              "loaded machine); crossing = parcels meeting two counties")


if __name__ == "__main__":
    main()
