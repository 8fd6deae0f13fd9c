"""The case state machine: every allowed transition, every refused one, reasons, due dates."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from onemap.cases.errors import UnknownReasonCode
from onemap.cases.models import Action, CaseStatus, ReasonCode, TransitionRequest, Verdict
from onemap.cases.workflow import DUE_DAYS, TRANSITIONS, allowed_actions, decide
from onemap.errors import TransitionRefused

S = CaseStatus
TODAY = date(2021, 3, 1)
REASONS = [ReasonCode(code="NV01", text="已批", applies="not_violation"),
           ReasonCode(code="RJ01", text="材料不全", applies="reject"),
           ReasonCode(code="ANY", text="任意", applies="any")]

# (status, verdict held, request, level) → expected target
ALLOWED = [
    (S.ISSUED, None, TransitionRequest(action=Action.VERIFY, verdict=Verdict.ILLEGAL), "county",
     S.SUBMITTED),
    (S.ISSUED, None, TransitionRequest(action=Action.VERIFY, verdict=Verdict.LEGAL,
                                       reason_code="NV01"), "county", S.SUBMITTED),
    (S.SUBMITTED, Verdict.ILLEGAL, TransitionRequest(action=Action.APPROVE), "city",
     S.CONFIRMED),
    (S.SUBMITTED, Verdict.LEGAL, TransitionRequest(action=Action.REJECT, reason_code="RJ01"),
     "province", S.ISSUED),
    (S.CONFIRMED, Verdict.ILLEGAL, TransitionRequest(action=Action.FILE), "county", S.FILED),
    (S.CONFIRMED, Verdict.UNCHANGED, TransitionRequest(action=Action.CLOSE), "county", S.CLOSED),
    (S.FILED, Verdict.ILLEGAL, TransitionRequest(action=Action.RECTIFY), "county",
     S.RECTIFYING),
    (S.RECTIFYING, Verdict.ILLEGAL, TransitionRequest(action=Action.CLOSE), "county", S.CLOSED),
]


def test_the_table_has_exactly_the_documented_moves():
    assert len(TRANSITIONS) == 7
    assert {(s, a) for s, *_ in ALLOWED for a in [None]} <= {(s, None) for s in S}


@pytest.mark.parametrize(("status", "verdict", "request_", "level", "target"), ALLOWED)
def test_each_allowed_transition(status, verdict, request_, level, target):
    d = decide(status, verdict, request_, actor_level=level, reasons=REASONS, today=TODAY)
    assert d.from_status == status and d.to_status == target
    if target == S.CLOSED:
        assert d.due_date is None
    else:
        assert d.due_date == TODAY + timedelta(days=DUE_DAYS[target])
    assert d.verdict_stands == (target in (S.CONFIRMED, S.FILED, S.RECTIFYING, S.CLOSED))
    if request_.action == Action.REJECT:
        assert d.verdict is None


def _all_refused():
    moves = []
    for status in S:
        for action in (Action.VERIFY, Action.APPROVE, Action.REJECT, Action.FILE,
                       Action.RECTIFY, Action.CLOSE):
            if (status, action) not in TRANSITIONS:
                moves.append((status, action))
    return moves


@pytest.mark.parametrize(("status", "action"), _all_refused())
def test_each_refused_transition(status, action):
    req = TransitionRequest(action=action, verdict=Verdict.ILLEGAL, reason_code="RJ01")
    with pytest.raises(TransitionRefused) as err:
        decide(status, Verdict.ILLEGAL, req, actor_level="province", reasons=REASONS,
               today=TODAY)
    assert status.value in str(err.value.reason) and err.value.code == "transition_refused"


def test_review_needs_city_or_province():
    for action, extra in ((Action.APPROVE, {}), (Action.REJECT, {"reason_code": "RJ01"})):
        with pytest.raises(TransitionRefused, match="city or province"):
            decide(S.SUBMITTED, Verdict.LEGAL, TransitionRequest(action=action, **extra),
                   actor_level="county", reasons=REASONS, today=TODAY)


def test_not_a_violation_and_rejection_need_a_reason_code():
    with pytest.raises(UnknownReasonCode):
        decide(S.ISSUED, None, TransitionRequest(action=Action.VERIFY, verdict=Verdict.OTHER),
               actor_level="county", reasons=REASONS, today=TODAY)
    with pytest.raises(UnknownReasonCode, match="RJ01"):  # a reject code for a verdict
        decide(S.ISSUED, None, TransitionRequest(action=Action.VERIFY, verdict=Verdict.LEGAL,
                                                 reason_code="RJ01"),
               actor_level="county", reasons=REASONS, today=TODAY)
    with pytest.raises(UnknownReasonCode):
        decide(S.SUBMITTED, Verdict.LEGAL, TransitionRequest(action=Action.REJECT),
               actor_level="city", reasons=REASONS, today=TODAY)
    d = decide(S.ISSUED, None, TransitionRequest(action=Action.VERIFY, verdict=Verdict.OTHER,
                                                 reason_code="ANY"),
               actor_level="county", reasons=REASONS, today=TODAY)
    assert d.verdict == Verdict.OTHER and not d.verdict_stands


def test_verify_needs_a_verdict_and_violation_cannot_skip_rectification():
    with pytest.raises(TransitionRefused, match="verdict"):
        decide(S.ISSUED, None, TransitionRequest(action=Action.VERIFY), actor_level="county",
               reasons=REASONS, today=TODAY)
    with pytest.raises(TransitionRefused, match="filing"):
        decide(S.CONFIRMED, Verdict.ILLEGAL, TransitionRequest(action=Action.CLOSE),
               actor_level="province", reasons=REASONS, today=TODAY)
    with pytest.raises(TransitionRefused, match="only a confirmed violation"):
        decide(S.CONFIRMED, Verdict.LEGAL, TransitionRequest(action=Action.FILE),
               actor_level="province", reasons=REASONS, today=TODAY)


def test_comments_attachments_and_due_dates_keep_the_status():
    for status in S:
        d = decide(status, None, TransitionRequest(action=Action.COMMENT, comment="x"),
                   actor_level="county", reasons=REASONS, today=TODAY)
        assert d.to_status == status
    new_due = TODAY + timedelta(days=3)
    d = decide(S.FILED, Verdict.ILLEGAL, TransitionRequest(action=Action.SET_DUE,
                                                           due_date=new_due),
               actor_level="city", reasons=REASONS, today=TODAY)
    assert d.due_date == new_due and d.to_status == S.FILED
    for action in (Action.ATTACH, Action.SET_DUE):
        with pytest.raises(TransitionRefused, match="closed"):
            decide(S.CLOSED, Verdict.LEGAL, TransitionRequest(action=action, due_date=new_due),
                   actor_level="province", reasons=REASONS, today=TODAY)
    assert allowed_actions(S.CLOSED) == [Action.COMMENT]
