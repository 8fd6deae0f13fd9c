"""Site review latency (cold / warm p50, p95) and batch throughput, against plain GeoPandas.

Usage::

    python bench/bench_review.py                       # synthetic 4-county workspace
    python bench/bench_review.py --workspace DEMO_DIR  # e.g. one made by `onemap demo`
    python bench/bench_review.py --counties 2 --cell 250 --sites 100

The synthetic workspace has county-sized DLTB partitions (a segmentized grid, ~60k
polygons per county at 180 m cells) and every control layer the review reads, with
irregular ~128-vertex polygons. Sites are 50-ha irregular polygons (24 vertices) placed
at random. The baseline is what an analyst scripts by hand: ``geopandas.overlay`` of
the site with each layer (already in memory, warm; or read by bbox, cold) and
ellipsoidal areas of the pieces, run in the same process on the same sites.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

from onemap.geometry.area import ellipsoidal_area
from onemap.review.service import REVIEW_KINDS, ReviewService, parcels_from_frame
from onemap.store.reader import PartitionCache, WorkspaceReader
from onemap.store.workspace import Workspace
from onemap.users.identity import local_operator

LON0, LAT0, SIDE = 115.5, 28.2, 0.4  # county blocks of 0.4° × 0.4°
CODES = np.array(["0101", "0102", "0103", "0201", "0301", "0305", "0404", "0601", "0702",
                  "1001", "1006", "1101", "1104", "1202"])
WEIGHTS = np.array([22, 2, 7, 4, 33, 4, 3, 2, 9, 2, 2, 4, 4, 2], float)


def blob(rng: np.random.Generator, x: float, y: float, r_m: float, n: int = 128
         ) -> shapely.Polygon:
    t = np.linspace(0, 2 * np.pi, n, endpoint=False)
    k = rng.integers(2, 6)
    r = r_m * (1 + 0.25 * np.sin(k * t + rng.uniform(0, 6)) + 0.1 * np.sin(3 * k * t))
    dlat = r / 110_900.0
    dlon = dlat / np.cos(np.radians(y))
    return shapely.Polygon(np.column_stack([x + dlon * np.cos(t), y + dlat * np.sin(t)]))


def county_layers(rng: np.random.Generator, code: str, x0: float, y0: float, cell_m: float
                  ) -> dict[str, gpd.GeoDataFrame]:
    dlat = cell_m / 110_900.0
    dlon = dlat / np.cos(np.radians(y0))
    nx, ny = int(SIDE / dlon), int(SIDE / dlat)
    xs, ys = np.meshgrid(x0 + np.arange(nx) * dlon, y0 + np.arange(ny) * dlat)
    boxes = shapely.box(xs.ravel(), ys.ravel(), xs.ravel() + dlon, ys.ravel() + dlat)
    geoms = shapely.segmentize(boxes, dlat / 3)
    n = len(geoms)
    codes = rng.choice(CODES, n, p=WEIGHTS / WEIGHTS.sum())
    sloped = codes == "0103"
    dltb = gpd.GeoDataFrame({
        "BSM": [f"{code}{i:07d}" for i in range(n)], "DLBM": codes,
        "ZLDWDM": [f"{code}{1 + (i % 9):03d}0010000000" for i in range(n)],
        "TBMJ": 1.0, "KCDLBM": np.where(sloped, "1203", ""),
        "KCXS": np.where(sloped, 0.08, 0.0),
        "GDDB": np.where(np.isin(codes, ["0101", "0102", "0103"]),
                         rng.integers(3, 12, n), 0)}, geometry=geoms, crs=4490)

    def blobs(count: int, r_lo: float, r_hi: float, nv: int = 128) -> list[shapely.Polygon]:
        return [blob(rng, x0 + rng.uniform(0.02, SIDE - 0.02), y0 + rng.uniform(0.02, SIDE - 0.02),
                     rng.uniform(r_lo, r_hi), nv) for _ in range(count)]

    def frame(geoms: list[shapely.Geometry], **cols: object) -> gpd.GeoDataFrame:
        n = len(geoms)
        data = {"XZQDM": [code] * n, **{
            k: [v(i) for i in range(n)] if callable(v) else (v if isinstance(v, list) else [v] * n)
            for k, v in cols.items()}}
        return gpd.GeoDataFrame(data, geometry=geoms, crs=4490)

    core = blobs(3, 800, 1500)
    general = [shapely.difference(g.buffer(0.015), c) for g, c in zip(core, core, strict=True)]
    points = [shapely.Point(x0 + rng.uniform(0, SIDE), y0 + rng.uniform(0, SIDE))
              for _ in range(400)]
    return {
        "dltb": dltb,
        "pbf": frame(blobs(700, 200, 900), GDDB=5),
        "eco_redline": frame(blobs(15, 1500, 4000, 512), HXMC=lambda i: f"红线{i}"),
        "udb": frame(blobs(3, 2500, 5000, 256), MC="城区"),
        "nature_reserve": frame(core + general, ZONE=["core"] * 3 + ["general"] * 3,
                                BHQMC=lambda i: f"保护区{i % 3}"),
        "hsf": frame(blobs(300, 300, 1200), XMMC="高标准农田"),
        "hazard_zone": frame(blobs(80, 200, 800), FXDJ="高"),
        "hazard_point": frame(points, ZHDBH=lambda i: f"{code}ZH{i:04d}", ZHLX="landslide"),
        "mining_right": frame(blobs(40, 300, 1000, 16), XKZH=lambda i: f"C{code}{i:04d}"),
        "approval": frame(blobs(800, 80, 300, 24), PZWH=lambda i: f"赣府土字{i}号"),
        "land_supply": frame(blobs(600, 60, 250, 24), GDBH=lambda i: f"GD{code}{i}"),
    }


def build_synthetic(root: Path, counties: int, cell_m: float, seed: int) -> Workspace:
    rng = np.random.default_rng(seed)
    ws = Workspace.create(root)
    parts: dict[str, list[gpd.GeoDataFrame]] = {}
    admin = []
    for c in range(counties):
        code = f"3601{11 + c:02d}"
        x0, y0 = LON0 + (c % 2) * SIDE, LAT0 + (c // 2) * SIDE
        admin.append((code, shapely.box(x0, y0, x0 + SIDE, y0 + SIDE)))
        for kind, frame in county_layers(rng, code, x0, y0, cell_m).items():
            parts.setdefault(kind, []).append(frame)
    for kind, frames in parts.items():
        gdf = gpd.GeoDataFrame(gpd.pd.concat(frames, ignore_index=True), crs=4490)
        ws.write_layer(kind, 2023, gdf)
    ws.write_layer("admin_county", None, gpd.GeoDataFrame(
        {"XZQDM": [a[0] for a in admin]}, geometry=[a[1] for a in admin], crs=4490))
    return ws


def random_sites(ws: Workspace, n: int, seed: int, hectares: float = 50.0) -> list[shapely.Polygon]:
    """Random 50-ha sites whose centres lie at least ~1 km inside the counties' area."""
    rng = np.random.default_rng(seed)
    admin = ws.read_layer("admin_county") if ws.has_layer("admin_county") else None
    if admin is not None:  # only counties that hold land-use data
        admin = admin[admin["XZQDM"].astype(str).str[:6].isin(
            [p.county for p in ws.partitions("dltb")])]
    if admin is not None and len(admin):
        area = shapely.union_all(admin.geometry.to_numpy()).buffer(-0.01)
    else:
        area = shapely.union_all([shapely.box(*p.bbox) for p in ws.partitions("dltb")])
    shapely.prepare(area)
    minx, miny, maxx, maxy = area.bounds
    r_m = np.sqrt(hectares * 10_000 / np.pi)
    out: list[shapely.Polygon] = []
    while len(out) < n:
        x, y = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
        if not area.contains(shapely.Point(x, y)):
            continue
        g = blob(rng, x, y, r_m, 24)
        scale = np.sqrt(hectares * 10_000 / ellipsoidal_area(g)[0])
        out.append(shapely.affinity.scale(g, scale, scale))
    return out


def site_frame(g: shapely.Polygon) -> gpd.GeoDataFrame:
    return parcels_from_frame(gpd.GeoDataFrame({"DKBH": ["S"]}, geometry=[g], crs=4490))


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values) * 1000, q))


def baseline(site: gpd.GeoDataFrame, layers: dict[str, gpd.GeoDataFrame]) -> dict[str, float]:
    """Plain GeoPandas: overlay the site with each layer, ellipsoidal area of the pieces."""
    out = {}
    for kind, layer in layers.items():
        if kind == "hazard_point":
            near = layer[layer.intersects(site.geometry.iloc[0].buffer(0.005))]
            out[kind] = float(len(near))
            continue
        pieces = gpd.overlay(site, layer, how="intersection", keep_geom_type=True)
        areas = ellipsoidal_area(pieces.geometry.to_numpy()) if len(pieces) else [0.0]
        out[kind] = float(sum(areas))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--workspace", type=Path, help="existing workspace (e.g. onemap demo)")
    ap.add_argument("--counties", type=int, default=4)
    ap.add_argument("--cell", type=float, default=180.0, help="DLTB cell size (m)")
    ap.add_argument("--sites", type=int, default=100, help="warm single-site reviews")
    ap.add_argument("--cold", type=int, default=8, help="cold reviews (cache cleared)")
    ap.add_argument("--batch", type=int, default=40, help="sites in the batch folder")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--cache-mb", type=int, default=None,
                    help="partition cache of the warm service (the server's "
                         "partition_cache_mb; default: the reader's default)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="bench-review-"))
    t0 = time.perf_counter()
    ws = Workspace.open(args.workspace) if args.workspace else build_synthetic(
        tmp / "ws", args.counties, args.cell, args.seed)
    build_s = time.perf_counter() - t0
    dltb_rows = sum(p.rows for p in ws.partitions("dltb"))
    sites = random_sites(ws, args.sites + args.cold, args.seed + 1)
    frames = [site_frame(g) for g in sites]
    svc = ReviewService(ws) if args.cache_mb is None else ReviewService(
        ws, WorkspaceReader(ws, PartitionCache(ws.root, args.cache_mb * 2**20)))
    operator = local_operator(ws)
    server = ReviewService(ws, WorkspaceReader(ws, PartitionCache(ws.root, background=True)))

    cold, cold_sync = [], []
    for f in frames[:args.cold]:
        server.cache.clear()  # waits for the previous sample's background loads
        t = time.perf_counter()
        server.review(f, operator, record=True)
        cold.append(time.perf_counter() - t)
        server.cache.wait()  # its worker would compete with the next sample
        svc.cache.clear()
        t = time.perf_counter()
        svc.review(f, operator, record=True)
        cold_sync.append(time.perf_counter() - t)
    server.cache.clear()
    t = time.perf_counter()
    held = svc.warm()  # what a server does at start-up
    warmup_s = time.perf_counter() - t
    warm, warm_norec = [], []
    for f in frames[args.cold:]:
        t = time.perf_counter()
        svc.review(f, operator, record=True)
        warm.append(time.perf_counter() - t)
        t = time.perf_counter()
        svc.review(f, operator, record=False)
        warm_norec.append(time.perf_counter() - t)

    # plain GeoPandas in the same run: layers already in memory (warm), or read by bbox (cold)
    kinds = [k for k in REVIEW_KINDS if ws.has_layer(k) and not k.startswith("admin")]
    def window(f: gpd.GeoDataFrame) -> tuple[float, ...]:
        return tuple(f.total_bounds + np.array([-0.006, -0.006, 0.006, 0.006]))

    base_warm = []
    if dltb_rows <= 2_000_000:  # the whole layers fit in memory: overlay against them
        full = {k: ws.read_layer(k) for k in kinds}
        in_memory = [(f, full) for f in frames[args.cold:args.cold + min(30, args.sites)]]
    else:  # province: each site's neighbourhood read beforehand, then timed in memory
        in_memory = [(f, {k: ws.read_layer(k, bbox=window(f)) for k in kinds})
                     for f in frames[args.cold:args.cold + min(30, args.sites)]]
    for f, layers in in_memory:
        t = time.perf_counter()
        baseline(f, layers)
        base_warm.append(time.perf_counter() - t)
    base_cold = []
    for f in frames[:args.cold]:
        t = time.perf_counter()
        baseline(f, {k: ws.read_layer(k, bbox=window(f)) for k in kinds})
        base_cold.append(time.perf_counter() - t)

    folder = tmp / "sites"
    folder.mkdir()
    for i, g in enumerate(sites[:args.batch]):
        gpd.GeoDataFrame({"DKBH": [f"S{i}"]}, geometry=[g], crs=4490).to_file(
            folder / f"site{i:03d}.geojson", driver="GeoJSON")
    t = time.perf_counter()
    summary = svc.review_folder(folder, operator)
    batch_s = time.perf_counter() - t
    assert all(not r.error for r in summary.rows)

    result = {
        "dltb_polygons": dltb_rows, "counties": len(ws.partitions("dltb")),
        "build_s": round(build_s, 1), "site_ha": 50,
        "warmup_s": round(warmup_s, 2), "partitions_cached": held,
        "cold_ms": {"p50": round(pct(cold, 50), 1), "p95": round(pct(cold, 95), 1)},
        "cold_cli_ms": {"p50": round(pct(cold_sync, 50), 1),
                              "p95": round(pct(cold_sync, 95), 1)},
        "warm_ms": {"p50": round(pct(warm, 50), 1), "p95": round(pct(warm, 95), 1)},
        "warm_no_record_ms": {"p50": round(pct(warm_norec, 50), 1),
                              "p95": round(pct(warm_norec, 95), 1)},
        "geopandas_warm_ms": {"p50": round(pct(base_warm, 50), 1),
                              "p95": round(pct(base_warm, 95), 1)},
        "geopandas_cold_ms": {"p50": round(pct(base_cold, 50), 1),
                              "p95": round(pct(base_cold, 95), 1)},
        "ratio_warm_p50": round(statistics.median(base_warm) / statistics.median(warm), 1),
        "ratio_cold_p50": round(statistics.median(base_cold) / statistics.median(cold), 2),
        "batch_sites_per_s": round(len(summary.rows) / batch_s, 1),
        "verdicts": {v: sum(r.verdict == v for r in summary.rows)
                     for v in ("不通过", "有条件通过", "通过")},
    }
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
        return
    print(f"workspace: {result['counties']} counties, {dltb_rows:,} DLTB polygons "
          f"(built in {build_s:.1f} s); 50-ha sites; warm-up {warmup_s:.1f} s "
          f"({held} partitions)")
    for name in ("cold_ms", "cold_cli_ms", "warm_ms", "warm_no_record_ms",
                 "geopandas_warm_ms", "geopandas_cold_ms"):
        print(f"  {name:<20} p50 {result[name]['p50']:8.1f}   p95 {result[name]['p95']:8.1f}")
    print(f"  ratio geopandas/onemap p50: warm {result['ratio_warm_p50']}x, "
          f"cold {result['ratio_cold_p50']}x")
    print(f"  batch: {len(summary.rows)} sites in {batch_s:.2f} s = "
          f"{result['batch_sites_per_s']} sites/s; verdicts {result['verdicts']}")


if __name__ == "__main__":
    main()
