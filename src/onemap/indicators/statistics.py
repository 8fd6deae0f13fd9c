"""Statistics inputs of indicators: import from CSV/XLSX, entry by a person, quotas.

A file has one row per value with the columns ``id`` (indicator id or statistic
input such as ``gdp``), ``region`` (6-digit 行政区划代码), ``year`` and ``value``;
the Chinese headers 指标 / 行政区代码 / 年度 / 数值 are accepted too. An optional
``kind`` (类型) column set to ``quota`` (下达指标) makes the row a region's target or
national quota instead (year may be empty). A file is checked entirely before
anything is written (all or nothing). Recording values and quotas is ``EDIT`` in the
region of each row.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
from pydantic import BaseModel

from onemap.indicators.catalog import ensure_catalog, get_indicator, list_indicators, series_ids
from onemap.indicators.errors import IndicatorInputError
from onemap.indicators.models import IndicatorValue, Quota, ValueSource
from onemap.indicators.records import append_quota, append_values, read_values
from onemap.indicators.service import refresh_derived
from onemap.store.policy import Action

if TYPE_CHECKING:
    from onemap.store.access import Actor
    from onemap.store.workspace import Workspace

HEADERS = {"指标": "id", "指标代码": "id", "行政区代码": "region", "区域": "region",
           "年度": "year", "年份": "year", "数值": "value", "值": "value", "类型": "kind"}
QUOTA_KINDS = ("quota", "下达指标", "目标")


def _blank(value: object) -> bool:
    return value is None or str(value).strip() in ("", "nan", "None")


class ImportResult(BaseModel):
    """What a statistics import recorded."""

    file: str
    rows: int
    added: int
    quotas: int = 0
    ids: list[str]
    regions: int
    years: list[int]
    entered_by: str


def _require_writer(ws: Workspace, actor: Actor) -> None:
    """Refuse roles that may not ``EDIT`` (each row's region is checked in :func:`_check`)."""
    ws.authorize(actor, Action.EDIT, what="indicator values")


def _check(ws: Workspace, actor: Actor, ids: dict[str, str], series: str, region: str,
           year: int, value: float | None, line: int | None = None) -> None:
    if series not in ids:
        raise IndicatorInputError(f"unknown indicator or statistic {series!r}", line=line)
    if len(region) != 6 or not region.isdigit():
        raise IndicatorInputError(f"region must be a 6-digit code, got {region!r}", line=line)
    if not 1949 <= year <= 2100:
        raise IndicatorInputError(f"year out of range: {year}", line=line)
    if value is not None and not math.isfinite(value):
        raise IndicatorInputError(f"value is not a finite number: {value}", line=line)
    ws.authorize(actor, Action.EDIT, region, what=f"indicator {series}")


def read_table(path: str | Path) -> pd.DataFrame:
    """Read a statistics file (CSV or XLSX) into id/region/year/value columns as text."""
    path = Path(path)
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        frame = pd.read_excel(path, dtype=str)
    elif path.suffix.lower() == ".csv":
        frame = pd.read_csv(path, dtype=str, encoding="utf-8-sig")
    else:
        raise IndicatorInputError("statistics files must be .csv or .xlsx", path=str(path))
    frame = frame.rename(columns=lambda c: HEADERS.get(str(c).strip(), str(c).strip()))
    missing = {"id", "region", "year", "value"} - set(frame.columns)
    if missing:
        raise IndicatorInputError(f"missing columns: {', '.join(sorted(missing))}",
                                  path=str(path))
    return frame


def import_statistics(ws: Workspace, path: str | Path, *, actor: Actor,
                      entered_by: str | None = None) -> ImportResult:
    """Import statistics values per region and year from CSV/XLSX (all or nothing)."""
    _require_writer(ws, actor)
    ids = series_ids(ws)
    frame = read_table(path)
    catalog_ids = {i.id for i in list_indicators(ws)}
    items, quotas = [], []
    for i, row in enumerate(frame.to_dict("records"), start=2):
        try:
            series, region = str(row["id"]).strip(), str(row["region"]).strip()
            is_quota = str(row.get("kind", "")).strip() in QUOTA_KINDS
            year = 2000 if is_quota and _blank(row["year"]) else int(float(str(row["year"])))
            value = None if _blank(row["value"]) else float(str(row["value"]).strip())
        except ValueError as exc:
            raise IndicatorInputError(f"unreadable row: {exc}", path=str(path), line=i) from None
        _check(ws, actor, ids, series, region, year, value, i)
        if is_quota:
            if series not in catalog_ids or value is None:
                raise IndicatorInputError(f"a quota needs an indicator id and a value: {series}",
                                          path=str(path), line=i)
            quotas.append((series, region, value))
            continue
        src = ValueSource(kind="import", file=Path(path).name,
                          entered_by=entered_by or actor.username)
        items.append(((series, region, year), value, src))
    ensure_catalog(ws, actor=actor)  # every row checked: the writes begin
    for series, region, value in quotas:
        append_quota(ws, series, region, value, actor.username)
    added = append_values(ws, items, recorded_by=actor.username, note=f"import {path}")
    added += refresh_derived(ws, actor=actor)
    ws.audit(actor.username, "indicators.import", Path(path).name,
             {"rows": len(items), "added": added, "quotas": len(quotas)})
    return ImportResult(file=Path(path).name, rows=len(items), added=added, quotas=len(quotas),
                        ids=sorted({k[0] for k, _, _ in items}),
                        regions=len({k[1] for k, _, _ in items}),
                        years=sorted({k[2] for k, _, _ in items}),
                        entered_by=entered_by or actor.username)


def set_value(ws: Workspace, series: str, region: str, year: int, value: float | None, *,
              actor: Actor, entered_by: str | None = None, note: str = "") -> IndicatorValue:
    """Enter (or correct) one value; the previous value stays in the history."""
    _require_writer(ws, actor)
    _check(ws, actor, series_ids(ws), series, region, year, value)
    ensure_catalog(ws, actor=actor)
    src = ValueSource(kind="entered", entered_by=entered_by or actor.username, note=note)
    append_values(ws, [((series, region, year), value, src)], recorded_by=actor.username,
                  note=note or "entered", skip_unchanged=False)
    refresh_derived(ws, actor=actor)
    ws.audit(actor.username, "indicators.set", f"{series}/{region}/{year}",
             {"value": value, "entered_by": entered_by or actor.username})
    return read_values(ws, [series], region, year)[0]


def set_quota(ws: Workspace, indicator: str, region: str, value: float, *,
              actor: Actor) -> Quota:
    """Record the target / national quota of an indicator for a region."""
    _require_writer(ws, actor)
    get_indicator(ws, indicator)
    _check(ws, actor, series_ids(ws), indicator, region, 2000, value)
    ensure_catalog(ws, actor=actor)
    quota = append_quota(ws, indicator, region, value, actor.username)
    ws.audit(actor.username, "indicators.quota", f"{indicator}/{region}", {"value": value})
    return quota
