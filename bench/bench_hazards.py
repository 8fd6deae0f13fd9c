"""Benchmark: a province-wide geohazard warning (all points and zones, one forecast grid).

Synthetic Jiangxi-sized register: ``--points`` hazard points and as many risk zones
(150–500 m buffers), 40 gauges with 11 days of rain, one 24 h forecast GeoTIFF of
``--cell`` degrees over the province. Times, in the same process:

* onemap kernel: read the grid (rasterio), station weights, the vectorised zonal mean of
  every zone and the cell of every point (:mod:`onemap.hazards.assign`), Pe, grades,
  matrix and I–D check (:func:`onemap.hazards.kernel.warn_day`);
* onemap service: :func:`onemap.hazards.service.compute_warnings` on a real workspace
  (register read from GeoParquet, rain from SQLite, the stored grid, the models built);
* baseline: a plain GeoPandas/rasterio zonal computation — ``rasterio.mask.mask`` per zone
  (cell centres inside, as ours) and ``DatasetReader.sample`` for the points.

Checks the zonal means against the baseline (max absolute difference). Prints medians of
``--repeat`` runs and the ratio. Usage::

    .venv/bin/python bench/bench_hazards.py [--points 10000] [--cell 0.01] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from datetime import date, timedelta
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

sys.path.insert(0, os.path.dirname(__file__))
from common import timed

from onemap.hazards.assign import sample_points, station_weights, zonal_mean
from onemap.hazards.forecast_files import read_forecast
from onemap.hazards.kernel import warn_day
from onemap.hazards.service import load_rules

BBOX = (113.6, 24.5, 118.5, 30.1)
DAY = date(2020, 7, 8)
COUNTIES = [f"3601{k:02d}" for k in range(11, 31)]


def register(n: int, seed: int = 5) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    rng = np.random.default_rng(seed)
    x = rng.uniform(BBOX[0] + 0.05, BBOX[2] - 0.05, n)
    y = rng.uniform(BBOX[1] + 0.05, BBOX[3] - 0.05, n)
    county = rng.choice(COUNTIES, n)
    pts = gpd.GeoDataFrame({
        "ZHDBH": [f"{c}{i:06d}" for i, c in enumerate(county)], "ZHLX": "landslide",
        "WXRK": rng.integers(3, 300, n), "XZQDM": [c + "001" for c in county],
        "YFCD": rng.choice(["高", "中", "低"], n), "ZT": "在册", "ZRR": "某某",
        "JCR": "某某", "LXDH": "13900000000"}, geometry=shapely.points(x, y), crs=4490)
    radius = rng.uniform(150, 500, n) / 111_000
    zones = gpd.GeoDataFrame({
        "FXQBH": [f"{c}F{i:05d}" for i, c in enumerate(county)], "FXDJ": "中",
        "YFCD": pts["YFCD"], "XZQDM": pts["XZQDM"]},
        geometry=shapely.buffer(shapely.points(x + 0.002, y), radius, quad_segs=8), crs=4490)
    return pts, zones


def write_grid(path: Path, cell: float, seed: int = 6) -> None:
    import rasterio
    from rasterio.transform import from_origin

    cols, rows = int((BBOX[2] - BBOX[0]) / cell), int((BBOX[3] - BBOX[1]) / cell)
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:rows, 0:cols]
    field = 40 + 30 * np.sin(xx / 37.0) * np.cos(yy / 53.0) + rng.gamma(2.0, 5.0, (rows, cols))
    with rasterio.open(path, "w", driver="GTiff", width=cols, height=rows, count=1,
                       dtype="float32", crs="EPSG:4490",
                       transform=from_origin(BBOX[0], BBOX[3], cell, cell)) as dst:
        dst.write(field.astype("float32"), 1)


def rain_csv(path: Path, seed: int = 7) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    lon, lat = rng.uniform(BBOX[0], BBOX[2], 40), rng.uniform(BBOX[1], BBOX[3], 40)
    mm = np.round(rng.gamma(0.8, 20.0, (40, 11)), 1)
    lines = ["station,lon,lat,time,mm"]
    for i in range(40):
        for d in range(11):
            lines.append(f"S{i:02d},{lon[i]:.4f},{lat[i]:.4f},{DAY - timedelta(10 - d)},{mm[i, d]}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return lon, lat, mm


def onemap_kernel(tif: Path, pts: gpd.GeoDataFrame, zones: gpd.GeoDataFrame,
                  st: tuple[np.ndarray, np.ndarray, np.ndarray]) -> np.ndarray:
    rules = load_rules()
    grid = read_forecast(tif)
    zmeans = np.zeros(0)
    for frame, is_zone in ((pts, False), (zones, True)):
        geoms = frame.geometry.to_numpy()
        rep = shapely.point_on_surface(geoms) if is_zone else geoms
        x, y = shapely.get_x(rep), shapely.get_y(rep)
        w = station_weights(x, y, st[0], st[1])
        series = w @ st[2]
        if is_zone:
            r0, _ = zonal_mean(grid.values, grid.transform, geoms)
            zmeans = r0
        else:
            r0 = sample_points(grid.values, grid.transform, x, y)
        series[:, -1] = r0
        warn_day(series, frame["YFCD"].to_numpy().astype(str), rules)
    return zmeans


def baseline(tif: Path, pts: gpd.GeoDataFrame, zones: gpd.GeoDataFrame) -> np.ndarray:
    import rasterio
    from rasterio.mask import mask

    out = np.empty(len(zones))
    with rasterio.open(tif) as src:
        for i, geom in enumerate(zones.geometry):
            try:
                data, _ = mask(src, [geom], crop=True, filled=False)
                vals = data.compressed()
            except ValueError:  # outside the raster
                vals = np.zeros(0)
            if vals.size:
                out[i] = float(vals.mean())
            else:  # smaller than a cell: the cell of its representative point
                p = geom.point_on_surface()
                out[i] = next(src.sample([(p.x, p.y)]))[0]
        _ = [v[0] for v in src.sample(list(zip(pts.geometry.x, pts.geometry.y, strict=True)))]
    return out


def service_run(root: Path, pts: gpd.GeoDataFrame, zones: gpd.GeoDataFrame, tif: Path,
                csv: Path) -> object:
    from onemap.hazards import service
    from onemap.store.workspace import Workspace
    from onemap.users.identity import local_operator

    ws = Workspace.create(root / "ws")
    ws.write_layer("hazard_point", 2020, pts)
    ws.write_layer("hazard_zone", 2020, zones)
    actor = local_operator(ws)
    service.import_rainfall(ws, actor, csv)
    service.import_forecast(ws, actor, tif, DAY)
    return ws, actor


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--points", type=int, default=10_000)
    ap.add_argument("--cell", type=float, default=0.01)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    pts, zones = register(args.points)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        tif = root / "forecast.tif"
        write_grid(tif, args.cell)
        st = rain_csv(root / "rain.csv")
        ws, actor = service_run(root, pts, zones, tif, root / "rain.csv")
        from onemap.hazards.service import compute_warnings

        t_kernel, tk, ours = timed(lambda: onemap_kernel(tif, pts, zones, st), args.repeat)
        t_base, tb, theirs = timed(lambda: baseline(tif, pts, zones), args.repeat)
        t_service, ts, run = timed(lambda: compute_warnings(ws, actor, DAY), args.repeat)
        ws.close()
    diff = float(np.nanmax(np.abs(ours - theirs)))
    print(f"province-wide warning: {args.points:,} points + {args.points:,} zones, "
          f"grid {args.cell}° ({int((BBOX[2] - BBOX[0]) / args.cell)}×"
          f"{int((BBOX[3] - BBOX[1]) / args.cell)}), 40 gauges, {args.repeat} runs")
    print(f"  onemap kernel (grid read, zonal + points, Pe, levels): median {t_kernel:.3f} s "
          f"(runs {', '.join(f'{t:.3f}' for t in tk)})")
    print(f"  onemap service compute_warnings (workspace end to end): median {t_service:.3f} s "
          f"(runs {', '.join(f'{t:.3f}' for t in ts)}); warned {run.counts}")
    print(f"  baseline rasterio.mask per zone + sample points: median {t_base:.3f} s "
          f"(runs {', '.join(f'{t:.3f}' for t in tb)})")
    print(f"  ratio baseline / onemap kernel: {t_base / t_kernel:.1f}×; "
          f"baseline / onemap service: {t_base / t_service:.1f}×")
    print(f"  zonal means agree: max |onemap − baseline| = {diff:.2e} mm")


if __name__ == "__main__":
    main()
