"""Total extraction control (开采总量控制) service: allocations, monthly reports, balances.

Never overdrawn under concurrent reports: a report is judged and written inside one
transaction that first locks what it is judged against — on PostgreSQL the quota rows
of the mine, its city and the province (``SELECT … FOR UPDATE``, one statement in id
order, so two reports never deadlock), on SQLite the whole database
(``BEGIN IMMEDIATE``) — and then sums the production recorded so far. A concurrent
report waits, then sees the first one's entry. Allocations and entries are append-only
(database triggers); a wrong report is offset by a reversal (冲销) naming it, once.

Access: allocating and reporting are ``EDIT`` in the holder's region (a mine: its
county), reading ``READ``, downloads ``EXPORT``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from onemap.errors import InvalidInput, NotFound
from onemap.mining.errors import AlreadyReversed, QuotaExceeded, QuotaMissing, RightNotFound
from onemap.mining.models import (
    ProductionEntry,
    Quota,
    QuotaBalance,
    QuotaIn,
    QuotaReport,
    ReportIn,
)
from onemap.mining.quota import LEVEL_ZH, Standing, balance_row, judge_report
from onemap.mining.schema import MiningRightRow, ProductionRow, QuotaRow
from onemap.mining.service import load_rules, require_internal
from onemap.standards.regions import region_prefix
from onemap.store.db import utc_now as _now
from onemap.store.policy import Action

if TYPE_CHECKING:
    from datetime import datetime

    from sqlalchemy.orm import Session

    from onemap.store.access import Actor
    from onemap.store.workspace import Workspace

WHAT = "mining quotas"


def _lock(s: Session, mineral: str, year: int, holders: list[str]) -> list[QuotaRow]:
    """Begin the judging transaction: lock the quota rows of ``holders`` (or the database)."""
    if s.get_bind().dialect.name == "sqlite":
        s.execute(text("BEGIN IMMEDIATE"))
    q = (select(QuotaRow).where(QuotaRow.mineral == mineral, QuotaRow.year == year,
                                QuotaRow.holder.in_(holders)).order_by(QuotaRow.id))
    if s.get_bind().dialect.name == "postgresql":
        q = q.with_for_update()
    return list(s.scalars(q))


def _region_of(root: str, level: str, holder: str, county: str = "") -> str:
    if level == "mine":
        return county
    return holder if level == "city" else root


def _right(s: Session, right_no: str) -> MiningRightRow:
    row = s.scalars(select(MiningRightRow).where(
        MiningRightRow.right_no == right_no)).one_or_none()
    if row is None:
        raise RightNotFound(f"no mining right {right_no}", feature_id=right_no)
    return row


def _produced(s: Session, mineral: str, year: int, level: str, holder: str) -> float:
    q = select(func.coalesce(func.sum(ProductionRow.amount), 0.0)).where(
        ProductionRow.mineral == mineral, ProductionRow.year == year)
    if level == "mine":
        q = q.where(ProductionRow.right_no == holder)
    else:
        q = q.where(ProductionRow.county.like(region_prefix(holder) + "%"))
    return float(s.scalar(q) or 0.0)


def _chain(root: str, right: MiningRightRow) -> list[tuple[str, str]]:
    """(level, holder) of a mine's report: the mine, its city, the province."""
    return [("mine", right.right_no), ("city", right.county[:4] + "00"), ("province", root)]


def _standings(s: Session, rows: list[QuotaRow], chain: list[tuple[str, str]], mineral: str,
               year: int) -> list[Standing]:
    totals: dict[tuple[str, str], float] = {}
    for r in rows:
        totals[(r.level, r.holder)] = totals.get((r.level, r.holder), 0.0) + r.amount
    return [Standing(level, holder, totals[(level, holder)],  # type: ignore[arg-type]
                     _produced(s, mineral, year, level, holder))
            for level, holder in chain if (level, holder) in totals]


def _entry(row: ProductionRow) -> ProductionEntry:
    return ProductionEntry.model_validate(row, from_attributes=True)


def report_production(ws: Workspace, actor: Actor, report: ReportIn, *,
                      now: datetime | None = None) -> ProductionEntry:
    """Record a monthly report unless it would overdraw a quota the rules refuse.

    Raises :class:`QuotaExceeded` naming the quota (mineral, year, level, holder) and
    the shortfall, or :class:`QuotaMissing` for a controlled mineral without a mine
    quota; nothing is written then. Warned overdraws are recorded with the warning.
    """
    now = now or _now()
    rules = load_rules(ws).quota
    with ws.session() as s:
        right = _right(s, report.right_no)
        county = right.county
    ws.authorize(actor, Action.EDIT, county, what=f"production of {report.right_no}")
    chain = _chain(ws.root_region, right)
    with ws.session() as s:
        rows = _lock(s, report.mineral, report.year, [h for _, h in chain])
        standings = _standings(s, rows, chain, report.mineral, report.year)
        controlled = report.mineral in rules.controlled
        if controlled and not any(st.level == "mine" for st in standings):
            raise QuotaMissing(
                f"{report.mineral} is under total control and mine {report.right_no} has no "
                f"{report.year} quota", user_message=f"{report.right_no} 无 {report.year} 年"
                f"{report.mineral}开采总量控制指标，不予登记", right_no=report.right_no)
        verdict = judge_report(report.amount, standings, rules, mineral=report.mineral,
                               year=report.year)
        if verdict.refused_by is not None:
            st = verdict.refused_by
            quota = {"mineral": report.mineral, "year": report.year, "level": st.level,
                     "holder": st.holder, "quota": st.quota, "produced": st.produced,
                     "remaining": st.remaining}
            raise QuotaExceeded(
                f"report of {report.amount} for {report.right_no} exceeds the {report.year} "
                f"{report.mineral} {st.level} quota of {st.holder} ({st.quota}, "
                f"{st.remaining} left) by {verdict.shortfall}",
                user_message=f"超指标：{report.year} 年{report.mineral}"
                             f"{LEVEL_ZH[st.level]}级指标 {st.holder} 为 {st.quota:,.3f}，"
                             f"剩余 {st.remaining:,.3f}，本次 {report.amount:,.3f}，"
                             f"超出 {verdict.shortfall:,.3f}，不予登记",
                quota=quota, shortfall=verdict.shortfall)
        row = ProductionRow(right_no=report.right_no, county=county, city=county[:4] + "00",
                            mineral=report.mineral, year=report.year, month=report.month,
                            amount=report.amount, kind="report", reverses=None,
                            warning="；".join(verdict.warnings), note=report.note,
                            actor=actor.username, at=now)
        s.add(row)
        s.flush()
        out = _entry(row)
    ws.audit(actor.username, "mining.report", f"{report.right_no}/{report.year}-"
             f"{report.month:02d}", {"mineral": report.mineral, "amount": report.amount,
                                     "warning": out.warning})
    return out


def reverse_entry(ws: Workspace, actor: Actor, entry_id: int, note: str, *,
                  now: datetime | None = None) -> ProductionEntry:
    """Offset a report by a reversal (冲销) naming it; each report is reversed once."""
    if not note.strip():
        raise InvalidInput("a reversal says why", user_message="冲销须注明原因")
    now = now or _now()
    with ws.session() as s:
        target = s.get(ProductionRow, entry_id)
        if target is None or target.kind != "report":
            raise NotFound(f"no production report {entry_id}")
        county = target.county
    ws.authorize(actor, Action.EDIT, county, what=f"production entry {entry_id}")
    try:
        with ws.session() as s:
            t = s.get(ProductionRow, entry_id)
            assert t is not None
            row = ProductionRow(right_no=t.right_no, county=t.county, city=t.city,
                                mineral=t.mineral, year=t.year, month=t.month,
                                amount=-t.amount, kind="reversal", reverses=t.id,
                                warning="", note=note, actor=actor.username, at=now)
            s.add(row)
            s.flush()
            out = _entry(row)
    except IntegrityError:
        raise AlreadyReversed(f"production report {entry_id} is reversed already",
                              user_message=f"记录 {entry_id} 已冲销") from None
    ws.audit(actor.username, "mining.reverse", f"entry/{entry_id}", {"note": note})
    return out


def allocate(ws: Workspace, actor: Actor, quota: QuotaIn, *,
             now: datetime | None = None) -> Quota:
    """Append an allocation (or an adjustment) of an annual quota.

    Province quotas belong to the root region, city quotas to the city, mine quotas to
    the mine's county. The allocations of a level may not exceed its parent's quota when
    the parent has one (a mine's parent is its city, else the province).
    """
    now = now or _now()
    root = ws.root_region
    county = ""
    if quota.level == "mine":
        with ws.session() as s:
            county = _right(s, quota.holder).county
    elif quota.level == "city" and not (len(quota.holder) == 6 and quota.holder.isdigit()):
        raise InvalidInput(f"a city quota's holder is a 6-digit city code, not {quota.holder!r}")
    elif quota.level == "province" and quota.holder != root:
        raise InvalidInput(f"the province quota's holder is {root}, not {quota.holder!r}")
    region = _region_of(root, quota.level, quota.holder, county)
    ws.authorize(actor, Action.EDIT, region, what=WHAT)
    unit = load_rules(ws).quota.units.get(quota.mineral, "t")
    parent = {"mine": [county[:4] + "00", root], "city": [root], "province": []}[quota.level]
    with ws.session() as s:
        rows = _lock(s, quota.mineral, quota.year, [quota.holder, *parent])
        _check_parent(s, rows, quota, parent)
        row = QuotaRow(region=region, unit=unit, actor=actor.username, at=now,
                       **quota.model_dump())
        s.add(row)
        s.flush()
        out = Quota.model_validate(row, from_attributes=True)
    ws.audit(actor.username, "mining.quota", f"{quota.mineral}/{quota.year}/{quota.holder}",
             {"level": quota.level, "amount": quota.amount})
    return out


def _check_parent(s: Session, rows: list[QuotaRow], quota: QuotaIn, parent: list[str]) -> None:
    own = sum(r.amount for r in rows if r.holder == quota.holder)
    if own + quota.amount < 0:
        raise InvalidInput(f"the quota of {quota.holder} would become negative")
    holder = next((p for p in parent if any(r.holder == p for r in rows)), None)
    if holder is None:
        return
    limit = sum(r.amount for r in rows if r.holder == holder)
    child_level = quota.level
    q = select(func.coalesce(func.sum(QuotaRow.amount), 0.0)).where(
        QuotaRow.mineral == quota.mineral, QuotaRow.year == quota.year,
        QuotaRow.level == child_level, QuotaRow.region.like(region_prefix(holder) + "%"))
    allocated = float(s.scalar(q) or 0.0) + quota.amount
    if allocated > limit + 1e-9:
        raise InvalidInput(
            f"allocations to {child_level} level would total {allocated} above the "
            f"{quota.year} {quota.mineral} quota {limit} of {holder}",
            user_message=f"下达的{LEVEL_ZH[child_level]}级指标合计 {allocated:,.3f} 超过 "
                         f"{holder} 的指标 {limit:,.3f}")


def list_entries(ws: Workspace, actor: Actor, *, year: int | None = None,
                 right_no: str | None = None) -> list[ProductionEntry]:
    """Production entries in scope, oldest first."""
    require_internal(ws, actor)
    q = select(ProductionRow).order_by(ProductionRow.id)
    if year is not None:
        q = q.where(ProductionRow.year == year)
    if right_no:
        q = q.where(ProductionRow.right_no == right_no)
    with ws.session() as s:
        return [_entry(r) for r in s.scalars(q) if ws.allows(actor, Action.READ, r.county)]


def list_quotas(ws: Workspace, actor: Actor, *, year: int | None = None) -> list[Quota]:
    """Allocation rows in scope, oldest first."""
    require_internal(ws, actor)
    q = select(QuotaRow).order_by(QuotaRow.id)
    if year is not None:
        q = q.where(QuotaRow.year == year)
    with ws.session() as s:
        return [Quota.model_validate(r, from_attributes=True) for r in s.scalars(q)
                if ws.allows(actor, Action.READ, r.region)]


def balance_report(ws: Workspace, actor: Actor, year: int) -> QuotaReport:
    """Quota, production and remainder of every holder in scope (by mineral and level)."""
    quotas = list_quotas(ws, actor, year=year)
    totals: dict[tuple[str, str, str], float] = {}
    units: dict[str, str] = {}
    for q in quotas:
        key = (q.mineral, q.level, q.holder)
        totals[key] = totals.get(key, 0.0) + q.amount
        units[q.mineral] = q.unit
    order = {"province": 0, "city": 1, "mine": 2}
    with ws.session() as s:
        names = dict(s.execute(select(MiningRightRow.right_no, MiningRightRow.name)).all())
        rows: list[QuotaBalance] = [
            balance_row(mineral, year, level, holder, amount,  # type: ignore[arg-type]
                        _produced(s, mineral, year, level, holder),
                        name=names.get(holder, ""), unit=units.get(mineral, ""))
            for (mineral, level, holder), amount in sorted(
                totals.items(), key=lambda kv: (kv[0][0], order[kv[0][1]], kv[0][2]))]
    return QuotaReport(year=year, rows=rows)
