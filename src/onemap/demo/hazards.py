"""The demo province's geohazard season: register details, ~40 rain gauges, April–July 2020.

The hazard points and zones the controls generator placed on steep village edges get their
register details (scale, 易发程度 from the terrain's slope and relief, responsible person,
monitor and phone, status). Daily rain is a sum of moving storm cells over a seasonal mean,
with a Poyang-flood-like spell (2–12 July 2020, a rain belt over the north of the province,
as in 2020's 鄱阳湖 flood); the gauges record it with a small error. Landslides happen at
points whose *true* effective rainfall (the field at the point, not the gauges) passes a
planted critical value per 易发程度 class, with a chance; that truth goes to
``truth/hazards.parquet`` and, as a disaster record, to the workspace's events. A forecast
GeoTIFF (written with rasterio) covers the demo's warning day.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import shapely

from onemap.demo.terrain import Terrain

if TYPE_CHECKING:
    from pathlib import Path

    import geopandas as gpd

    from onemap.store.access import Actor
    from onemap.store.workspace import Workspace

SEASON = (date(2020, 4, 1), date(2020, 7, 31))
WARNING_DAY = date(2020, 7, 8)
FLOOD = (date(2020, 7, 2), date(2020, 7, 12))
STATIONS = 40
PLANTED = {"高": 100.0, "中": 135.0, "低": 175.0}  # true critical Pe (mm) per class
HIT_CHANCE = 0.4
QUIET_DAYS = 10
SURNAMES = "王李张刘陈杨黄赵吴周徐孙胡朱高林何郭马罗"
GIVEN = "建国明华春生伟芳红军平秀英德荣志强"


def _bbox(ws: Workspace) -> tuple[float, float, float, float]:
    frame = ws.read_layer("admin_county", columns=["XZQDM"])
    x0, y0, x1, y1 = shapely.total_bounds(frame.geometry.to_numpy())
    return float(x0), float(y0), float(x1), float(y1)


class RainField:
    """Daily rain (mm) anywhere: seasonal mean × storm cells, plus the flood spell."""

    def __init__(self, seed: int, bbox: tuple[float, float, float, float]) -> None:
        rng = np.random.default_rng([seed, 2020, 7])
        self.days = [SEASON[0] + timedelta(d) for d in range((SEASON[1] - SEASON[0]).days + 1)]
        x0, y0, x1, y1 = bbox
        self.cells = []
        for i, day in enumerate(self.days):
            n = rng.poisson(2.2 if day.month < 7 else 1.6)
            flood = FLOOD[0] <= day <= FLOOD[1]
            for _ in range(n):
                self.cells.append((i, rng.uniform(x0, x1), rng.uniform(y0, y1),
                                   rng.uniform(0.25, 0.9), rng.gamma(2.0, 18.0)))
            if flood:  # a rain belt over the north (Poyang basin), drifting south and back
                belt_lat = 29.2 - 0.6 * np.sin(np.pi * (day - FLOOD[0]).days / 10)
                for _ in range(5):
                    self.cells.append((i, rng.uniform(113.8, 118.3), belt_lat + rng.normal(0, .3),
                                       rng.uniform(0.5, 1.1), rng.gamma(4.0, 14.0)))
        self.cells_arr = np.array(self.cells)

    def at(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        """Rain (mm) at the given places on every day: (places × days)."""
        out = np.zeros((len(lon), len(self.days)))
        c = self.cells_arr
        for day, cx, cy, radius, peak in c:
            d2 = ((lon - cx) * 0.89) ** 2 + (lat - cy) ** 2
            out[:, int(day)] += peak * np.exp(-d2 / (2 * radius ** 2))
        return np.round(np.where(out < 0.3, 0.0, out), 1)


def _people(rng: np.random.Generator, n: int) -> list[str]:
    return [rng.choice(list(SURNAMES)) + "".join(rng.choice(list(GIVEN), 2)) for _ in range(n)]


def enrich_register(ws: Workspace, terrain: Terrain, seed: int) -> tuple[gpd.GeoDataFrame,
                                                                       gpd.GeoDataFrame]:
    """Add scale, 易发程度, people and phones, status to the demo's hazard layers."""
    rng = np.random.default_rng([seed, 14])
    pts = ws.read_layer("hazard_point")
    zones = ws.read_layer("hazard_zone")
    lon, lat = shapely.get_x(pts.geometry.to_numpy()), shapely.get_y(pts.geometry.to_numpy())
    steep = terrain.slope(lon, lat) + terrain.base_elevation(lon, lat) / 40.0
    cut = np.quantile(steep, [0.4, 0.75]) if len(pts) else [0, 0]
    pts["YFCD"] = np.where(steep >= cut[1], "高", np.where(steep >= cut[0], "中", "低"))
    pts["GMDJ"] = rng.choice(["小型", "中型", "大型"], len(pts), p=[0.75, 0.2, 0.05])
    pts["ZT"] = rng.choice(["在册", "已治理", "已搬迁"], len(pts), p=[0.93, 0.05, 0.02])
    pts["ZRR"] = _people(rng, len(pts))
    pts["JCR"] = _people(rng, len(pts))
    pts["LXDH"] = [f"1{rng.integers(30, 90)}{rng.integers(0, 10**8):08d}" for _ in range(len(pts))]
    if len(zones):
        tree = shapely.STRtree(pts.geometry.to_numpy())
        near = tree.nearest(zones.geometry.to_numpy())
        zones["YFCD"] = pts["YFCD"].to_numpy()[near]
        zones["WXRK"] = pts["WXRK"].to_numpy()[near]
        zones["FXQBH"] = [f"{z}F{k:04d}" for z, k in zip(
            zones["county"], zones.groupby("county").cumcount() + 1, strict=True)]
    for kind, frame in (("hazard_point", pts), ("hazard_zone", zones)):
        ws.write_layer(kind, 2020, frame.drop(columns=["county"]), replace=True,
                       source_path="onemap demo (hazards)")
    return pts, zones


def _stations(ws: Workspace, seed: int, n: int) -> pd.DataFrame:
    rng = np.random.default_rng([seed, 40])
    province = shapely.union_all(ws.read_layer("admin_county").geometry.to_numpy())
    x0, y0, x1, y1 = province.bounds
    got: list[tuple[float, float]] = []
    while len(got) < n:
        x, y = rng.uniform(x0, x1), rng.uniform(y0, y1)
        if shapely.contains_xy(province, x, y):
            got.append((round(x, 4), round(y, 4)))
    return pd.DataFrame({"station": [f"5{8000 + i:04d}" for i in range(n)],
                         "lon": [g[0] for g in got], "lat": [g[1] for g in got]})


def write_rain_csv(path: Path, stations: pd.DataFrame, field: RainField, seed: int) -> None:
    """Gauge readings: the field at the gauge with a small multiplicative error."""
    rng = np.random.default_rng([seed, 41])
    truth = field.at(stations["lon"].to_numpy(), stations["lat"].to_numpy())
    observed = np.round(truth * rng.lognormal(0, 0.08, truth.shape), 1)
    rows = [(s.station, s.lon, s.lat, f"{d:%Y-%m-%d}", observed[i, j])
            for i, s in enumerate(stations.itertuples(index=False))
            for j, d in enumerate(field.days)]
    path.parent.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(rows, columns=["station", "lon", "lat", "time", "mm"]).to_csv(path, index=False)


def write_forecast_tif(path: Path, field: RainField, bbox: tuple[float, float, float, float],
                       on: date, seed: int, cell: float = 0.05) -> None:
    """Write a 24 h forecast GeoTIFF (EPSG:4490) of ``on``: the field with an error."""
    import rasterio
    from rasterio.transform import from_origin

    x0, y0, x1, y1 = bbox
    cols, rows = int(np.ceil((x1 - x0) / cell)), int(np.ceil((y1 - y0) / cell))
    gx = x0 + (np.arange(cols) + 0.5) * cell
    gy = y1 - (np.arange(rows) + 0.5) * cell
    lon, lat = np.meshgrid(gx, gy)
    j = field.days.index(on)
    values = field.at(lon.ravel(), lat.ravel())[:, j].reshape(rows, cols)
    rng = np.random.default_rng([seed, 42])
    values = np.round(values * rng.lognormal(0, 0.15, values.shape), 1).astype("float32")
    path.parent.mkdir(parents=True, exist_ok=True)
    with rasterio.open(path, "w", driver="GTiff", width=cols, height=rows, count=1,
                       dtype="float32", crs="EPSG:4490", transform=from_origin(x0, y1, cell, cell),
                       nodata=-9999.0) as dst:
        dst.write(values, 1)
        dst.set_band_description(1, f"24h rain forecast valid {on} (mm)")


def truth_events(points: gpd.GeoDataFrame, field: RainField, seed: int, k: float = 0.8,
                 days: int = 10) -> pd.DataFrame:
    """Landslides: true Pe at the point ≥ the class's planted value, with a chance."""
    from onemap.hazards.rainfall import effective_rainfall_history

    rng = np.random.default_rng([seed, 43])
    active = points[points["ZT"] == "在册"].reset_index(drop=True)
    geoms = active.geometry.to_numpy()
    rain = field.at(shapely.get_x(geoms), shapely.get_y(geoms))
    pe = effective_rainfall_history(rain, k, days)
    limit = active["YFCD"].map(PLANTED).to_numpy()[:, None]
    chance = (pe >= limit) & (rng.uniform(size=pe.shape) < HIT_CHANCE)
    happen = np.zeros_like(chance)
    quiet_until = np.full(len(active), -1)
    for t in range(days, pe.shape[1]):  # the first days have no antecedent record
        fire = chance[:, t] & (t > quiet_until)
        happen[fire, t] = True
        quiet_until[fire] = t + QUIET_DAYS  # a slope that failed rests a while
    i, j = np.nonzero(happen)
    return pd.DataFrame({"point_id": active["ZHDBH"].to_numpy()[i],
                         "county": active["county"].to_numpy()[i],
                         "day": [field.days[t] for t in j], "true_pe": pe[i, j].round(1),
                         "susceptibility": active["YFCD"].to_numpy()[i]})


def write_hazard_demo(ws: Workspace, seed: int, actor: Actor) -> pd.DataFrame:
    """Register details, gauges, season rain, forecast, truth and the disaster record."""
    from onemap.hazards import loop, service
    from onemap.hazards.models import EventRequest

    if not ws.has_layer("hazard_point") or not ws.has_layer("admin_county"):
        return pd.DataFrame()
    terrain = Terrain(seed)
    pts, _ = enrich_register(ws, terrain, seed)
    service.record_register_status(ws, actor, reason="演示登记 demo register")
    bbox = _bbox(ws)
    field = RainField(seed, bbox)
    out = ws.root / "outputs" / "hazards"
    stations = _stations(ws, seed, STATIONS)
    write_rain_csv(out / "rain-stations-2020.csv", stations, field, seed)
    service.import_rainfall(ws, actor, out / "rain-stations-2020.csv")
    tif = out / f"forecast-{WARNING_DAY:%Y%m%d}-24h.tif"
    write_forecast_tif(tif, field, bbox, WARNING_DAY, seed)
    service.import_forecast(ws, actor, tif, WARNING_DAY, lead_hours=24)
    truth = truth_events(pts, field, seed)
    (ws.root / "truth").mkdir(exist_ok=True)
    truth.to_parquet(ws.root / "truth" / "hazards.parquet", index=False)
    later = truth[truth["day"] != WARNING_DAY]  # the warning day's are reported after issuing
    loop.record_events(ws, actor, [EventRequest(point_id=r.point_id, on=r.day,
                                                comment="演示灾情记录")
                                   for r in later.itertuples(index=False)])
    return truth
