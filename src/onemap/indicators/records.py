"""Recorded values and quotas in the catalog: append-only writes, current values, history.

A correction never updates a row: it adds one, and the newest row of a
(series, region, year) key is the current value; the older rows are its history.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sqlalchemy import select

from onemap.indicators.models import IndicatorValue, Quota, ValueRecord, ValueSource
from onemap.indicators.schema import IndicatorQuotaRow, IndicatorValueRow

if TYPE_CHECKING:
    from collections.abc import Iterable

    from onemap.store.workspace import Workspace

Key = tuple[str, str, int]


def now() -> datetime:
    """Return the current UTC time without tzinfo (catalog convention)."""
    return datetime.now(UTC).replace(tzinfo=None)


def _record(row: IndicatorValueRow) -> ValueRecord:
    return ValueRecord(value=row.value, source=ValueSource.model_validate(row.source),
                       recorded_at=row.recorded_at, recorded_by=row.recorded_by)


def read_values(ws: Workspace, series: Iterable[str] | None = None,
                region: str | None = None, year: int | None = None) -> list[IndicatorValue]:
    """Return current values with their history (oldest first), ordered by key."""
    q = select(IndicatorValueRow).order_by(IndicatorValueRow.id)
    if series is not None:
        q = q.where(IndicatorValueRow.series.in_(list(series)))
    if region is not None:
        q = q.where(IndicatorValueRow.region == region)
    if year is not None:
        q = q.where(IndicatorValueRow.year == year)
    groups: dict[Key, list[IndicatorValueRow]] = defaultdict(list)
    with ws.session() as s:
        for row in s.scalars(q):
            groups[(row.series, row.region, row.year)].append(row)
        out = []
        for key in sorted(groups):
            rows = groups[key]
            cur = rows[-1]
            out.append(IndicatorValue(
                id=key[0], region=key[1], year=key[2], value=cur.value,
                source=ValueSource.model_validate(cur.source), recorded_at=cur.recorded_at,
                recorded_by=cur.recorded_by, history=[_record(r) for r in rows[:-1]]))
    return out


def current_map(ws: Workspace, series: Iterable[str] | None = None) -> dict[Key, IndicatorValue]:
    """Return current values keyed by (series, region, year)."""
    return {(v.id, v.region, v.year): v for v in read_values(ws, series)}


def append_values(ws: Workspace, items: Iterable[tuple[Key, float | None, ValueSource]], *,
                  recorded_by: str, note: str = "", skip_unchanged: bool = True) -> int:
    """Append values in one transaction; unchanged (value and source) keys are skipped.

    Returns the number of rows added.
    """
    items = list(items)
    if not items:
        return 0
    current = current_map(ws, {k[0] for k, _, _ in items}) if skip_unchanged else {}
    at = now()
    added = 0
    with ws.session() as s:
        for key, value, source in items:
            old = current.get(key)
            if old is not None and old.value == value and old.source == source:
                continue
            s.add(IndicatorValueRow(series=key[0], region=key[1], year=key[2], value=value,
                                    source=source.model_dump(mode="json"), recorded_at=at,
                                    recorded_by=recorded_by, note=note))
            added += 1
    return added


def append_quota(ws: Workspace, indicator: str, region: str, value: float,
                 recorded_by: str) -> Quota:
    """Record a target / national quota for a region (the newest one is current)."""
    at = now()
    with ws.session() as s:
        s.add(IndicatorQuotaRow(indicator=indicator, region=region, value=float(value),
                                recorded_at=at, recorded_by=recorded_by))
    return Quota(id=indicator, region=region, value=float(value), recorded_at=at,
                 recorded_by=recorded_by)


def read_quotas(ws: Workspace) -> dict[tuple[str, str], Quota]:
    """Return the current quota per (indicator, region)."""
    out: dict[tuple[str, str], Quota] = {}
    with ws.session() as s:
        for row in s.scalars(select(IndicatorQuotaRow).order_by(IndicatorQuotaRow.id)):
            out[(row.indicator, row.region)] = Quota(
                id=row.indicator, region=row.region, value=row.value,
                recorded_at=row.recorded_at, recorded_by=row.recorded_by)
    return out
