"""Choose the credited lots a debit or transfer draws on (pure): 占优补优, 先补后占.

A county's quota is held as lots — one per credit, with the 耕地等别 grade and 验收
date of the project behind it. A debit of farmland of grade *g* is matched first by
lots of grade ≤ *g* (equal or better; the worst of those first, to keep better quota for
better land), then — only where those run out — by worse lots, and the grain capacity
lost that way is reported as the shortfall (产能缺口). Lots accepted after the debit's
date cannot be used (先补后占).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from onemap.quota.models import Draw
from onemap.store.accounts import AccountKey, AccountOverdrawn, Leg, Lot, ValueDateViolation

if TYPE_CHECKING:
    from datetime import date

    from onemap.store.accounts import AccountState

BOOK = "farmland_quota"  # 耕地占补平衡指标
WORST_GRADE = 15
_EPS = 1e-6


def capacity_per_m2(grade: int | None) -> float:
    """Return the standard grain capacity (标准粮产能) of a national grade, kg/yr per m².

    GB/T 28407 bands the national 等别 by standard grain output in steps of 1500 kg/ha
    (grade 1 ≥ 21000 kg/ha, grade 15 < 1500); the band's midpoint is used. Ungraded land
    counts as the worst grade.

    Examples
    --------
    >>> capacity_per_m2(15), capacity_per_m2(1)
    (0.075, 2.175)
    """
    g = WORST_GRADE if grade is None else min(max(int(grade), 1), WORST_GRADE)
    return ((WORST_GRADE - g) * 1500 + 750) / 10_000


def capacity_of(by_grade: dict[str, float], ungraded_m2: float = 0.0) -> float:
    """Return the grain capacity (kg/yr) of farmland given as 等别 → m²."""
    total = sum(capacity_per_m2(int(g)) * a for g, a in by_grade.items() if g)
    return total + capacity_per_m2(None) * ungraded_m2


def account_keys(county: str) -> dict[str, AccountKey]:
    """Return the three quota accounts of a county (quantity, paddy, capacity)."""
    from onemap.quota.models import QUOTA_KINDS, UNITS

    return {k: AccountKey(BOOK, county, k, UNITS[k]) for k in QUOTA_KINDS}


@dataclass
class DebitPlan:
    """Legs of a debit and its quality outcome (filled by :func:`plan_debit`)."""

    legs: list[Leg] = field(default_factory=list)
    draws: list[Draw] = field(default_factory=list)
    capacity_shortfall_kg: float = 0.0
    grade_matched: bool = True


def _shortfall(state: AccountState, need: float, usable: float, later: list[Lot],
               when: date) -> None:
    """Raise the refusal for ``need`` > ``usable``: 先补后占 if later lots would cover."""
    short = need - usable
    if later and usable + sum(x.remaining for x in later) >= need - _EPS:
        first = min(x.value_date for x in later)
        raise ValueDateViolation(
            f"{state.key}: {need:.2f} {state.key.unit} needed on {when}, only {usable:.2f} "
            f"credited by then; the rest was accepted on {first} or later (先补后占)",
            user_message=f"先补后占：{state.key} 在 {when} 前仅有 {usable:.2f} "
                         f"{state.key.unit}，其余指标验收于 {first} 之后",
            account=str(state.key), shortfall=short, debit_date=str(when),
            credit_date=str(first))
    raise AccountOverdrawn(
        f"account {state.key} holds {usable:.2f} {state.key.unit} usable on {when}, the "
        f"posting needs {need:.2f}: short by {short:.2f} {state.key.unit}",
        user_message=f"指标不足：{state.key} 可用 {usable:.2f} {state.key.unit}，"
                     f"需 {need:.2f}，缺 {short:.2f} {state.key.unit}",
        account=str(state.key), balance=state.balance, requested=need, shortfall=short)


def _take(lots: list[Lot], need: float, used: dict[int, float]) -> list[tuple[Lot, float]]:
    """Take ``need`` from ``lots`` in order, tracking what was ``used`` of each lot."""
    out: list[tuple[Lot, float]] = []
    for lot in lots:
        if need <= _EPS:
            break
        free = lot.remaining - used.get(lot.entry_id, 0.0)
        if free <= _EPS:
            continue
        part = min(free, need)
        used[lot.entry_id] = used.get(lot.entry_id, 0.0) + part
        out.append((lot, part))
        need -= part
    return out


def _usable(state: AccountState, when: date) -> tuple[list[Lot], list[Lot]]:
    now = [x for x in state.lots if x.value_date <= when]
    return now, [x for x in state.lots if x.value_date > when]


def _draw_plain(plan: DebitPlan, state: AccountState, need: float, when: date,
                kind: str, memo: str) -> None:
    """Draw ``need`` from an account's lots, oldest first (paddy, capacity)."""
    if need <= _EPS:
        return
    now, later = _usable(state, when)
    usable = sum(x.remaining for x in now)
    if usable < need - _EPS:
        _shortfall(state, need, usable, later, when)
    for lot, part in _take(now, need, {}):
        plan.legs.append(Leg(state.key, -part, when, grade=lot.grade, lot=lot.entry_id,
                             memo=memo))
        plan.draws.append(Draw(kind=kind, lot=lot.entry_id, grade=lot.grade,
                               amount=part))


def plan_debit(states: dict[AccountKey, AccountState], county: str, when: date,
               by_grade: dict[int, float], paddy_m2: float, capacity_kg: float,
               memo: str) -> DebitPlan:
    """Return the legs of a debit of farmland (grade → m²), paddy and capacity.

    Raises :class:`AccountOverdrawn` naming the account and the shortfall, or
    :class:`ValueDateViolation` when only quota accepted after ``when`` would cover it.
    """
    keys = account_keys(county)
    plan = DebitPlan()
    qty = states[keys["quantity"]]
    need = sum(by_grade.values())
    now, later = _usable(qty, when)
    usable = sum(x.remaining for x in now)
    if usable < need - _EPS:
        _shortfall(qty, need, usable, later, when)
    used: dict[int, float] = {}
    for grade in sorted(by_grade):
        area = by_grade[grade]
        good = sorted((x for x in now if (x.grade or WORST_GRADE) <= grade),
                      key=lambda x: (-(x.grade or WORST_GRADE), x.value_date, x.entry_id))
        worse = sorted((x for x in now if (x.grade or WORST_GRADE) > grade),
                       key=lambda x: (x.grade or WORST_GRADE, x.value_date, x.entry_id))
        taken = _take(good, area, used)
        rest = area - sum(p for _, p in taken)
        if rest > _EPS:
            extra = _take(worse, rest, used)
            plan.grade_matched = False
            plan.capacity_shortfall_kg += sum(
                p * (capacity_per_m2(grade) - capacity_per_m2(x.grade)) for x, p in extra)
            taken += extra
        for lot, part in taken:
            plan.legs.append(Leg(qty.key, -part, when, grade=grade, lot=lot.entry_id,
                                 memo=memo))
            plan.draws.append(Draw(kind="quantity", lot=lot.entry_id, grade=lot.grade,
                                   amount=part))
    _draw_plain(plan, states[keys["paddy"]], paddy_m2, when, "paddy", memo)
    _draw_plain(plan, states[keys["capacity"]], capacity_kg, when, "capacity", memo)
    return plan


def plan_transfer(states: dict[AccountKey, AccountState], from_county: str, to_county: str,
                  when: date, quantity_m2: float, paddy_m2: float,
                  capacity_kg: float | None) -> list[Leg]:
    """Return both sides of a 跨区域调剂: lots drawn in one county, mirrored in the other.

    The receiving county's new lots keep the grade and 验收 date of the lots moved, so
    先补后占 and 占优补优 still see the original project. Capacity defaults to what the
    moved quantity carries at its grades.
    """
    src, dst = account_keys(from_county), account_keys(to_county)
    legs: list[Leg] = []
    moved: list[tuple[Lot, float]] = []
    for kind, need in (("quantity", quantity_m2), ("paddy", paddy_m2)):
        if need <= _EPS:
            continue
        state = states[src[kind]]
        now, later = _usable(state, when)
        usable = sum(x.remaining for x in now)
        if usable < need - _EPS:
            _shortfall(state, need, usable, later, when)
        best_first = sorted(now, key=lambda x: (x.grade or WORST_GRADE, x.value_date))
        for lot, part in _take(best_first, need, {}):
            legs.append(Leg(src[kind], -part, when, grade=lot.grade, lot=lot.entry_id,
                            memo=f"调出至 {to_county}"))
            legs.append(Leg(dst[kind], part, lot.value_date, grade=lot.grade,
                            memo=f"调入自 {from_county} (lot {lot.entry_id})"))
            if kind == "quantity":
                moved.append((lot, part))
    cap = capacity_kg if capacity_kg is not None else sum(
        p * capacity_per_m2(x.grade) for x, p in moved)
    state = states[src["capacity"]]
    now, later = _usable(state, when)
    usable = sum(x.remaining for x in now)
    if cap > _EPS and usable < cap - _EPS:
        _shortfall(state, cap, usable, later, when)
    for lot, part in _take(sorted(now, key=lambda x: x.value_date), cap, {}):
        legs.append(Leg(src["capacity"], -part, when, grade=lot.grade, lot=lot.entry_id,
                        memo=f"调出至 {to_county}"))
        legs.append(Leg(dst["capacity"], part, lot.value_date, grade=lot.grade,
                        memo=f"调入自 {from_county} (lot {lot.entry_id})"))
    return legs
