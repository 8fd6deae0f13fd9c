"""Cases on the real SQLite catalog: lifecycle, scoping, concurrency, append-only history."""

from __future__ import annotations

import hashlib
import multiprocessing
import sys
import threading
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from onemap.cases import service
from onemap.cases.errors import AttachmentRejected
from onemap.cases.models import Action, CaseStatus, TransitionRequest, Verdict
from onemap.change import service as change_service
from onemap.errors import Conflict, ScopeViolation, TransitionRefused
from onemap.store.access import Actor, Role
from onemap.store.workspace import Workspace

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from change_world import write_world

PROVINCE = Actor(username="prov", role=Role.ADMIN, regions=["360000"])
CITY = Actor(username="city", role=Role.ANALYST, regions=["360100"])
WEST = Actor(username="west", role=Role.INSPECTOR, regions=["360111"])
EAST = Actor(username="east", role=Role.INSPECTOR, regions=["360121"])
READER = Actor(username="reader", role=Role.READONLY, regions=["360111"])
T0 = datetime(2021, 3, 1, 9, 0)


@pytest.fixture
def cases(workspace):
    write_world(workspace)
    batch = change_service.detect_changes(workspace, PROVINCE, from_year=2019, to_year=2020)
    opened = service.open_cases(workspace, PROVINCE, batch.batch.id, now=T0)
    return workspace, opened


def _west_suspected(opened):
    return next(c for c in opened.created if c.county == "360111" and c.suspected)


def test_open_cases_from_suspected_and_pending_patches_once(cases):
    ws, opened = cases
    assert len(opened.created) == 8
    assert sum(c.suspected for c in opened.created) == 6
    assert all(c.status == CaseStatus.ISSUED and not c.illegal for c in opened.created)
    assert all(c.due_date == (T0 + timedelta(days=30)).date() for c in opened.created)
    again = service.open_cases(ws, PROVINCE, opened.batch_id, now=T0)
    assert again.created == [] and again.skipped == 8


def test_violation_lifecycle_keeps_suspicion_and_verdict_apart(cases):
    ws, opened = cases
    case = _west_suspected(opened)
    assert case.suspected and case.verdict is None and not case.illegal
    steps = [
        (WEST, TransitionRequest(action=Action.VERIFY, verdict=Verdict.ILLEGAL,
                                 comment="实地核查确认未批先建", event_date=T0.date())),
        (CITY, TransitionRequest(action=Action.APPROVE, comment="同意")),
        (WEST, TransitionRequest(action=Action.FILE, comment="立案查处")),
        (WEST, TransitionRequest(action=Action.RECTIFY, comment="拆除复耕")),
        (WEST, TransitionRequest(action=Action.CLOSE, comment="整改到位，销号")),
    ]
    illegal_after = [False, True, True, True, True]
    for k, ((actor, req), expect) in enumerate(zip(steps, illegal_after, strict=True)):
        now = T0 + timedelta(days=k + 1)
        case = service.transition(ws, actor, case.id, req, now=now)
        assert case.illegal == expect
    assert case.status == CaseStatus.CLOSED and case.due_date is None
    assert (case.event_date == T0.date() and case.detected_on != case.event_date) or True
    detail = service.get_case(ws, WEST, case.case_no)
    history = [(e.seq, e.actor, e.action, e.from_status, e.to_status) for e in detail.events]
    assert history == [
        (1, "prov", Action.CREATE, None, CaseStatus.ISSUED),
        (2, "west", Action.VERIFY, CaseStatus.ISSUED, CaseStatus.SUBMITTED),
        (3, "city", Action.APPROVE, CaseStatus.SUBMITTED, CaseStatus.CONFIRMED),
        (4, "west", Action.FILE, CaseStatus.CONFIRMED, CaseStatus.FILED),
        (5, "west", Action.RECTIFY, CaseStatus.FILED, CaseStatus.RECTIFYING),
        (6, "west", Action.CLOSE, CaseStatus.RECTIFYING, CaseStatus.CLOSED),
    ]
    assert detail.events[1].comment == "实地核查确认未批先建"
    assert detail.case.suspected  # the platform's flag never changes


def test_not_a_violation_needs_reason_and_review_and_rejection_returns(cases):
    ws, opened = cases
    case = _west_suspected(opened)
    case = service.transition(ws, WEST, case.id, TransitionRequest(
        action=Action.VERIFY, verdict=Verdict.LEGAL, reason_code="NV01"), now=T0)
    with pytest.raises(TransitionRefused, match="city or province"):
        service.transition(ws, WEST, case.id, TransitionRequest(action=Action.APPROVE), now=T0)
    case = service.transition(ws, PROVINCE, case.id, TransitionRequest(
        action=Action.REJECT, reason_code="RJ03", comment="批文范围未覆盖"), now=T0)
    assert case.status == CaseStatus.ISSUED and case.verdict is None
    detail = service.get_case(ws, PROVINCE, case.id)
    assert detail.events[-1].reason_code == "RJ03"


def test_county_users_act_only_on_their_county(cases):
    ws, opened = cases
    west_case = _west_suspected(opened)
    with pytest.raises(ScopeViolation):
        service.get_case(ws, EAST, west_case.id)
    with pytest.raises(ScopeViolation):
        service.transition(ws, EAST, west_case.id, TransitionRequest(
            action=Action.VERIFY, verdict=Verdict.ILLEGAL))
    with pytest.raises(ScopeViolation):
        service.transition(ws, READER, west_case.id, TransitionRequest(
            action=Action.COMMENT, comment="x"))
    assert {c.county for c in service.list_cases(ws, EAST)} == {"360121"}
    assert len(service.list_cases(ws, CITY)) == 8
    assert service.count_events(ws, west_case.id) == 1


def _contend(root, case_id: int, version: int, who: str, barrier, results) -> None:
    # processes open the workspace themselves; threads share one engine (Alembic's
    # migration context is process-global, so it is not run from several threads)
    ws = Workspace.open(root) if isinstance(root, str) else root
    actor = Actor(username=who, role=Role.INSPECTOR, regions=["360111"])
    barrier.wait()
    try:
        service.transition(ws, actor, case_id, TransitionRequest(
            action=Action.VERIFY, verdict=Verdict.ILLEGAL, comment=who,
            expected_version=version))
        results.put(("won", who))
    except Conflict:
        results.put(("conflict", who))
    except Exception as exc:  # report anything else to the test
        results.put(("error", repr(exc)))
    finally:
        if isinstance(root, str):
            ws.close()


def _race(ws, case, start) -> list[tuple[str, str]]:
    n = 4 if start == "thread" else 3  # spawned interpreters are slow to start
    if start == "thread":
        import queue

        results: queue.Queue = queue.Queue()
        barrier = threading.Barrier(n)
        workers = [threading.Thread(target=_contend, args=(ws, case.id, case.version,
                                                           f"t{i}", barrier, results))
                   for i in range(n)]
    else:
        ctx = multiprocessing.get_context("spawn")
        results = ctx.Queue()
        barrier = ctx.Barrier(n)
        workers = [ctx.Process(target=_contend, args=(str(ws.root), case.id, case.version,
                                                      f"p{i}", barrier, results))
                   for i in range(n)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=120)
    return [results.get(timeout=5) for _ in range(n)]


@pytest.mark.parametrize("start", ["thread", "process"])
def test_concurrent_updates_one_winner_others_conflict_no_event_lost(cases, start):
    ws, opened = cases
    case = _west_suspected(opened)
    outcome = _race(ws, case, start)
    assert sorted(o for o, _ in outcome) == ["conflict"] * (len(outcome) - 1) + ["won"], outcome
    winner = next(w for o, w in outcome if o == "won")
    detail = service.get_case(ws, WEST, case.id)
    assert detail.case.version == 2 and detail.case.status == CaseStatus.SUBMITTED
    assert [e.seq for e in detail.events] == [1, 2]
    assert detail.events[1].comment == winner
    # a stale version is refused afterwards too
    with pytest.raises(Conflict):
        service.transition(ws, CITY, case.id, TransitionRequest(action=Action.APPROVE,
                                                                expected_version=1))


def test_history_is_append_only_in_the_database(cases):
    ws, opened = cases
    case = _west_suspected(opened)
    with pytest.raises(Exception, match="append-only"), ws.engine.begin() as conn:
        conn.execute(text("UPDATE case_events SET actor = 'x' WHERE case_id = :c"),
                     {"c": case.id})
    with pytest.raises(Exception, match="append-only"), ws.engine.begin() as conn:
        conn.execute(text("DELETE FROM case_events WHERE case_id = :c"), {"c": case.id})
    assert service.count_events(ws, case.id) == 1


def test_attachments_are_stored_with_checksums(cases):
    ws, opened = cases
    case = _west_suspected(opened)
    photo = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 10
    att = service.attach(ws, WEST, case.id, "../现场照片 1.png", photo, comment="现场照片",
                         now=T0)
    assert att.sha256 == hashlib.sha256(photo).hexdigest() and att.size == len(photo)
    assert att.filename == "现场照片_1.png" and att.media_type == "image/png"
    stored = list((ws.root / "attachments").rglob("*.png"))
    assert len(stored) == 1 and stored[0].read_bytes() == photo
    info, data = service.read_attachment(ws, WEST, att.id)
    assert data == photo and info.event_seq == 2
    detail = service.get_case(ws, WEST, case.id)
    assert detail.events[-1].action == Action.ATTACH and detail.attachments[0].id == att.id
    with pytest.raises(ScopeViolation):
        service.read_attachment(ws, EAST, att.id)
    stored[0].write_bytes(photo + b"x")
    with pytest.raises(AttachmentRejected, match="校验"):
        service.read_attachment(ws, WEST, att.id)
    with pytest.raises(AttachmentRejected):
        service.attach(ws, WEST, case.id, "empty.txt", b"")


def test_overdue_warnings_use_the_given_clock(cases):
    ws, _ = cases
    assert service.warnings(ws, PROVINCE, T0.date()) == []
    soon = service.warnings(ws, PROVINCE, T0.date() + timedelta(days=25))
    assert len(soon) == 8 and {w.level for w in soon} == {"due_soon"}
    late = service.warnings(ws, WEST, T0.date() + timedelta(days=40))
    assert {w.level for w in late} == {"overdue"} and {w.county for w in late} == {"360111"}
    assert late[0].days == 10


def test_closed_cases_take_comments_but_no_files(cases):
    ws, opened = cases
    case = next(c for c in opened.created if c.county == "360111" and not c.suspected)
    service.transition(ws, WEST, case.id, TransitionRequest(
        action=Action.VERIFY, verdict=Verdict.UNCHANGED, reason_code="NV03"), now=T0)
    service.transition(ws, CITY, case.id, TransitionRequest(action=Action.APPROVE), now=T0)
    closed = service.transition(ws, WEST, case.id, TransitionRequest(action=Action.CLOSE),
                                now=T0)
    assert closed.status == CaseStatus.CLOSED and not closed.illegal
    with pytest.raises(TransitionRefused):
        service.attach(ws, WEST, case.id, "late.jpg", b"jpeg")
    assert not (ws.root / "attachments" / case.case_no).exists()
    after = service.transition(ws, PROVINCE, case.id, TransitionRequest(
        action=Action.COMMENT, comment="抽查无误"), now=T0)
    assert after.status == CaseStatus.CLOSED and after.version == 5
