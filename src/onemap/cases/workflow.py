"""The case state machine (执法流程): 下发 → 核查举证 → 审核 → 立案 → 整改 → 销号.

Pure: the clock is passed in (``today``), nothing is read or written here.

::

    issued ──verify(verdict)──▶ submitted ──approve──▶ confirmed ──file──▶ filed
       ▲                            │                     │ (违法)           │
       └──────reject(reason)────────┘                     │               rectify
                                                          ▼                 ▼
                                            close (合法/未变化/其他)  closed ◀─close── rectifying

* ``verify`` is the county's verification with evidence (核查举证); any verdict other
  than 违法 needs a reason code.
* ``approve`` / ``reject`` are the review (审核) and need a city- or province-level actor;
  a rejection needs a reason code. Only after ``approve`` does the verdict stand.
* ``comment``, ``attach`` and ``set_due`` keep the status (``comment`` also on closed cases).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

from onemap.cases.errors import UnknownReasonCode
from onemap.cases.models import (
    ACTION_ZH,
    STATUS_ZH,
    Action,
    ActorLevel,
    Decision,
    DueWarning,
    ReasonCode,
    TransitionRequest,
    Verdict,
)
from onemap.cases.models import CaseStatus as S
from onemap.errors import TransitionRefused

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

TRANSITIONS: dict[tuple[S, Action], S] = {
    (S.ISSUED, Action.VERIFY): S.SUBMITTED,
    (S.SUBMITTED, Action.APPROVE): S.CONFIRMED,
    (S.SUBMITTED, Action.REJECT): S.ISSUED,
    (S.CONFIRMED, Action.FILE): S.FILED,
    (S.CONFIRMED, Action.CLOSE): S.CLOSED,
    (S.FILED, Action.RECTIFY): S.RECTIFYING,
    (S.RECTIFYING, Action.CLOSE): S.CLOSED,
}
KEEP_STATUS = {Action.COMMENT, Action.ATTACH, Action.SET_DUE}
REVIEW_ACTIONS = {Action.APPROVE, Action.REJECT}
DUE_DAYS: dict[S, int] = {S.ISSUED: 30, S.SUBMITTED: 15, S.CONFIRMED: 15, S.FILED: 30,
                          S.RECTIFYING: 90}


def allowed_actions(status: S) -> list[Action]:
    """Actions the state machine accepts in ``status``.

    Examples
    --------
    >>> [a.value for a in allowed_actions(S.SUBMITTED)]
    ['approve', 'reject', 'comment', 'attach', 'set_due']
    >>> [a.value for a in allowed_actions(S.CLOSED)]
    ['comment']
    """
    moves = [a for (s, a) in TRANSITIONS if s == status]
    keep = [Action.COMMENT] if status == S.CLOSED else sorted(KEEP_STATUS, key=_order)
    return [*moves, *keep]


def _order(a: Action) -> int:
    return list(Action).index(a)


# PLR0911: the rule book: one return per rule
def refusal(status: S, verdict: Verdict | None, action: Action,  # noqa: PLR0911
            actor_level: ActorLevel) -> str | None:
    """Why an actor at ``actor_level`` may not take ``action`` on a case, or None if they may.

    The one rule book: :func:`decide` refuses with this reason and :func:`actions_for`
    lists the actions for which it is None. Request details (verdict, reason code, due
    date) are checked by :func:`decide` on top.

    Examples
    --------
    >>> refusal(S.SUBMITTED, Verdict.ILLEGAL, Action.APPROVE, "city") is None
    True
    >>> refusal(S.SUBMITTED, Verdict.ILLEGAL, Action.APPROVE, "county")[:25]
    "a county's verdict is rev"
    """
    if action in KEEP_STATUS:
        if status == S.CLOSED and action != Action.COMMENT:
            return "the case is closed (已销号)"
        return None
    if (status, action) not in TRANSITIONS:
        return "this step is not next in the workflow"
    if action in REVIEW_ACTIONS and actor_level == "county":
        return "a county's verdict is reviewed at city or province level (须由市级或省级审核)"
    if action == Action.FILE and verdict != Verdict.ILLEGAL:
        return "only a confirmed violation (违法) is filed (立案)"
    if action == Action.CLOSE and status == S.CONFIRMED and verdict == Verdict.ILLEGAL:
        return ("a confirmed violation is closed only after filing and rectification "
                "(立案、整改后销号)")
    return None


def actions_for(status: S, verdict: Verdict | None, actor_level: ActorLevel) -> list[Action]:
    """Actions an actor at ``actor_level`` may take on a case in ``status`` with ``verdict``.

    Examples
    --------
    >>> [a.value for a in actions_for(S.SUBMITTED, Verdict.ILLEGAL, "county")]
    ['comment', 'attach', 'set_due']
    >>> [a.value for a in actions_for(S.SUBMITTED, Verdict.ILLEGAL, "province")][:2]
    ['approve', 'reject']
    >>> [a.value for a in actions_for(S.CONFIRMED, Verdict.ILLEGAL, "city")][:1]
    ['file']
    """
    return [a for a in allowed_actions(status)
            if refusal(status, verdict, a, actor_level) is None]


def _refuse(status: S, request: TransitionRequest, why: str) -> TransitionRefused:
    allowed = ", ".join(a.value for a in allowed_actions(status))
    return TransitionRefused(
        f"cannot {request.action.value} a case that is {status.value}: {why} "
        f"(allowed: {allowed})",
        user_message=f"不允许的操作：案件状态为“{STATUS_ZH[status]}”，不能“"
                     f"{ACTION_ZH[request.action]}”。{why}",
        status=status.value, action=request.action.value)


def check_reason(code: str | None, reasons: Sequence[ReasonCode], applies: str) -> ReasonCode:
    """Return the configured reason ``code`` valid for ``applies`` or raise."""
    if not code:
        raise UnknownReasonCode(f"a reason code is required ({applies})",
                                user_message="必须选择原因代码")
    for r in reasons:
        if r.code == code and r.applies in (applies, "any"):
            return r
    valid = ", ".join(r.code for r in reasons if r.applies in (applies, "any"))
    raise UnknownReasonCode(f"reason code {code!r} is not valid here; choose one of: {valid}",
                            user_message=f"原因代码 {code} 不在配置列表中或不适用于此操作")


def decide(status: S, verdict: Verdict | None, request: TransitionRequest, *,
           actor_level: ActorLevel, reasons: Sequence[ReasonCode], today: date,
           due_date: date | None = None) -> Decision:
    """Decide what ``request`` does to a case in ``status`` holding ``verdict``.

    Raises :class:`~onemap.errors.TransitionRefused` for a move the workflow forbids and
    :class:`~onemap.cases.errors.UnknownReasonCode` for a missing or unknown reason.
    """
    action = request.action
    if action in KEEP_STATUS:
        why = refusal(status, verdict, action, actor_level)
        if why:
            raise _refuse(status, request, why)
        new_due = request.due_date if action == Action.SET_DUE else due_date
        if action == Action.SET_DUE and request.due_date is None:
            raise _refuse(status, request, "set_due needs a due date")
        return Decision(from_status=status, to_status=status, verdict=verdict,
                        verdict_stands=status in (S.CONFIRMED, S.FILED, S.RECTIFYING, S.CLOSED)
                        and verdict is not None, due_date=new_due)
    why = refusal(status, verdict, action, actor_level)
    if why:
        raise _refuse(status, request, why)
    target = TRANSITIONS[(status, action)]
    new_verdict = verdict
    if action == Action.VERIFY:
        if request.verdict is None:
            raise _refuse(status, request, "verification needs a verdict (核查结论)")
        if request.verdict != Verdict.ILLEGAL:
            check_reason(request.reason_code, reasons, "not_violation")
        new_verdict = request.verdict
    elif action == Action.REJECT:
        check_reason(request.reason_code, reasons, "reject")
        new_verdict = None
    stands = target in (S.CONFIRMED, S.FILED, S.RECTIFYING, S.CLOSED)
    new_due = None if target == S.CLOSED else (
        request.due_date or today + timedelta(days=DUE_DAYS[target]))
    return Decision(from_status=status, to_status=target, verdict=new_verdict,
                    verdict_stands=stands, due_date=new_due)


def first_due(today: date) -> date:
    """Due date of a newly issued case (核查期限)."""
    return today + timedelta(days=DUE_DAYS[S.ISSUED])


def due_warnings(cases: Iterable[tuple[str, str, S, date | None]], today: date, *,
                 soon_days: int = 7) -> list[DueWarning]:
    """Warnings for open cases past (overdue) or within ``soon_days`` of their due date.

    ``cases`` yields (case_no, county, status, due_date).

    Examples
    --------
    >>> w = due_warnings([("A", "360111", S.ISSUED, date(2021, 1, 1)),
    ...                   ("B", "360111", S.FILED, date(2021, 1, 20)),
    ...                   ("C", "360111", S.CLOSED, date(2020, 1, 1))], date(2021, 1, 15))
    >>> [(x.case_no, x.level, x.days) for x in w]
    [('A', 'overdue', 14), ('B', 'due_soon', -5)]
    """
    out = []
    for case_no, county, status, due in cases:
        if due is None or status == S.CLOSED:
            continue
        days = (today - due).days
        if days > 0:
            out.append(DueWarning(case_no=case_no, county=county, status=status, due_date=due,
                                  days=days, level="overdue"))
        elif -days <= soon_days:
            out.append(DueWarning(case_no=case_no, county=county, status=status, due_date=due,
                                  days=days, level="due_soon"))
    return sorted(out, key=lambda w: (-w.days, w.case_no))
