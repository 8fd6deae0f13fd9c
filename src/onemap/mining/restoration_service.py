"""Abandoned mines (历史遗留矿山) and green mines (绿色矿山): registers, checks, indicator, layers.

A restored mine is checked in the first DLTB vintage after its restoration year (restored
to 耕地/林地/草地 or not); the restored open-pit mines per county and year, less those the
survey refutes, are the value of the plan indicator ``abandoned_open_pit_mines_restored``
(posted through :mod:`onemap.indicators.statistics`). Access as in
:mod:`onemap.mining.service`: internal, ``READ`` / ``EDIT`` in the mine's county.
"""

from __future__ import annotations

import csv
import json
from typing import TYPE_CHECKING

import geopandas as gpd
import pandas as pd
import shapely
from sqlalchemy import select

from onemap.errors import InvalidInput
from onemap.geometry.area import ellipsoidal_area
from onemap.mining.jobs import CRS
from onemap.mining.models import (
    AbandonedMine,
    AbandonedMineIn,
    GreenMine,
    GreenMineIn,
    ImportSummary,
    MiningSummary,
    RestorationCheck,
    RestorationProgress,
)
from onemap.mining.register import valid_mask
from onemap.mining.restoration import check_restoration
from onemap.mining.schema import AbandonedMineRow, GreenMineRow, MiningRightRow
from onemap.mining.service import load_rules, polygon_from_geojson, require_internal
from onemap.store.db import utc_now as _now
from onemap.store.policy import Action

if TYPE_CHECKING:
    from datetime import date, datetime
    from pathlib import Path

    from onemap.store.access import Actor
    from onemap.store.workspace import Workspace

INDICATOR = "abandoned_open_pit_mines_restored"
ENTERED_BY = "历史遗留矿山台账 mining register"


def register_abandoned(ws: Workspace, actor: Actor, mines: list[AbandonedMineIn], *,
                       now: datetime | None = None) -> ImportSummary:
    """Register abandoned mines (insert or replace by 编号), all or nothing."""
    now = now or _now()
    ws.authorize(actor, Action.EDIT, what="abandoned mines")
    checked = []
    for m in mines:
        ws.authorize(actor, Action.EDIT, m.county, what=f"abandoned mine {m.mine_id}")
        if m.restoration == "restored" and m.restored_year is None:
            raise InvalidInput(f"abandoned mine {m.mine_id}: a restored mine needs its "
                               "restoration year", feature_id=m.mine_id)
        checked.append((m, polygon_from_geojson(m.geometry, m.mine_id)))
    added = updated = 0
    with ws.session() as s:
        old = {r.mine_id: r for r in s.scalars(select(AbandonedMineRow).where(
            AbandonedMineRow.mine_id.in_([m.mine_id for m, _ in checked])))}
        for m, geom in checked:
            values = m.model_dump(exclude={"geometry"})
            values.update(geometry=shapely.to_wkb(geom), updated_at=now,
                          area_m2=float(ellipsoidal_area([geom])[0]))
            row = old.get(m.mine_id)
            if row is None:
                s.add(AbandonedMineRow(**values))
                added += 1
            else:
                for k, v in values.items():
                    setattr(row, k, v)
                updated += 1
    ws.audit(actor.username, "mining.abandoned", "register", {"added": added,
                                                              "updated": updated})
    return ImportSummary(file="", added=added, updated=updated)


def _abandoned_rows(ws: Workspace, actor: Actor,
                    county: str | None = None) -> list[AbandonedMineRow]:
    require_internal(ws, actor)
    q = select(AbandonedMineRow).order_by(AbandonedMineRow.mine_id)
    if county:
        ws.authorize(actor, Action.READ, county, what="abandoned mines")
        q = q.where(AbandonedMineRow.county == county)
    with ws.session() as s:
        return [r for r in s.scalars(q) if ws.allows(actor, Action.READ, r.county)]


def _abandoned(row: AbandonedMineRow) -> AbandonedMine:
    geom = json.loads(shapely.to_geojson(shapely.from_wkb(row.geometry)))
    return AbandonedMine(
        id=row.id, mine_id=row.mine_id, county=row.county, name=row.name,
        mineral=row.mineral, open_pit=row.open_pit, damaged_area_m2=row.damaged_area_m2,
        ownership=row.ownership, responsible=row.responsible,
        restoration=row.restoration, restored_year=row.restored_year,
        restored_area_m2=row.restored_area_m2, target_class=row.target_class,
        area_m2=row.area_m2, geometry=geom)


def list_abandoned(ws: Workspace, actor: Actor, *,
                   county: str | None = None) -> list[AbandonedMine]:
    """Abandoned mines in scope."""
    return [_abandoned(r) for r in _abandoned_rows(ws, actor, county)]


def _next_vintage(vintages: list[int], year: int) -> int | None:
    return next((v for v in sorted(vintages) if v > year), None)


def restoration_checks(ws: Workspace, actor: Actor) -> list[RestorationCheck]:
    """Check every restored mine in scope in the DLTB vintage after its restoration year."""
    rows = [r for r in _abandoned_rows(ws, actor) if r.restoration == "restored"]
    vintages = ws.vintages("dltb") if ws.has_layer("dltb") else []
    min_share = load_rules(ws).restored_min_share
    frame = gpd.GeoDataFrame(
        pd.DataFrame({"mine_id": [r.mine_id for r in rows], "county": [r.county for r in rows],
                      "restored_year": [r.restored_year for r in rows]}),
        geometry=[shapely.from_wkb(r.geometry) for r in rows], crs=CRS)
    frame["vintage"] = [_next_vintage(vintages, int(y)) for y in frame["restored_year"]]
    out: list[RestorationCheck] = []
    for (vintage, county), group in frame.groupby(
            [frame["vintage"].fillna(-1).astype(int), "county"], sort=True):
        mines = group.reset_index(drop=True)
        dltb = None
        if vintage >= 0:
            dltb = ws.read_layer("dltb", int(vintage), counties=[str(county)],
                                 bbox=tuple(mines.total_bounds), columns=["DLBM"])
        out += check_restoration(mines, dltb, int(vintage) if vintage >= 0 else None,
                                 min_share=min_share)
    return sorted(out, key=lambda c: c.mine_id)


def restoration_progress(ws: Workspace, actor: Actor) -> list[RestorationProgress]:
    """Restored open-pit mines by county and year, and how many the survey confirms.

    A mine whose check says ``not_restored`` is not counted.
    """
    checks = {c.mine_id: c for c in restoration_checks(ws, actor)}
    counts: dict[tuple[str, int], list[int]] = {}
    for r in _abandoned_rows(ws, actor):
        if r.restoration != "restored" or not r.open_pit or r.restored_year is None:
            continue
        verdict = checks[r.mine_id].verdict
        if verdict == "not_restored":
            continue
        cell = counts.setdefault((r.county, r.restored_year), [0, 0])
        cell[0] += 1
        cell[1] += int(verdict == "restored")
    return [RestorationProgress(county=c, year=y, restored=n, verified=v)
            for (c, y), (n, v) in sorted(counts.items())]


def post_indicator(ws: Workspace, actor: Actor, folder: Path, *,
                   years: range | None = None) -> int:
    """Post the restored open-pit mines per county and year to the plan indicator.

    Every county with a DLTB partition gets a value for every year in ``years``
    (default: 2021 to the latest restoration year), zero where none was restored. The
    table is written to ``folder/restoration-indicator.csv`` and imported through
    :func:`onemap.indicators.statistics.import_statistics` (``EDIT`` per county).
    Returns the number of values posted.
    """
    from onemap.indicators.statistics import import_statistics

    progress = restoration_progress(ws, actor)
    done = {(p.county, p.year): p.restored for p in progress}
    last = max((p.year for p in progress), default=2021)
    years = years or range(2021, max(last, 2021) + 1)
    latest = ws.latest_vintage("dltb")
    counties = sorted({p.county for p in ws.partitions("dltb", latest)} if latest else set())
    counties = [c for c in counties if ws.allows(actor, Action.EDIT, c)]
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "restoration-indicator.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        out = csv.writer(f)
        out.writerow(["id", "region", "year", "value"])
        for county in counties:
            for year in years:
                out.writerow([INDICATOR, county, year, done.get((county, year), 0)])
    result = import_statistics(ws, path, actor=actor, entered_by=ENTERED_BY)
    return result.rows


# -- green mines --------------------------------------------------------------------------
def register_green(ws: Workspace, actor: Actor, entries: list[GreenMineIn], *,
                   now: datetime | None = None) -> ImportSummary:
    """Register green mine list entries (insert or replace by 许可证号 and level)."""
    now = now or _now()
    ws.authorize(actor, Action.EDIT, what="green mines")
    added = updated = 0
    with ws.session() as s:
        rights = {r.right_no: r for r in s.scalars(select(MiningRightRow).where(
            MiningRightRow.right_no.in_([e.right_no for e in entries])))}
        for e in entries:
            right = rights.get(e.right_no)
            if right is None:
                raise InvalidInput(f"green mine {e.right_no}: no such mining right",
                                   feature_id=e.right_no)
            ws.authorize(actor, Action.EDIT, right.county, what=f"green mine {e.right_no}")
            row = s.scalars(select(GreenMineRow).where(
                GreenMineRow.right_no == e.right_no,
                GreenMineRow.level == e.level)).one_or_none()
            values = {**e.model_dump(), "county": right.county, "updated_at": now}
            if row is None:
                s.add(GreenMineRow(**values))
                added += 1
            else:
                for k, v in values.items():
                    setattr(row, k, v)
                updated += 1
    ws.audit(actor.username, "mining.green", "register", {"added": added, "updated": updated})
    return ImportSummary(file="", added=added, updated=updated)


def list_green(ws: Workspace, actor: Actor, as_of: date) -> list[GreenMine]:
    """Green mines in scope, with whether their right is in force on ``as_of``."""
    require_internal(ws, actor)
    with ws.session() as s:
        rows = [r for r in s.scalars(select(GreenMineRow).order_by(GreenMineRow.right_no))
                if ws.allows(actor, Action.READ, r.county)]
        rights = {r.right_no: r for r in s.scalars(select(MiningRightRow).where(
            MiningRightRow.right_no.in_([g.right_no for g in rows])))}
    out = []
    for g in rows:
        r = rights.get(g.right_no)
        valid = bool(r is not None and valid_mask(pd.DataFrame([{
            "status": r.status, "valid_from": r.valid_from, "valid_to": r.valid_to}]),
            as_of)[0])
        out.append(GreenMine(id=g.id, right_no=g.right_no, level=g.level,
                             year=g.year, review=g.review, note=g.note,
                             county=g.county, name=r.name if r else "", right_valid=valid))
    return out


def annual_summary(ws: Workspace, actor: Actor, year: int, *,
                   as_of: date | None = None) -> MiningSummary:
    """Every figure of the annual mining supervision report (``EXPORT``, audited)."""
    from datetime import date as _date

    from onemap.mining.quota_service import balance_report
    from onemap.mining.service import mineral_rows, right_status_counts, rights_frame, run_check

    ws.authorize(actor, Action.EXPORT, what="the mining supervision report")
    as_of = as_of or _date(year, 12, 31)
    rights = rights_frame(ws, actor)
    check = run_check(ws, actor, as_of=as_of)
    mines = _abandoned_rows(ws, actor)
    progress = restoration_progress(ws, actor)
    out = MiningSummary(
        year=year, as_of=as_of, rights=right_status_counts(rights, as_of),
        rights_area_ha=float(rights["area_m2"].sum()) / 10_000 if len(rights) else 0.0,
        by_mineral=mineral_rows(rights),
        check=check, quota=balance_report(ws, actor, year), abandoned=len(mines),
        restored=sum(p.restored for p in progress if p.year <= year), progress=progress,
        restoration_checks=restoration_checks(ws, actor), green=list_green(ws, actor, as_of))
    ws.audit(actor.username, "mining.export", f"annual/{year}", {"rights": len(rights)})
    return out
