"""Geohazard warning service: register, rainfall input, warnings of a day, hindcast scores.

The register (隐患点 ``hazard_point``, 风险区 ``hazard_zone``) is a pair of workspace
layers, imported like any other deliverable (Shapefile, GPKG, XLSX with 经度/纬度), plus an
append-only status history. Rain comes from station CSVs (stored as daily totals) and
forecast grids (stored as GeoTIFF). Every call takes an :class:`Actor`: reading warnings is
``READ`` (internal users only: the register holds threatened people and phones), imports
``EDIT`` at the workspace's root region (stations and grids are province-wide), status
changes ``EDIT`` in the point's county. The closed loop lives in :mod:`onemap.hazards.loop`.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from dataclasses import dataclass
from datetime import date, timedelta
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from sqlalchemy import delete, func, select

from onemap.geometry.area import ellipsoidal_area
from onemap.hazards.assign import sample_points, station_weights, zonal_mean
from onemap.hazards.errors import HazardPointNotFound, NoRainfall, RainfallRejected
from onemap.hazards.forecast_files import read_forecast, read_stored, write_geotiff
from onemap.hazards.kernel import warn_day, warn_history
from onemap.hazards.levels import parse_rules, rule_text
from onemap.hazards.models import (
    LEVEL_COLOUR,
    LEVEL_ZH,
    POINT_STATUS,
    ForecastGrid,
    Level,
    RainfallImport,
    Rules,
    SiteWarning,
    Station,
    StatusChange,
    WarningRun,
)
from onemap.hazards.schema import GridRow, RainRow, StationRow, StatusEventRow
from onemap.hazards.station_files import read_station_csv
from onemap.store import policy
from onemap.store.db import utc_now as _now
from onemap.store.importer.pipeline import import_file

if TYPE_CHECKING:
    from datetime import datetime

    from onemap.store.access import Actor
    from onemap.store.formats.models import ImportReport, ImportRequest
    from onemap.store.workspace import Workspace

RULES_FILE = "hazard_rules.toml"
GRIDS_DIR = Path("hazards") / "grids"
WHAT = "geohazard warnings"
ACTIVE = "registered"
STATUS_BY_ZH = {v: k for k, v in POINT_STATUS.items()}


# -- rules -------------------------------------------------------------------------------------
def load_rules(ws: Workspace | None = None, path: str | Path | None = None) -> Rules:
    """Load the rule file: ``path``, else the workspace's ``hazard_rules.toml``, else built-in."""
    if path is not None:
        return parse_rules(Path(path).read_text(encoding="utf-8"), path=str(path))
    if ws is not None and (ws.root / RULES_FILE).is_file():
        f = ws.root / RULES_FILE
        return parse_rules(f.read_text(encoding="utf-8"), path=str(f))
    text = resources.files("onemap.hazards").joinpath("rules.toml").read_text("utf-8")
    return parse_rules(text, path="onemap/hazards/rules.toml")


# -- the register ------------------------------------------------------------------------------
@dataclass
class Register:
    """Points and zones in scope, with ids, susceptibility and current status."""

    points: gpd.GeoDataFrame
    zones: gpd.GeoDataFrame


def _readable_counties(ws: Workspace, actor: Actor, kind: str) -> list[str] | None:
    if not ws.has_layer(kind):
        return None
    info = ws.layer(kind)
    return [p.county for p in ws.partitions(kind)
            if ws.allows_layer(actor, policy.Action.READ, info, p.county)]


def _status_now(ws: Workspace, ids: list[str]) -> dict[str, str]:
    with ws.session() as s:
        last = (select(StatusEventRow.point_id, func.max(StatusEventRow.id).label("id"))
                .group_by(StatusEventRow.point_id).subquery())
        rows = s.execute(select(StatusEventRow.point_id, StatusEventRow.status)
                         .join(last, StatusEventRow.id == last.c.id)).all()
    wanted = set(ids)
    return {p: st for p, st in rows if p in wanted}


def _text(frame: pd.DataFrame, column: str, default: str = "") -> pd.Series:
    if column not in frame.columns:
        return pd.Series(default, index=frame.index, dtype=object)
    return frame[column].fillna(default).astype(str).replace({"": default, "None": default})


def read_register(ws: Workspace, actor: Actor, *, counties: list[str] | None = None,
                  active_only: bool = True) -> Register:
    """Read the hazard points and zones the actor may read (full, not desensitised).

    Point ids are 灾害点编号 ``ZHDBH``; zone ids 风险区编号 ``FXQBH`` (or county-Z<n>). A
    point's 易发程度 is that of the zone containing it, else its own ``YFCD``, else the
    rule file's default (resolved by the caller). ``status`` is the last entry of the
    status history, else the layer's ``ZT``; only 在册 points are warned.
    """
    ws.authorize(actor, policy.Action.READ, what=WHAT)
    frames = {}
    for kind in ("hazard_point", "hazard_zone"):
        allowed = _readable_counties(ws, actor, kind)
        if allowed is not None and counties is not None:
            allowed = [c for c in allowed if c in set(counties)]
        frames[kind] = (ws.read_layer(kind, counties=allowed) if allowed
                        else gpd.GeoDataFrame({"county": []}, geometry=[], crs=4490))
    pts, zones = frames["hazard_point"], frames["hazard_zone"]
    zones = zones.reset_index(drop=True)
    zid = _text(zones, "FXQBH")
    fallback = zones["county"].astype(str) + "-Z" + (zones.groupby("county").cumcount() + 1) \
        .astype(str) if len(zones) else zid
    zones["site_id"] = np.where(zid != "", zid, fallback) if len(zones) else zid
    zones["yfcd"] = _text(zones, "YFCD")
    pts = pts.reset_index(drop=True)
    pts["site_id"] = _text(pts, "ZHDBH")
    pts["yfcd"] = _text(pts, "YFCD")
    if len(pts) and len(zones):
        tree = shapely.STRtree(zones.geometry.to_numpy())
        pi, zi = tree.query(pts.geometry.to_numpy(), predicate="within")
        zone_cls = zones["yfcd"].to_numpy()[zi]
        order = np.argsort(pi, kind="stable")
        got = pd.Series(zone_cls[order], index=pi[order])
        got = got[got != ""].groupby(level=0).first()
        pts.loc[got.index, "yfcd"] = got.to_numpy()
    zt = _text(pts, "ZT", "在册").map(lambda v: STATUS_BY_ZH.get(v, v))
    latest = _status_now(ws, list(pts["site_id"]))
    pts["status"] = [latest.get(i, z) for i, z in zip(pts["site_id"], zt, strict=True)]
    if active_only:
        pts = pts[pts["status"] == ACTIVE].reset_index(drop=True)
    return Register(points=pts, zones=zones)


def find_point(ws: Workspace, actor: Actor, point_id: str) -> pd.Series:
    """Return the register row of one point (any status) in the actor's scope."""
    reg = read_register(ws, actor, active_only=False)
    hit = reg.points[reg.points["site_id"] == point_id]
    if hit.empty:
        raise HazardPointNotFound(f"no hazard point {point_id} in your scope")
    return hit.iloc[0]


def set_status(ws: Workspace, actor: Actor, point_id: str, status: str, reason: str = "", *,
               now: datetime | None = None) -> StatusChange:
    """Append a status change (在册 registered / 已治理 treated / 已搬迁 relocated / 核销)."""
    status = STATUS_BY_ZH.get(status, status)
    if status not in POINT_STATUS:
        from onemap.errors import InvalidInput

        raise InvalidInput(f"unknown status {status!r}; use {', '.join(POINT_STATUS)}")
    point = find_point(ws, actor, point_id)
    county = str(point["county"])
    ws.authorize(actor, policy.Action.EDIT, county, what=f"hazard point {point_id}")
    at = now or _now()
    with ws.session() as s:
        s.add(StatusEventRow(point_id=point_id, county=county, status=status, reason=reason,
                             actor=actor.username, at=at))
    ws.audit(actor.username, "hazards.status", point_id, {"status": status, "reason": reason})
    return StatusChange(point_id=point_id, county=county, status=status,
                        status_zh=POINT_STATUS[status], reason=reason, actor=actor.username,
                        at=at)


def status_history(ws: Workspace, actor: Actor, point_id: str) -> list[StatusChange]:
    """Every status change of one point, oldest first."""
    point = find_point(ws, actor, point_id)
    ws.authorize(actor, policy.Action.READ, str(point["county"]), what=f"hazard {point_id}")
    with ws.session() as s:
        rows = s.scalars(select(StatusEventRow).where(StatusEventRow.point_id == point_id)
                         .order_by(StatusEventRow.id)).all()
    return [StatusChange(point_id=r.point_id, county=r.county, status=r.status,
                         status_zh=POINT_STATUS.get(r.status, r.status), reason=r.reason,
                         actor=r.actor, at=r.at) for r in rows]


def record_register_status(ws: Workspace, actor: Actor, *, reason: str = "导入") -> int:
    """After an import: append the layer's ``ZT`` for points whose history differs."""
    reg = read_register(ws, actor, active_only=False)
    pts = reg.points
    zt = _text(pts, "ZT", "在册").map(lambda v: STATUS_BY_ZH.get(v, v))
    latest = _status_now(ws, list(pts["site_id"]))
    at = _now()
    rows = [StatusEventRow(point_id=i, county=str(c), status=z, reason=reason,
                           actor=actor.username, at=at)
            for i, c, z in zip(pts["site_id"], pts["county"], zt, strict=True)
            if z in POINT_STATUS and latest.get(i) != z]
    for county in sorted({r.county for r in rows}):
        ws.authorize(actor, policy.Action.EDIT, county, what="hazard register")
    with ws.session() as s:
        s.add_all(rows)
    return len(rows)


# -- rainfall ----------------------------------------------------------------------------------
def stations(ws: Workspace) -> list[Station]:
    """Return the registered rain gauges."""
    with ws.session() as s:
        rows = s.scalars(select(StationRow).order_by(StationRow.id)).all()
    return [Station(id=r.id, lon=r.lon, lat=r.lat, name=r.name) for r in rows]


def import_rainfall(ws: Workspace, actor: Actor, path: str | Path, *,
                    name: str | None = None) -> RainfallImport:
    """Store a station CSV as daily totals (a day given again replaces its value)."""
    ws.authorize(actor, policy.Action.EDIT, ws.root_region, what="rain stations")
    known = {s.id: (s.lon, s.lat) for s in stations(ws)}
    shown = name or Path(path).name
    got = read_station_csv(path, known, name=shown)
    new = {k: v for k, v in got.stations.items() if k not in known}
    daily = got.daily
    at = _now()
    with ws.session() as s:
        s.add_all([StationRow(id=k, lon=v[0], lat=v[1], name="", created_at=at)
                   for k, v in new.items()])
        s.flush()
        for station, part in daily.groupby("station"):
            s.execute(delete(RainRow).where(RainRow.station == station,
                                            RainRow.day.in_(list(part["day"]))))
        s.add_all([RainRow(station=r.station, day=r.day, mm=float(r.mm), source=shown)
                   for r in daily.itertuples(index=False)])
    ws.audit(actor.username, "hazards.rain", shown,
             {"values": len(daily), "new_stations": len(new)})
    return RainfallImport(file=shown, stations=int(daily["station"].nunique()),
                          new_stations=len(new), days=int(daily["day"].nunique()),
                          values=len(daily), first_day=min(daily["day"]),
                          last_day=max(daily["day"]), hourly=got.hourly)


def _grid_model(r: GridRow) -> ForecastGrid:
    return ForecastGrid(id=r.id, valid_on=r.valid_on, lead_hours=r.lead_hours, file=r.path,
                        source_file=r.source_file, crs=r.crs, shape=(r.rows, r.cols),
                        band=r.band, max_mm=r.max_mm, mean_mm=r.mean_mm)


def import_forecast(ws: Workspace, actor: Actor, path: str | Path, valid_on: date, *,
                    lead_hours: int = 24, band: int = 1, variable: str | None = None,
                    name: str | None = None) -> ForecastGrid:
    """Check and store a forecast grid (GeoTIFF / NetCDF) for the day ``valid_on``."""
    ws.authorize(actor, policy.Action.EDIT, ws.root_region, what="forecast grids")
    if lead_hours not in (24, 48, 72):
        raise RainfallRejected(f"lead time {lead_hours} h: use 24, 48 or 72",
                               path=name or str(path))
    shown = name or Path(path).name
    grid = read_forecast(path, band=band, variable=variable, name=shown)
    rel = GRIDS_DIR / f"{valid_on:%Y%m%d}-{lead_hours}h-{_now():%H%M%S%f}.tif"
    target = ws.root / rel
    write_geotiff(target, grid)
    digest = hashlib.sha256(target.read_bytes()).hexdigest()
    vals = grid.values[np.isfinite(grid.values)]
    try:
        with ws.session() as s:
            row = GridRow(valid_on=valid_on, lead_hours=lead_hours, path=str(rel),
                          source_file=shown, crs=grid.source_crs[:64],
                          rows=grid.values.shape[0], cols=grid.values.shape[1], band=band,
                          max_mm=float(vals.max()), mean_mm=float(vals.mean()), sha256=digest,
                          imported_by=actor.username, imported_at=_now())
            s.add(row)
            s.flush()
            out = _grid_model(row)
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    ws.audit(actor.username, "hazards.forecast", shown, {"valid_on": str(valid_on),
                                                          "lead_hours": lead_hours})
    return out


def latest_forecast(ws: Workspace, on: date) -> ForecastGrid | None:
    """Return the most recent shortest-lead grid valid on ``on``."""
    with ws.session() as s:
        row = s.scalars(select(GridRow).where(GridRow.valid_on == on)
                        .order_by(GridRow.lead_hours, GridRow.id.desc())).first()
    return _grid_model(row) if row else None


@dataclass
class RainTable:
    """Daily rain of every station over consecutive days (NaN: no value)."""

    ids: list[str]
    lon: np.ndarray
    lat: np.ndarray
    days: list[date]
    mm: np.ndarray  # stations × days


def rain_table(ws: Workspace, start: date, end: date) -> RainTable:
    """Station rain from ``start`` to ``end`` (inclusive)."""
    st = stations(ws)
    days = [start + timedelta(d) for d in range((end - start).days + 1)]
    index = {s.id: i for i, s in enumerate(st)}
    mm = np.full((len(st), len(days)), np.nan)
    with ws.session() as s:
        rows = s.execute(select(RainRow.station, RainRow.day, RainRow.mm)
                         .where(RainRow.day >= start, RainRow.day <= end)).all()
    for station, day, value in rows:
        mm[index[station], (day - start).days] = value
    return RainTable([s.id for s in st], np.array([s.lon for s in st]),
                     np.array([s.lat for s in st]), days, mm)


def site_rain(table: RainTable, lon: np.ndarray, lat: np.ndarray, rules: Rules) -> np.ndarray:
    """Rain at sites (sites × days): station weights renormalised over stations with data."""
    w = station_weights(lon, lat, table.lon, table.lat, method=rules.station_method,
                        power=rules.idw_power, neighbours=rules.idw_neighbours)
    have = np.isfinite(table.mm)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = (w @ np.where(have, table.mm, 0.0)) / (w @ have.astype(float))
    return np.where(np.isfinite(out), out, 0.0)


# -- warnings of a day -------------------------------------------------------------------------
def _site_xy(frame: gpd.GeoDataFrame) -> tuple[np.ndarray, np.ndarray]:
    geoms = frame.geometry.to_numpy()
    if len(geoms) and not (shapely.get_type_id(geoms) == 0).all():  # zones: a point inside
        geoms = shapely.point_on_surface(geoms)
    return shapely.get_x(geoms), shapely.get_y(geoms)


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _column(frame: pd.DataFrame, name: str) -> list[str]:
    return [str(v) for v in frame[name]] if name in frame.columns else [""] * len(frame)


def _warnings(frame: gpd.GeoDataFrame, site: str, series: np.ndarray, rules: Rules,
              *, with_geometry: bool) -> list[SiteWarning]:
    if not len(frame):
        return []
    cls = np.where(frame["yfcd"].isin(list(rules.thresholds)), frame["yfcd"],
                   rules.default_susceptibility).astype(str)
    fig = warn_day(series, cls, rules)
    x, y = _site_xy(frame)
    geoms = frame.geometry.to_numpy()
    ids, counties = _column(frame, "site_id"), _column(frame, "county")
    areas: list[float | None] = (list(ellipsoidal_area(geoms).tolist()) if site == "zone"
                                 else [None] * len(frame))
    kinds, status = _column(frame, "ZHLX"), _column(frame, "status")
    cols = (fig.level.tolist(), fig.grade.tolist(), fig.pe.tolist(), fig.r0.tolist(),
            fig.antecedent.tolist(), fig.intensity.tolist(), fig.duration_h.tolist(),
            fig.id_exceeded.tolist(), fig.matrix_level.tolist(), x.tolist(), y.tolist())
    out = []
    for i, (lv_, g, pe, r0, ante, inten, dur, exc, base, xi, yi) in enumerate(zip(*cols,
                                                                               strict=True)):
        lv, c = Level(lv_), str(cls[i])
        out.append(SiteWarning(
            site=site, id=ids[i], county=counties[i], susceptibility=c, level=lv,
            level_zh=LEVEL_ZH[lv], colour=LEVEL_COLOUR[lv], grade=g, pe_mm=round(pe, 1),
            forecast_mm=round(r0, 1), antecedent_mm=round(ante, 1),
            threshold_mm=rules.thresholds[c][g - 1] if g else None,
            id_intensity=round(inten, 2), id_duration_h=dur, id_exceeded=exc,
            rule=rule_text(c, g, int(lv), pe, rules, exc, base), lon=round(xi, 6),
            lat=round(yi, 6), kind=kinds[i], status=status[i],
            area_m2=_rounded(areas[i]),
            geometry=json.loads(shapely.to_geojson(geoms[i])) if with_geometry else None))
    return out


def compute_warnings(ws: Workspace, actor: Actor, on: date, *, rules: Rules | None = None,
                     counties: list[str] | None = None, use_forecast: bool = True,
                     with_geometry: bool = False) -> WarningRun:
    """Warnings of every 在册 point and every zone in scope for the day ``on``.

    ``R0`` is the forecast grid valid on ``on`` (cell under a point, zonal mean of a zone)
    when one is stored and ``use_forecast``; else the stations' observed rain of ``on``
    (a hindcast). The antecedent days always come from the stations.
    """
    rules = rules or load_rules(ws)
    reg = read_register(ws, actor, counties=counties)
    table = rain_table(ws, on - timedelta(rules.days), on)
    grid_info = latest_forecast(ws, on) if use_forecast else None
    if not table.ids or (grid_info is None and not np.isfinite(table.mm[:, -1]).any()):
        raise NoRainfall(f"no forecast grid and no station rain for {on}")
    runs = {}
    for site, frame in (("point", reg.points), ("zone", reg.zones)):
        x, y = _site_xy(frame)
        series = site_rain(table, x, y, rules)
        if grid_info is not None and len(frame):
            grid = read_stored(ws.root / grid_info.file)
            if site == "point":
                r0 = sample_points(grid.values, grid.transform, x, y)
            else:
                r0, _ = zonal_mean(grid.values, grid.transform, frame.geometry.to_numpy())
            series[:, -1] = np.where(np.isfinite(r0), r0, series[:, -1])
        runs[site] = _warnings(frame, site, series, rules, with_geometry=with_geometry)
    counts: dict[str, int] = {}
    for w in runs["point"] + runs["zone"]:
        if w.level > Level.NONE:
            key = Level(w.level).name.lower()
            counts[key] = counts.get(key, 0) + 1
    return WarningRun(on=on, rules=rules.name, k=rules.k, days=rules.days,
                      station_method=rules.station_method, forecast=grid_info,
                      points=runs["point"], zones=runs["zone"], counts=counts)


# -- hindcast ------------------------------------------------------------------------------------
@dataclass
class Hindcast:
    """Levels, Pe and I·D^β of every 在册 point on every day of a period."""

    ids: list[str]
    counties: np.ndarray
    susceptibility: np.ndarray
    days: list[date]
    levels: np.ndarray
    pe: np.ndarray
    id_index: np.ndarray


def hindcast(ws: Workspace, actor: Actor, start: date, end: date, *,
             rules: Rules | None = None) -> Hindcast:
    """Warn every 在册 point on every day from observed rain (the day's rain as R0)."""
    rules = rules or load_rules(ws)
    pts = read_register(ws, actor).points  # 在册 points: treated/relocated ones are not warned
    spin = start - timedelta(rules.days)
    table = rain_table(ws, spin, end)
    if not table.ids:
        raise NoRainfall(f"no station rain from {start} to {end}")
    x, y = _site_xy(pts)
    series = site_rain(table, x, y, rules) if len(pts) else np.zeros((0, len(table.days)))
    cls = np.where(pts["yfcd"].isin(list(rules.thresholds)), pts["yfcd"],
                   rules.default_susceptibility).astype(str) if len(pts) else np.array([])
    levels, pe, id_index = warn_history(series, cls, rules)
    keep = slice(rules.days, None)
    return Hindcast(ids=list(pts["site_id"]), counties=pts["county"].astype(str).to_numpy(),
                    susceptibility=cls, days=table.days[keep], levels=levels[:, keep],
                    pe=pe[:, keep], id_index=id_index[:, keep])


def import_register(ws: Workspace, actor: Actor, request: ImportRequest) -> ImportReport:
    """Import points or zones (SHP/GPKG/XLSX with 经度/纬度) and record the status history."""
    report = import_file(ws, request, actor=actor)
    if request.kind == "hazard_point" and not request.dry_run and not report.unchanged:
        record_register_status(ws, actor)
    return report


def bulletin_layers(ws: Workspace, actor: Actor) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Zones (with ``site_id``) and county outlines in scope, for the bulletin's map."""
    reg = read_register(ws, actor)
    counties = gpd.GeoDataFrame({"XZQDM": []}, geometry=[], crs=4490)
    if ws.has_layer("admin_county"):
        codes = sorted(set(reg.zones["county"]) | set(reg.points["county"]))
        counties = ws.read_layer("admin_county", counties=codes or None)
    return reg.zones, counties


def copy_rules(ws: Workspace, actor: Actor, source: str | Path) -> Rules:
    """Install a rule file as the workspace's ``hazard_rules.toml`` (checked first)."""
    ws.authorize(actor, policy.Action.CONFIGURE, ws.root_region, what="hazard rules")
    rules = load_rules(path=source)
    shutil.copyfile(source, ws.root / RULES_FILE)
    ws.audit(actor.username, "hazards.rules", rules.name, {})
    return rules
