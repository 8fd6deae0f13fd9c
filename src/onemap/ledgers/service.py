"""进出平衡 ledger service: post detection batches, add entries, report balances.

Entries are appended, never edited: a mistake is offset by a correction entry that
names the entry it corrects. Every call takes an :class:`Actor` and asks the one policy
(:meth:`Workspace.authorize`): reading is ``READ``, entries and postings ``EDIT`` in
their county, downloads ``EXPORT``. A batch is posted county by county: each
(batch, county) once, so one county's post leaves the others to be posted.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from onemap.change.service import get_batch, read_patches
from onemap.errors import InvalidInput, NotFound
from onemap.ledgers.balance import balances, roll_up
from onemap.ledgers.errors import AlreadyPosted
from onemap.ledgers.models import (
    LedgerEntry,
    LedgerEntryIn,
    LedgerReport,
    PostResult,
)
from onemap.ledgers.schema import LedgerEntryRow, LedgerPostingRow
from onemap.store.db import utc_now as _now
from onemap.store.policy import Action

if TYPE_CHECKING:
    from datetime import datetime

    from onemap.change.models import BatchSummary
    from onemap.store.access import Actor
    from onemap.store.workspace import Workspace

LEDGER = "in_out"  # 进出平衡
WHAT = "the farmland ledger"


def require_internal(ws: Workspace, actor: Actor) -> None:
    """Ledgers are internal: public (anonymous) users see none of it (401)."""
    ws.authorize(actor, Action.READ, what=WHAT)


def posted_counties(ws: Workspace, batch_id: int) -> set[str]:
    """Return the counties of a detection batch already posted to the ledger."""
    with ws.session() as s:
        return set(s.scalars(select(LedgerPostingRow.county).where(
            LedgerPostingRow.ledger == LEDGER, LedgerPostingRow.batch_id == batch_id)))


def _counties_to_post(ws: Workspace, actor: Actor, batch: BatchSummary,
                      counties: list[str] | None) -> tuple[list[str], list[str]]:
    """Return (counties to post now, counties of the request posted before)."""
    batch_id = batch.id
    what = f"ledger posting of batch {batch_id}"
    if counties:
        for county in counties:
            ws.authorize(actor, Action.EDIT, county, what=what)
        unknown = sorted(set(counties) - set(batch.counties))
        if unknown:
            raise InvalidInput(f"batch {batch_id} holds no county {', '.join(unknown)}")
        mine = set(counties)
    else:
        mine = {c for c in batch.counties if ws.allows(actor, Action.EDIT, c)}
    done = posted_counties(ws, batch_id) & mine
    todo = sorted(mine - done)
    if (counties and done) or (mine and not todo):
        listed = ", ".join(sorted(done))
        raise AlreadyPosted(f"batch {batch_id} is already in the ledger for {listed}",
                            user_message=f"检测批次 {batch_id} 已入账（{listed}）",
                            counties=sorted(done))
    return todo, sorted(done)


def post_batch(ws: Workspace, actor: Actor, batch_id: int, *,
               counties: list[str] | None = None, now: datetime | None = None) -> PostResult:
    """Append one entry per 进/出 patch of a detection batch (year = the batch's to-year).

    Without ``counties`` every county of the batch the actor may edit and not posted
    yet is posted; with ``counties`` exactly those. A county is posted once per batch:
    a request whose counties are all (or, with ``counties``, any) posted already is
    refused with :class:`AlreadyPosted` and posts nothing.
    """
    now = now or _now()
    ws.authorize(actor, Action.EDIT, what=f"ledger posting of batch {batch_id}")
    batch = get_batch(ws, actor, batch_id)
    todo, before = _counties_to_post(ws, actor, batch, counties)
    if not todo:  # a batch of no county: nothing to post
        return PostResult(batch_id=batch_id, year=batch.to_year, entries=0, in_m2=0.0,
                          out_m2=0.0)
    patches = read_patches(ws, actor, batch_id, todo)
    patches = patches[patches["ledger"].isin(["in", "out"])]
    per_county = patches.groupby("county").size().to_dict() if len(patches) else {}
    try:
        with ws.session() as s:
            for county in todo:
                s.add(LedgerPostingRow(ledger=LEDGER, batch_id=batch_id, county=county,
                                       entries=int(per_county.get(county, 0)),
                                       actor=actor.username, at=now))
            for p in patches.itertuples(index=False):
                s.add(LedgerEntryRow(ledger=LEDGER, county=p.county, year=batch.to_year,
                                     direction=p.ledger, area_m2=float(p.area_m2),
                                     source="change_batch", source_ref=p.id,
                                     batch_id=batch_id, corrects=None,
                                     note=f"{p.from_code}→{p.to_code}",
                                     actor=actor.username, at=now))
    except IntegrityError:  # a concurrent post of the same county won
        raise AlreadyPosted(f"batch {batch_id} was posted concurrently for {todo}",
                            user_message=f"检测批次 {batch_id} 已入账") from None
    ws.audit(actor.username, "ledgers.post", f"batch/{batch_id}",
             {"entries": len(patches), "counties": todo, "already_posted": before})
    return PostResult(batch_id=batch_id, year=batch.to_year, entries=len(patches),
                      in_m2=float(patches.loc[patches["ledger"] == "in", "area_m2"].sum()),
                      out_m2=float(patches.loc[patches["ledger"] == "out", "area_m2"].sum()),
                      counties=todo, already_posted=before)


def add_entry(ws: Workspace, actor: Actor, entry: LedgerEntryIn, *,
              now: datetime | None = None) -> LedgerEntry:
    """Append a manual entry or a correction (a correction must name the entry it offsets)."""
    ws.authorize(actor, Action.EDIT, entry.county, what=WHAT)
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
    require_internal(ws, actor)
    if county:
        ws.authorize(actor, Action.READ, county, what=WHAT)
    q = select(LedgerEntryRow).where(LedgerEntryRow.ledger == LEDGER).order_by(LedgerEntryRow.id)
    if county:
        q = q.where(LedgerEntryRow.county == county)
    if year is not None:
        q = q.where(LedgerEntryRow.year == year)
    with ws.session() as s:
        return [LedgerEntry.model_validate(r, from_attributes=True) for r in s.scalars(q)
                if ws.allows(actor, Action.READ, r.county)]


def balance_report(ws: Workspace, actor: Actor, *, year: int | None = None,
                   counties: list[str] | None = None) -> LedgerReport:
    """进出平衡 per county and year in scope, with the roll-up for the actor's region."""
    entries = [e for e in list_entries(ws, actor, year=year)
               if not counties or e.county in counties]
    frame = pd.DataFrame([e.model_dump() for e in entries],
                         columns=["county", "year", "direction", "area_m2"])
    rows = balances(frame)
    root = ws.root_region
    region = root if ws.allows(actor, Action.READ, root) else (
        actor.regions[0] if actor.regions else root)
    return LedgerReport(rows=rows, province=roll_up(rows, region),
                        warnings=sum(r.warning for r in rows))


def export_balance(ws: Workspace, actor: Actor, *, year: int | None = None,
                   fmt: str = "xlsx") -> LedgerReport:
    """Return the balance for a download (``EXPORT``, audited as ``ledgers.export``).

    The one function the API's ``balance.xlsx`` and the CLI's ``ledgers balance --xlsx``
    call, so both are refused and audited alike.
    """
    ws.authorize(actor, Action.EXPORT, what=WHAT)
    report = balance_report(ws, actor, year=year)
    ws.audit(actor.username, "ledgers.export", LEDGER,
             {"year": year, "format": fmt, "rows": len(report.rows)})
    return report
