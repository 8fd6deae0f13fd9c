"""占补平衡 quota ledger service: credit projects, debit occupations, transfer, reverse.

Every posting goes through :func:`onemap.store.accounts.post`, which locks the county's
accounts inside the database transaction, so concurrent debits can never overdraw.
Areas come from DLTB by the site-review overlay (:mod:`onemap.quota.measure`). Access:
reading is ``READ`` in the county, credits, debits and reversals ``EDIT`` in the
county, transfers (跨区域调剂) ``CONFIGURE`` at the province (province admins) and
``EDIT`` in both counties; downloads ``EXPORT``.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

import shapely
from shapely.geometry import mapping, shape
from sqlalchemy import select

from onemap.errors import InvalidInput, NotFound
from onemap.quota.allocate import (
    BOOK,
    account_keys,
    capacity_of,
    capacity_per_m2,
    plan_debit,
    plan_transfer,
)
from onemap.quota.errors import DuplicatePosting, NoFarmlandOccupied
from onemap.quota.measure import check_project, measure_farmland
from onemap.quota.models import (
    M2_PER_MU,
    BalanceRow,
    DebitIn,
    DebitResult,
    Draw,
    Measured,
    Posting,
    Project,
    ProjectIn,
    QuotaReport,
    RemainingQuota,
    TransferIn,
)
from onemap.quota.schema import QuotaDebitRow, QuotaProjectRow
from onemap.store.accounts import (
    AccountEntryRow,
    AccountKey,
    AccountRow,
    AccountTxnRow,
    Leg,
    Posted,
    account_balances,
    post,
    reversal_legs,
)
from onemap.store.db import utc_now as _now
from onemap.store.policy import Action
from onemap.store.reader import WorkspaceReader

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime

    import geopandas as gpd
    from sqlalchemy.orm import Session

    from onemap.store.access import Actor
    from onemap.store.accounts import AccountState
    from onemap.store.workspace import Workspace

WHAT = "the farmland quota ledger"
DLTB_COLUMNS = ("DLBM", "KCDLBM", "KCXS", "GDDB", "ZLDWDM", "county")


def _geom(obj: dict[str, Any], what: str) -> shapely.Geometry:
    try:
        geom = shape(obj)
    except (AttributeError, KeyError, TypeError, ValueError) as exc:
        raise InvalidInput(f"{what}: not a GeoJSON geometry ({exc})", feature_id=what) from None
    if geom.is_empty or geom.geom_type not in ("Polygon", "MultiPolygon"):
        raise InvalidInput(f"{what}: not a polygon", feature_id=what)
    if not geom.is_valid:
        raise InvalidInput(f"{what}: invalid polygon ({shapely.is_valid_reason(geom)})",
                           feature_id=what)
    return geom


def _dltb(ws: Workspace, actor: Actor, geom: shapely.Geometry, county: str, year: int,
          *, before: bool, reader: WorkspaceReader | None) -> tuple[gpd.GeoDataFrame, int]:
    """Read DLTB near ``geom`` in ``county``: vintage ``year`` (credits) or the last before it."""
    vintages = ws.vintages("dltb")
    usable = [v for v in vintages if (v < year if before else v <= year)]
    if not usable and before:
        usable = vintages[:1]
    if not usable:
        raise InvalidInput(f"no DLTB vintage for {year} to measure farmland against",
                           user_message=f"缺少 {year} 年地类图斑，无法核实耕地")
    vintage = usable[-1]
    scoped = (reader or WorkspaceReader(ws)).scoped(actor)
    entry = scoped.layer("dltb", vintage)
    frame = scoped.near(entry, tuple(float(v) for v in geom.bounds),  # type: ignore[arg-type]
                        DLTB_COLUMNS).frame
    if "county" in frame.columns:
        frame = frame[frame["county"].astype(str) == county]
    return frame, vintage


def measure(ws: Workspace, actor: Actor, geom: shapely.Geometry, county: str, year: int, *,
            before: bool, ref: str = "", reader: WorkspaceReader | None = None) -> Measured:
    """Measure the farmland of ``geom`` in ``county`` (DLTB of ``year``, or before it)."""
    frame, vintage = _dltb(ws, actor, geom, county, year, before=before, reader=reader)
    return measure_farmland(geom, frame, vintage, ref)


# -- credits -----------------------------------------------------------------------------

def check_projects(ws: Workspace, actor: Actor, projects: list[ProjectIn], *,
                   reader: WorkspaceReader | None = None) -> list[Measured]:
    """Validate projects against DLTB (raises on the first mismatch); nothing is written."""
    reader = reader or WorkspaceReader(ws)
    out = []
    seen: set[str] = set()
    for p in projects:
        ws.authorize(actor, Action.EDIT, p.county, what=WHAT)
        if p.project_no in seen:
            raise DuplicatePosting(f"project {p.project_no} appears twice",
                                   feature_id=p.project_no)
        seen.add(p.project_no)
        geom = _geom(p.geometry, p.project_no)
        m = measure(ws, actor, geom, p.county, p.accepted_on.year, before=False,
                    ref=p.project_no, reader=reader)
        check_project(p, m)
        out.append(m)
    with ws.session() as s:
        known = set(s.scalars(select(QuotaProjectRow.project_no).where(
            QuotaProjectRow.project_no.in_(seen))))
    if known:
        raise DuplicatePosting(f"projects already credited: {', '.join(sorted(known))}",
                               user_message=f"补充耕地项目已入账：{', '.join(sorted(known))}")
    return out


def add_projects(ws: Workspace, actor: Actor, projects: list[ProjectIn], *,
                 now: datetime | None = None,
                 reader: WorkspaceReader | None = None) -> list[Project]:
    """Credit supplementary-farmland projects (all checked first; any mismatch: none added)."""
    measured = check_projects(ws, actor, projects, reader=reader)
    return [_credit(ws, actor, p, m, now or _now()) for p, m in zip(projects, measured,
                                                                     strict=True)]


def _credit(ws: Workspace, actor: Actor, p: ProjectIn, m: Measured, now: datetime) -> Project:
    keys = account_keys(p.county)
    capacity = p.capacity_kg if p.capacity_kg is not None else p.area_m2 * capacity_per_m2(
        p.grade)
    memo = f"补充耕地项目 {p.project_no}"
    legs = [Leg(keys["quantity"], p.area_m2, p.accepted_on, grade=p.grade, memo=memo),
            Leg(keys["capacity"], capacity, p.accepted_on, grade=p.grade, memo=memo)]
    if p.paddy_m2 > 0:
        legs.insert(1, Leg(keys["paddy"], p.paddy_m2, p.accepted_on, grade=p.grade, memo=memo))
    geom = _geom(p.geometry, p.project_no)
    holder: dict[str, QuotaProjectRow] = {}

    def record(s: Session, posted: Posted) -> None:
        row = QuotaProjectRow(project_no=p.project_no, name=p.name, county=p.county,
                              accepted_on=p.accepted_on, area_m2=p.area_m2,
                              paddy_m2=p.paddy_m2, grade=p.grade, capacity_kg=capacity,
                              txn_id=posted.txn_id, measured=m.model_dump(),
                              geometry=shapely.to_wkb(geom), actor=actor.username, at=now)
        s.add(row)
        s.flush()
        holder["row"] = row

    _post(ws, list(keys.values()), lambda _states: legs, kind="credit", ref=p.project_no,
          value_date=p.accepted_on, actor=actor, now=now, memo=memo,
          detail={"counties": [p.county]}, on_posted=record, dup=f"project {p.project_no}")
    ws.audit(actor.username, "quota.credit", f"{p.county}/{p.project_no}",
             {"area_m2": p.area_m2, "paddy_m2": p.paddy_m2, "grade": p.grade})
    return _project(holder["row"])


def _project(row: QuotaProjectRow) -> Project:
    return Project(id=row.id, project_no=row.project_no, name=row.name, county=row.county,
                   accepted_on=row.accepted_on, area_m2=row.area_m2, paddy_m2=row.paddy_m2,
                   grade=row.grade, capacity_kg=row.capacity_kg, txn_id=row.txn_id,
                   measured=Measured.model_validate(row.measured), actor=row.actor, at=row.at)


def _post(ws: Workspace, keys: list[AccountKey],
          plan: Callable[[dict[AccountKey, AccountState]], list[Leg]], *, kind: str, ref: str,
          value_date: date, actor: Actor, now: datetime, memo: str, detail: dict[str, Any],
          on_posted: Callable[[Session, Posted], None] | None = None, dup: str = "",
          reverses: int | None = None) -> Posted:
    from sqlalchemy.exc import IntegrityError

    try:
        return post(ws, keys, plan, book=BOOK, kind=kind, ref=ref, value_date=value_date,
                    actor=actor.username, at=now, memo=memo, detail=detail,
                    on_posted=on_posted, reverses=reverses)
    except IntegrityError:  # the unique project number / debit reference
        raise DuplicatePosting(f"{dup or ref} is in the ledger already",
                               user_message=f"{dup or ref} 已入账") from None


# -- debits ------------------------------------------------------------------------------

def debit(ws: Workspace, actor: Actor, d: DebitIn, *, now: datetime | None = None,
          reader: WorkspaceReader | None = None) -> DebitResult:
    """Debit the farmland an approval or reviewed site occupies (measured in DLTB).

    Raises :class:`~onemap.store.accounts.AccountOverdrawn` (account and shortfall),
    :class:`~onemap.store.accounts.ValueDateViolation` (先补后占) or
    :class:`NoFarmlandOccupied`; nothing is written then.
    """
    ws.authorize(actor, Action.EDIT, d.county, what=WHAT)
    now = now or _now()
    geom = _geom(d.geometry, d.ref)
    m = measure(ws, actor, geom, d.county, d.value_date.year, before=True, ref=d.ref,
                reader=reader)
    if m.farmland_m2 <= 0.01:
        raise NoFarmlandOccupied(f"{d.ref} occupies no farmland in DLTB {m.dltb_vintage}",
                                 feature_id=d.ref,
                                 user_message=f"{d.ref} 未占用耕地（{m.dltb_vintage} 年地类图斑）")
    graded = {int(g): a for g, a in m.by_grade.items() if g}
    ungraded = m.by_grade.get("", 0.0)
    if ungraded > 0:
        graded[15] = graded.get(15, 0.0) + ungraded
    capacity = capacity_of({g: a for g, a in m.by_grade.items() if g}, ungraded)
    memo = f"占用耕地 {d.ref}"
    out: dict[str, Any] = {}

    def plan(states: dict[AccountKey, AccountState]) -> list[Leg]:
        p = plan_debit(states, d.county, d.value_date, graded, m.paddy_m2, capacity, memo)
        out["plan"] = p
        return p.legs

    def record(s: Session, posted: Posted) -> None:
        p = out["plan"]
        res = DebitResult(txn_id=posted.txn_id, ref=d.ref, county=d.county,
                          value_date=d.value_date, measured=m, capacity_kg=capacity,
                          draws=p.draws, grade_matched=p.grade_matched,
                          capacity_shortfall_kg=p.capacity_shortfall_kg,
                          balances=posted.balances)
        out["result"] = res
        s.add(QuotaDebitRow(ref=d.ref, source=d.source, county=d.county,
                            value_date=d.value_date, txn_id=posted.txn_id,
                            result=res.model_dump(mode="json"),
                            geometry=shapely.to_wkb(geom), actor=actor.username, at=now))

    _post(ws, list(account_keys(d.county).values()), plan, kind="debit", ref=d.ref,
          value_date=d.value_date, actor=actor, now=now, memo=memo,
          detail={"counties": [d.county], "source": d.source}, on_posted=record,
          dup=f"debit {d.ref}")
    result: DebitResult = out["result"]
    ws.audit(actor.username, "quota.debit", f"{d.county}/{d.ref}",
             {"farmland_m2": m.farmland_m2, "paddy_m2": m.paddy_m2,
              "grade_matched": result.grade_matched})
    return result


def approval_debit(ws: Workspace, actor: Actor, pzwh: str, *,
                   reader: WorkspaceReader | None = None) -> DebitIn:
    """Build the debit of an approval (批准建设用地, by 批准文号) from the approval layer."""
    scoped = (reader or WorkspaceReader(ws)).scoped(actor)
    entry, _held = scoped.latest("approval")
    if entry is None:
        raise NotFound("the workspace holds no approval layer")
    for part in scoped.partitions(entry):
        frame = ws.read_partition(part)
        hit = frame[frame["PZWH"].astype(str) == pzwh]
        if len(hit):
            row = hit.iloc[0]
            geom = shapely.union_all(hit.geometry.to_numpy())
            try:
                when = date.fromisoformat(str(row.get("PZRQ", ""))[:10])
            except ValueError:
                raise InvalidInput(f"approval {pzwh} has no readable 批准日期 PZRQ",
                                   feature_id=pzwh) from None
            return DebitIn(ref=pzwh, county=str(row["county"]), value_date=when,
                           source="approval", name=str(row.get("YDLX", "")),
                           geometry=mapping(geom))
    raise NotFound(f"no approval {pzwh} in scope", user_message=f"未找到批准文号 {pzwh}")


def debit_approval(ws: Workspace, actor: Actor, pzwh: str, *,
                   reader: WorkspaceReader | None = None) -> DebitResult:
    """Debit the approval ``pzwh`` of the approval layer."""
    return debit(ws, actor, approval_debit(ws, actor, pzwh, reader=reader), reader=reader)


def review_debit(ws: Workspace, actor: Actor, review_id: str, county: str,
                 value_date: date) -> DebitIn:
    """Build the debit of a recorded site review (its parcels) for ``county``."""
    from onemap.review.service import ReviewService

    site = ReviewService(ws).site_of(review_id, actor)
    return DebitIn(ref=f"review:{review_id}", county=county, value_date=value_date,
                   source="review", geometry=mapping(shapely.union_all(site.geometry.to_numpy())))


# -- transfers and reversals -------------------------------------------------------------

def transfer(ws: Workspace, actor: Actor, t: TransferIn, *,
             now: datetime | None = None) -> Posting:
    """跨区域调剂: move quota from one county to another, both sides in one transaction."""
    ws.authorize(actor, Action.CONFIGURE, ws.root_region, what="quota transfers")
    for county in (t.from_county, t.to_county):
        ws.authorize(actor, Action.EDIT, county, what=WHAT)
    if t.from_county == t.to_county:
        raise InvalidInput("a transfer moves quota between two different counties")
    now = now or _now()
    keys = [*account_keys(t.from_county).values(), *account_keys(t.to_county).values()]
    posted = _post(ws, keys, lambda st: plan_transfer(
        st, t.from_county, t.to_county, t.value_date, t.quantity_m2, t.paddy_m2,
        t.capacity_kg), kind="transfer", ref=t.ref, value_date=t.value_date, actor=actor,
        now=now, memo=f"跨区域调剂 {t.from_county} → {t.to_county}",
        detail={"counties": [t.from_county, t.to_county]})
    ws.audit(actor.username, "quota.transfer", f"{t.from_county}->{t.to_county}",
             {"ref": t.ref, "quantity_m2": t.quantity_m2, "txn": posted.txn_id})
    return _postings(ws, actor, txn_ids=[posted.txn_id])[0]


def reverse(ws: Workspace, actor: Actor, txn_id: int, *, reason: str,
            value_date: date | None = None, now: datetime | None = None) -> Posting:
    """Reverse a posting by a new one of the negated legs (冲销; never an edit, once)."""
    if not reason.strip():
        raise InvalidInput("a reversal says why", user_message="冲销须注明原因")
    now = now or _now()
    when = value_date or now.date()
    legs, txn = reversal_legs(ws, txn_id, BOOK, when)
    counties = sorted({leg.account.owner for leg in legs})
    for county in counties:
        ws.authorize(actor, Action.EDIT, county, what=WHAT)
    keys = list(dict.fromkeys(leg.account for leg in legs))
    posted = _post(ws, keys, lambda _st: legs, kind="reversal", ref=txn.ref,
                   value_date=when, actor=actor, now=now, memo=reason,
                   detail={"counties": counties, "reversed_kind": txn.kind},
                   reverses=txn_id, dup=f"reversal of {txn_id}")
    ws.audit(actor.username, "quota.reverse", f"txn/{txn_id}", {"by": posted.txn_id,
                                                                "reason": reason})
    return _postings(ws, actor, txn_ids=[posted.txn_id])[0]


# -- reads -------------------------------------------------------------------------------

def _postings(ws: Workspace, actor: Actor, *, county: str | None = None,
              txn_ids: list[int] | None = None, limit: int = 500) -> list[Posting]:
    q = (select(AccountTxnRow, AccountEntryRow.amount, AccountRow.owner, AccountRow.kind)
         .join(AccountEntryRow, AccountEntryRow.txn_id == AccountTxnRow.id)
         .join(AccountRow, AccountRow.id == AccountEntryRow.account_id)
         .where(AccountTxnRow.book == BOOK).order_by(AccountTxnRow.id))
    if txn_ids:
        q = q.where(AccountTxnRow.id.in_(txn_ids))
    out: dict[int, Posting] = {}
    with ws.session() as s:
        reversed_by = dict(s.execute(select(AccountTxnRow.reverses, AccountTxnRow.id).where(
            AccountTxnRow.book == BOOK, AccountTxnRow.reverses.is_not(None))).all())
        for txn, amount, owner, kind in s.execute(q):
            p = out.get(txn.id)
            if p is None:
                p = out[txn.id] = Posting(
                    txn_id=txn.id, kind=txn.kind, ref=txn.ref, value_date=txn.value_date,
                    actor=txn.actor, at=txn.at, reverses=txn.reverses,
                    reversed_by=reversed_by.get(txn.id), counties=[], amounts={},
                    detail=dict(txn.detail or {}))
            if owner not in p.counties:
                p.counties.append(owner)
            key = f"{owner}/{kind}"
            p.amounts[key] = p.amounts.get(key, 0.0) + float(amount)
    rows = []
    for p in out.values():  # a transfer shows only the sides the actor may read
        mine = [c for c in p.counties if ws.allows(actor, Action.READ, c)]
        if not mine or (county is not None and county not in mine):
            continue
        p.counties = mine
        p.amounts = {k: v for k, v in p.amounts.items() if k.split("/", 1)[0] in mine}
        if set(p.detail.get("counties", [])) - set(mine):
            p.detail = {k: v for k, v in p.detail.items() if k != "counties"}
        rows.append(p)
    return rows[-limit:]


def history(ws: Workspace, actor: Actor, *, county: str | None = None,
            limit: int = 500) -> list[Posting]:
    """List postings in the actor's scope (of one county), oldest first."""
    ws.authorize(actor, Action.READ, county, what=WHAT)
    return _postings(ws, actor, county=county, limit=limit)


def _row(county: str, name: str, values: dict[str, float], by_grade: dict[str, float],
         credited: float, debited: float) -> BalanceRow:
    q, p = values.get("quantity", 0.0), values.get("paddy", 0.0)
    return BalanceRow(county=county, name=name, quantity_m2=round(q, 4),
                      quantity_ha=round(q / 1e4, 6), quantity_mu=round(q / M2_PER_MU, 4),
                      paddy_m2=round(p, 4), paddy_ha=round(p / 1e4, 6),
                      paddy_mu=round(p / M2_PER_MU, 4),
                      capacity_kg=round(values.get("capacity", 0.0), 4),
                      by_grade=dict(sorted(by_grade.items(), key=lambda kv: int(kv[0]))),
                      credited_m2=round(credited, 4), debited_m2=round(debited, 4))


def _grades(ws: Workspace) -> tuple[dict[str, dict[str, float]], dict[str, tuple[float, float]]]:
    """Return remaining quantity per county and lot grade; credited and debited m² per county."""
    q = (select(AccountRow.owner, AccountEntryRow)
         .join(AccountEntryRow, AccountEntryRow.account_id == AccountRow.id)
         .where(AccountRow.book == BOOK, AccountRow.kind == "quantity"))
    lots: dict[int, tuple[str, int | None, float]] = {}
    drawn: dict[int, float] = {}
    flows: dict[str, list[float]] = {}
    with ws.session() as s:
        for owner, e in s.execute(q):
            f = flows.setdefault(owner, [0.0, 0.0])
            f[0 if e.amount > 0 else 1] += abs(float(e.amount))
            if e.lot_id is None and e.amount > 0:
                lots[e.id] = (owner, e.grade, float(e.amount))
            elif e.lot_id is not None:
                drawn[e.lot_id] = drawn.get(e.lot_id, 0.0) + float(e.amount)
    out: dict[str, dict[str, float]] = {}
    for lot_id, (owner, grade, amount) in lots.items():
        rest = amount + drawn.get(lot_id, 0.0)
        if rest > 1e-6:
            g = out.setdefault(owner, {})
            g[str(grade or 15)] = g.get(str(grade or 15), 0.0) + rest
    return out, {k: (v[0], v[1]) for k, v in flows.items()}


def balances(ws: Workspace, actor: Actor, *, names: dict[str, str] | None = None
             ) -> QuotaReport:
    """Return the remaining quota per county in the actor's scope and their total."""
    ws.authorize(actor, Action.READ, what=WHAT)
    values: dict[str, dict[str, float]] = {}
    for acc in account_balances(ws, BOOK):
        if ws.allows(actor, Action.READ, acc.owner):
            values.setdefault(acc.owner, {})[acc.kind] = float(acc.balance)
    grades, flows = _grades(ws)
    names = names or {}
    rows = [_row(c, names.get(c, ""), v, grades.get(c, {}), *flows.get(c, (0.0, 0.0)))
            for c, v in sorted(values.items())]
    total: dict[str, float] = {}
    tg: dict[str, float] = {}
    for c, v in values.items():
        for k, x in v.items():
            total[k] = total.get(k, 0.0) + x
        for g, x in grades.get(c, {}).items():
            tg[g] = tg.get(g, 0.0) + x
    root = ws.root_region
    return QuotaReport(rows=rows, total=_row(root, "合计", total, tg,
                                             sum(r.credited_m2 for r in rows),
                                             sum(r.debited_m2 for r in rows)))


def export_balances(ws: Workspace, actor: Actor, fmt: str = "xlsx") -> QuotaReport:
    """Return the balances for a download (``EXPORT``, audited as ``quota.export``)."""
    ws.authorize(actor, Action.EXPORT, what=WHAT)
    report = balances(ws, actor)
    ws.audit(actor.username, "quota.export", BOOK, {"format": fmt, "rows": len(report.rows)})
    return report


def remaining_quota(ws: Workspace, actor: Actor, counties: list[str]) -> list[RemainingQuota]:
    """Return the remaining quota of the counties a site touches (those readable)."""
    wanted = {c for c in counties if ws.allows(actor, Action.READ, c)}
    if not wanted:
        return []
    values: dict[str, dict[str, float]] = {c: {} for c in wanted}
    for acc in account_balances(ws, BOOK):
        if acc.owner in wanted:
            values[acc.owner][acc.kind] = float(acc.balance)
    grades, _flows = _grades(ws)
    return [RemainingQuota(county=c, quantity_m2=v.get("quantity", 0.0),
                           paddy_m2=v.get("paddy", 0.0), capacity_kg=v.get("capacity", 0.0),
                           by_grade=grades.get(c, {})) for c, v in sorted(values.items())]


def review_lookup(ws: Workspace) -> Callable[[Actor, list[str]], list[dict[str, Any]]]:
    """Return the quota lookup a :class:`~onemap.review.service.ReviewService` is given.

    The seam: site review shows the remaining quota next to its 占补平衡 need without
    importing the quota capability.
    """

    def lookup(actor: Actor, counties: list[str]) -> list[dict[str, Any]]:
        return [q.model_dump() for q in remaining_quota(ws, actor, counties)]

    return lookup


def projects(ws: Workspace, actor: Actor) -> list[Project]:
    """List credited projects in scope."""
    ws.authorize(actor, Action.READ, what=WHAT)
    with ws.session() as s:
        rows = list(s.scalars(select(QuotaProjectRow).order_by(QuotaProjectRow.id)))
        return [_project(r) for r in rows if ws.allows(actor, Action.READ, r.county)]


def debits(ws: Workspace, actor: Actor) -> list[DebitResult]:
    """List posted debits in scope."""
    ws.authorize(actor, Action.READ, what=WHAT)
    with ws.session() as s:
        rows = list(s.scalars(select(QuotaDebitRow).order_by(QuotaDebitRow.id)))
        return [DebitResult.model_validate(r.result) for r in rows
                if ws.allows(actor, Action.READ, r.county)]


__all__ = ["Draw", "add_projects", "approval_debit", "balances", "debit", "debits",
           "export_balances", "history", "projects", "remaining_quota", "reverse", "transfer"]
