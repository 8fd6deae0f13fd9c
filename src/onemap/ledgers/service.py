"""进出平衡 ledger service: post detection batches, add entries, report balances.

Entries are appended, never edited: a mistake is offset by a correction entry that
names the entry it corrects. Every call takes an :class:`Actor` and keeps to its scope.
"""

from __future__ import annotations

from datetime import datetime

import pandas as pd
from sqlalchemy import select

from onemap.change.service import get_batch, read_patches
from onemap.errors import InvalidInput, NotFound, ScopeViolation
from onemap.ledgers.balance import balances, roll_up
from onemap.ledgers.errors import AlreadyPosted
from onemap.ledgers.models import (
    LedgerEntry,
    LedgerEntryIn,
    LedgerReport,
    PostResult,
)
from onemap.ledgers.schema import LedgerEntryRow
from onemap.store.access import Actor
from onemap.store.db import utc_now as _now
from onemap.store.workspace import Workspace

LEDGER = "in_out"  # 进出平衡
WHAT = "the farmland ledger"


def require_internal(actor: Actor) -> None:
    """Enforcement data is internal: public (anonymous) users see none of it."""
    actor.require_internal(WHAT)


def _writer(actor: Actor, county: str) -> None:
    actor.require(county, "the ledger")
    if not actor.can_write:
        raise ScopeViolation(f"{actor.username} may not write the ledger",
                             user_message="当前角色无权登记台账")


def post_batch(ws: Workspace, actor: Actor, batch_id: int, *,
               now: datetime | None = None) -> PostResult:
    """Append one entry per 进/出 patch of a detection batch (year = the batch's to-year)."""
    now = now or _now()
    batch = get_batch(ws, actor, batch_id)
    patches = read_patches(ws, actor, batch_id)
    patches = patches[patches["ledger"].isin(["in", "out"])]
    for county in sorted(set(patches["county"])):
        _writer(actor, county)
    with ws.session() as s:
        if s.scalars(select(LedgerEntryRow.id).where(LedgerEntryRow.batch_id == batch_id)
                     .limit(1)).first() is not None:
            raise AlreadyPosted(f"batch {batch_id} is already in the ledger",
                                user_message=f"检测批次 {batch_id} 已入账")
        for p in patches.itertuples(index=False):
            s.add(LedgerEntryRow(ledger=LEDGER, county=p.county, year=batch.to_year,
                                 direction=p.ledger, area_m2=float(p.area_m2),
                                 source="change_batch", source_ref=p.id, batch_id=batch_id,
                                 corrects=None, note=f"{p.from_code}→{p.to_code}",
                                 actor=actor.username, at=now))
    ws.audit(actor.username, "ledgers.post", f"batch/{batch_id}", {"entries": len(patches)})
    return PostResult(batch_id=batch_id, year=batch.to_year, entries=len(patches),
                      in_m2=float(patches.loc[patches["ledger"] == "in", "area_m2"].sum()),
                      out_m2=float(patches.loc[patches["ledger"] == "out", "area_m2"].sum()))


def add_entry(ws: Workspace, actor: Actor, entry: LedgerEntryIn, *,
              now: datetime | None = None) -> LedgerEntry:
    """Append a manual entry or a correction (a correction must name the entry it offsets)."""
    _writer(actor, entry.county)
    if entry.source == "correction":
        if entry.corrects is None or not entry.note:
            raise InvalidInput("a correction names the entry it corrects and says why",
                               user_message="更正须注明被更正记录和原因")
    elif entry.area_m2 <= 0:
        raise InvalidInput("an entry's area must be positive (use a correction to offset)",
                           user_message="面积须为正数；冲减请用更正记录")
    now = now or _now()
    with ws.session() as s:
        if entry.corrects is not None:
            target = s.get(LedgerEntryRow, entry.corrects)
            if target is None or target.county != entry.county:
                raise NotFound(f"no ledger entry {entry.corrects} in county {entry.county}")
        row = LedgerEntryRow(ledger=LEDGER, actor=actor.username, at=now, batch_id=None,
                             **entry.model_dump())
        s.add(row)
        s.flush()
        out = LedgerEntry.model_validate(row, from_attributes=True)
    ws.audit(actor.username, "ledgers.entry", f"{entry.county}/{entry.year}",
             {"id": out.id, "direction": entry.direction, "area_m2": entry.area_m2,
              "source": entry.source})
    return out


def list_entries(ws: Workspace, actor: Actor, *, county: str | None = None,
                 year: int | None = None) -> list[LedgerEntry]:
    """Entries in the actor's scope, oldest first."""
    require_internal(actor)
    if county:
        actor.require(county, "the ledger")
    q = select(LedgerEntryRow).where(LedgerEntryRow.ledger == LEDGER).order_by(LedgerEntryRow.id)
    if county:
        q = q.where(LedgerEntryRow.county == county)
    if year is not None:
        q = q.where(LedgerEntryRow.year == year)
    with ws.session() as s:
        return [LedgerEntry.model_validate(r, from_attributes=True) for r in s.scalars(q)
                if actor.covers(r.county)]


def balance_report(ws: Workspace, actor: Actor, *, year: int | None = None,
                   counties: list[str] | None = None) -> LedgerReport:
    """进出平衡 per county and year in scope, with the roll-up for the actor's region."""
    entries = [e for e in list_entries(ws, actor, year=year)
               if not counties or e.county in counties]
    frame = pd.DataFrame([e.model_dump() for e in entries],
                         columns=["county", "year", "direction", "area_m2"])
    rows = balances(frame)
    region = ws.config.root_region if actor.covers(ws.config.root_region) else (
        actor.regions[0] if actor.regions else ws.config.root_region)
    return LedgerReport(rows=rows, province=roll_up(rows, region),
                        warnings=sum(r.warning for r in rows))
