"""Read station rainfall CSV (雨量站观测): ``station, lon, lat, time, mm``, hourly or daily.

Every line is checked; any bad line rejects the whole file (nothing stored) with the file,
line and why: a missing or negative value, an unreadable time, coordinates outside
longitude/latitude range, a station without coordinates that is not registered, a
registered station given elsewhere (more than 0.01° away), a repeated station and time.
Hourly values are summed to daily totals (days in the file's local time, UTC+8 for
Chinese data).
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from onemap.hazards.errors import RainfallRejected
from onemap.store.formats.text import decode_text

COLUMNS = {"station": ("station", "站号", "站点", "stid"), "lon": ("lon", "经度", "longitude"),
           "lat": ("lat", "纬度", "latitude"), "time": ("time", "时间", "date", "日期"),
           "mm": ("mm", "雨量", "降雨量", "rain", "precip")}
MAX_LISTED = 20
MOVED_DEG = 0.01


@dataclass
class StationRain:
    """A checked file: station coordinates and daily totals (station, day, mm)."""

    stations: dict[str, tuple[float, float]]
    daily: pd.DataFrame
    hourly: bool


def _columns(frame: pd.DataFrame, path: str) -> dict[str, str]:
    lower = {c.strip().lower(): c for c in frame.columns}
    out = {}
    for key, names in COLUMNS.items():
        found = next((lower[n.lower()] for n in names if n.lower() in lower), None)
        if found is None and key not in ("lon", "lat"):
            raise RainfallRejected(f"no {key} column (one of {', '.join(names)})", path=path)
        if found is not None:
            out[key] = found
    return out


def _number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return None if math.isnan(value) else value


def read_station_csv(path: str | Path, known: dict[str, tuple[float, float]], *,
                     name: str | None = None) -> StationRain:
    """Read and check one CSV against the registered stations ``known`` (id → lon, lat)."""
    p = Path(path)
    shown = name or str(p)
    if not p.is_file():
        raise RainfallRejected("file not found", path=shown)
    text, _ = decode_text(p.read_bytes(), None, path=shown)
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise RainfallRejected(f"cannot read CSV: {exc}", path=shown) from None
    cols = _columns(frame, shown)
    problems: list[tuple[int, str]] = []
    stations = dict(known)
    seen: set[tuple[str, str]] = set()
    records = []
    hourly = False
    for i, row in enumerate(frame.itertuples(index=False), start=2):  # line 1 is the header
        values = dict(zip(frame.columns, row, strict=True))
        reason, rec = _check_line(values, cols, stations, known, seen)
        if reason:
            problems.append((i, reason))
            continue
        assert rec is not None
        hourly = hourly or rec[3]
        records.append(rec[:3])
    if problems:
        listed = "; ".join(f"line {ln}: {why}" for ln, why in problems[:MAX_LISTED])
        more = f" (and {len(problems) - MAX_LISTED} more)" if len(problems) > MAX_LISTED else ""
        raise RainfallRejected(f"{len(problems)} bad line(s): {listed}{more}", path=shown,
                               line=problems[0][0])
    if not records:
        raise RainfallRejected("no rainfall values", path=shown)
    obs = pd.DataFrame(records, columns=["station", "time", "mm"])
    obs["day"] = obs["time"].dt.date
    daily = obs.groupby(["station", "day"], as_index=False)["mm"].sum()
    return StationRain(stations=stations, daily=daily, hourly=hourly)


Checked = tuple[str, pd.Timestamp, float, bool]


def _check_value(station: str, raw_mm: str) -> tuple[str, float]:
    if not station:
        return "missing station", 0.0
    if not raw_mm:
        return f"station {station}: missing value", 0.0
    mm = _number(raw_mm)
    if mm is None:
        return f"station {station}: value {raw_mm!r} is not a number", 0.0
    if mm < 0:
        return f"station {station}: negative rainfall {mm:g} mm", 0.0
    return "", mm


def _check_place(station: str, lon_t: str, lat_t: str, stations: dict[str, tuple[float, float]],
                 known: dict[str, tuple[float, float]]) -> str:
    if not lon_t or not lat_t:
        return "" if station in stations else (
            f"unknown station {station} (not registered and no coordinates)")
    lon, lat = _number(lon_t), _number(lat_t)
    if lon is None or lat is None or not (-180 <= lon <= 180 and -90 <= lat <= 90):
        return f"station {station}: bad coordinates {lon_t}, {lat_t}"
    if station in known and (abs(known[station][0] - lon) > MOVED_DEG
                             or abs(known[station][1] - lat) > MOVED_DEG):
        return (f"station {station} is registered at {known[station][0]:.4f}, "
                f"{known[station][1]:.4f}, not {lon:.4f}, {lat:.4f}")
    stations.setdefault(station, (lon, lat))
    return ""


def _check_line(values: dict[str, str], cols: dict[str, str],
                stations: dict[str, tuple[float, float]], known: dict[str, tuple[float, float]],
                seen: set[tuple[str, str]]) -> tuple[str, Checked | None]:
    station = values[cols["station"]].strip()
    reason, mm = _check_value(station, values[cols["mm"]].strip())
    if reason:
        return reason, None
    raw_t = values[cols["time"]].strip()
    try:
        t = pd.Timestamp(raw_t)
    except ValueError:
        return f"station {station}: unreadable time {raw_t!r}", None
    if pd.isna(t):
        return f"station {station}: missing time", None
    if (station, raw_t) in seen:
        return f"station {station}: time {raw_t} given twice", None
    seen.add((station, raw_t))
    lon_t = values[cols["lon"]].strip() if "lon" in cols else ""
    lat_t = values[cols["lat"]].strip() if "lat" in cols else ""
    reason = _check_place(station, lon_t, lat_t, stations, known)
    if reason:
        return reason, None
    is_hourly = len(raw_t) > 10 and (t.hour, t.minute) != (0, 0)
    return "", (station, t, mm, is_hourly)
