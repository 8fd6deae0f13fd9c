"""Case service: issue cases from detection batches, act on them, keep every event.

Every change to a case is one transaction that (1) updates the case row only if its
``version`` is still the one the user saw and (2) appends one event with
``seq = new version``. Two concurrent updates of the same case therefore give one
winner; the other gets :class:`~onemap.errors.Conflict` and writes nothing, so no
event is lost or duplicated, and every event is in the audit log as well
(``cases.transition``). Every call takes an :class:`Actor` and asks the one policy
(:meth:`Workspace.authorize`): reading is ``READ``, case work (issuing, transitions,
attachments) ``ENFORCE`` in the case's county, downloads ``EXPORT``; the workflow's own
level rules (county, city, province) apply on top.
"""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import shapely
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError, OperationalError

from onemap.cases.errors import AttachmentRejected, CaseNotFound
from onemap.cases.models import (
    STATUS_ZH,
    Action,
    ActorLevel,
    Attachment,
    Case,
    CaseDetail,
    CaseEvent,
    CaseStatus,
    DueWarning,
    OpenCasesResult,
    ReasonCode,
    SpotCaseIn,
    TransitionRequest,
    Verdict,
)
from onemap.cases.schema import AttachmentRow, CaseEventRow, CaseRow
from onemap.cases.sniff import ALLOWED, OCTET, sniff_media_type
from onemap.cases.workflow import actions_for, check_reason, decide, due_warnings, first_due
from onemap.change.models import Legality
from onemap.change.service import get_batch, read_patches
from onemap.errors import Conflict, InvalidInput
from onemap.standards.regions import region_prefix
from onemap.store import policy
from onemap.store.db import utc_now as _now

if TYPE_CHECKING:
    from datetime import date, datetime

    from sqlalchemy.orm import Session

    from onemap.store.access import Actor
    from onemap.store.workspace import Workspace

REASONS_FILE = "reason_codes.toml"
ATTACHMENTS_DIR = "attachments"
MAX_ATTACHMENT_BYTES = 50 * 1024 * 1024
OPEN_LEGALITY = (Legality.SUSPECTED, Legality.PENDING)
WHAT = "enforcement cases"


def require_internal(ws: Workspace, actor: Actor) -> None:
    """Enforcement data is internal: public (anonymous) users see none of it (401)."""
    ws.authorize(actor, policy.Action.READ, what=WHAT)


def load_reasons(ws: Workspace) -> list[ReasonCode]:
    """Reason codes: the workspace's ``reason_codes.toml`` or the built-in list."""
    path = ws.root / REASONS_FILE
    if path.is_file():
        text = path.read_text(encoding="utf-8")
    else:
        text = resources.files("onemap.cases").joinpath(REASONS_FILE).read_text("utf-8")
    try:
        return [ReasonCode.model_validate(c) for c in tomllib.loads(text).get("codes", [])]
    except (tomllib.TOMLDecodeError, ValueError) as exc:
        raise InvalidInput(f"invalid reason code list: {exc}", path=str(path)) from None


def actor_level(actor: Actor, county: str) -> ActorLevel:
    """Return the highest level at which ``actor`` covers ``county``: province, city or county."""
    prefixes = [region_prefix(r) for r in actor.regions if county.startswith(region_prefix(r))]
    shortest = min((len(p) for p in prefixes), default=6)
    return "province" if shortest <= 2 else "city" if shortest <= 4 else "county"


def _require_work(ws: Workspace, actor: Actor, county: str, what: str) -> None:
    """Case work (issue, act, attach) is ``ENFORCE`` in the case's county."""
    ws.authorize(actor, policy.Action.ENFORCE, county, what=what)


def allowed_actions(ws: Workspace, actor: Actor, case: Case) -> list[Action]:
    """Actions ``actor`` may take on ``case`` now: what :func:`transition` would accept.

    Built from the same checks as :func:`transition` (the policy's ``ENFORCE`` in the
    case's county, then the workflow's :func:`~onemap.cases.workflow.refusal` at the
    actor's level), so a user interface that offers only these never offers a step the
    server refuses for who the user is.
    """
    if not ws.allows(actor, policy.Action.ENFORCE, case.county):
        return []
    return actions_for(case.status, case.verdict, actor_level(actor, case.county))


def to_case(row: CaseRow, *, with_geometry: bool = True) -> Case:
    """Convert a catalog row into the :class:`Case` model."""
    verdict = Verdict(row.verdict) if row.verdict else None
    geometry = None
    if with_geometry:
        geometry = json.loads(shapely.to_geojson(shapely.from_wkb(row.geometry)))
    return Case(
        id=row.id, case_no=row.case_no, county=row.county, township=row.township,
        batch_id=row.batch_id, patch_id=row.patch_id, status=CaseStatus(row.status),
        status_zh=STATUS_ZH[row.status], suspected=row.suspected,
        pre_judgement=row.pre_judgement, classes=list(row.classes), from_code=row.from_code,
        to_code=row.to_code, area_m2=row.area_m2, approval_share=row.approval_share,
        verdict=verdict, verdict_stands=row.verdict_stands,
        illegal=bool(row.verdict_stands and verdict == Verdict.ILLEGAL),
        detection_source=row.detection_source, detected_on=row.detected_on,
        event_date=row.event_date, due_date=row.due_date, version=row.version,
        created_at=row.created_at, updated_at=row.updated_at, geometry=geometry)


def _event(row: CaseEventRow) -> CaseEvent:
    return CaseEvent(seq=row.seq, at=row.at, actor=row.actor, action=Action(row.action),
                     from_status=CaseStatus(row.from_status) if row.from_status else None,
                     to_status=CaseStatus(row.to_status),
                     verdict=Verdict(row.verdict) if row.verdict else None,
                     reason_code=row.reason_code, comment=row.comment, detail=dict(row.detail))


def open_cases(ws: Workspace, actor: Actor, batch_id: int, *,
               legality: tuple[Legality, ...] = OPEN_LEGALITY,
               counties: list[str] | None = None, now: datetime | None = None,
               ) -> OpenCasesResult:
    """Issue (下发) one case per patch of the batch that needs verification.

    Patches already holding a case are skipped, so issuing twice is harmless.
    """
    now = now or _now()
    what = f"cases of batch {batch_id}"
    ws.authorize(actor, policy.Action.ENFORCE, what=what)
    batch = get_batch(ws, actor, batch_id)
    patches = read_patches(ws, actor, batch_id, counties)
    patches = patches[patches["legality"].isin([v.value for v in legality])]
    for county in sorted(set(patches["county"])):  # before the writing transaction
        _require_work(ws, actor, county, what)
    created: list[Case] = []
    skipped = 0
    with ws.session() as s:
        existing = set(s.scalars(select(CaseRow.patch_id).where(
            CaseRow.patch_id.in_(list(patches["id"]))))) if len(patches) else set()
        for p, geom in zip(patches.itertuples(index=False), patches.geometry, strict=True):
            if p.id in existing:
                skipped += 1
                continue
            row = CaseRow(
                case_no=f"WP-{p.id}", county=p.county, township=p.township or "",
                batch_id=batch_id, patch_id=p.id, status=CaseStatus.ISSUED.value,
                suspected=p.legality == Legality.SUSPECTED.value, pre_judgement=p.legality,
                classes=list(p.classes), from_code=p.from_code, to_code=p.to_code,
                area_m2=float(p.area_m2), approval_share=float(p.approval_share),
                detection_source=batch.source, detected_on=batch.created_at.date(),
                due_date=first_due(now.date()), version=1, created_at=now, updated_at=now,
                patch=_patch_info(p, batch.from_year, batch.to_year),
                geometry=shapely.to_wkb(geom))
            s.add(row)
            s.flush()
            s.add(CaseEventRow(case_id=row.id, seq=1, at=now, actor=actor.username,
                               action=Action.CREATE.value, from_status=None,
                               to_status=CaseStatus.ISSUED.value, comment="",
                               detail={"batch_id": batch_id, "pre_judgement": p.legality}))
            created.append(to_case(row))
    ws.audit(actor.username, "cases.open", f"batch/{batch_id}",
             {"created": len(created), "skipped": skipped})
    return OpenCasesResult(batch_id=batch_id, created=created, skipped=skipped)


def open_spot_case(ws: Workspace, actor: Actor, spot: SpotCaseIn, *,
                   now: datetime | None = None) -> tuple[Case, bool]:
    """Issue (下发) one case for a finding outside a detection batch; return (case, created).

    A finding that already holds a case (same ``patch_id``) returns that case unchanged.
    The reason code must be configured for ``open`` (e.g. KC01 无证开采).
    """
    now = now or _now()
    _require_work(ws, actor, spot.county, f"case of {spot.patch_id}")
    reason = check_reason(spot.reason_code, load_reasons(ws), "open")
    with ws.session() as s:
        old = s.scalars(select(CaseRow).where(CaseRow.patch_id == spot.patch_id)).one_or_none()
        if old is not None:
            return to_case(old), False
        geom = shapely.from_geojson(json.dumps(spot.geometry))
        row = CaseRow(
            case_no=spot.patch_id, county=spot.county,
            township=spot.township, batch_id=None, patch_id=spot.patch_id,
            status=CaseStatus.ISSUED.value, suspected=True,
            pre_judgement=Legality.SUSPECTED.value,
            classes=[reason.text.split("（")[0]], from_code=spot.from_code,
            to_code=spot.to_code, area_m2=spot.area_m2, approval_share=0.0,
            detection_source=spot.detection_source, detected_on=now.date(),
            due_date=first_due(now.date()), version=1, created_at=now, updated_at=now,
            patch={**spot.detail, "reason_code": reason.code}, geometry=shapely.to_wkb(geom))
        s.add(row)
        s.flush()
        s.add(CaseEventRow(case_id=row.id, seq=1, at=now, actor=actor.username,
                           action=Action.CREATE.value, from_status=None,
                           to_status=CaseStatus.ISSUED.value, reason_code=reason.code,
                           comment=spot.comment, detail={"source": spot.detection_source}))
        case = to_case(row)
    ws.audit(actor.username, "cases.open", f"case/{case.case_no}",
             {"source": spot.detection_source, "reason_code": reason.code})
    return case, True


def _patch_info(p: object, from_year: int, to_year: int) -> dict[str, object]:
    keys = ("id", "from_code", "to_code", "area_m2", "classes", "legality", "approval_share",
            "approvals", "overlaps_m2", "ledger", "source_ref", "old_bsm", "new_bsm")
    info: dict[str, Any] = {k: getattr(p, k) for k in keys}
    info["classes"] = list(info["classes"])
    info["from_year"], info["to_year"] = from_year, to_year
    out: dict[str, object] = json.loads(json.dumps(info, default=str))
    return out


def _get_row(s: Session, case: int | str) -> CaseRow:
    q = select(CaseRow).where(CaseRow.id == case if isinstance(case, int)
                              else CaseRow.case_no == case)
    row = s.scalars(q).one_or_none()
    if row is None:
        raise CaseNotFound(f"no case {case}", user_message=f"案件 {case} 不存在")
    return row


def get_case(ws: Workspace, actor: Actor, case: int | str) -> CaseDetail:
    """Return a case with its events and attachments."""
    require_internal(ws, actor)
    with ws.session() as s:
        row = _get_row(s, case)
        ws.authorize(actor, policy.Action.READ, row.county, what=f"case {row.case_no}")
        events = s.scalars(select(CaseEventRow).where(CaseEventRow.case_id == row.id)
                           .order_by(CaseEventRow.seq)).all()
        files = s.scalars(select(AttachmentRow).where(AttachmentRow.case_id == row.id)
                          .order_by(AttachmentRow.id)).all()
        case_ = to_case(row)
        return CaseDetail(case=case_, events=[_event(e) for e in events],
                          attachments=[Attachment.model_validate(f, from_attributes=True)
                                       for f in files],
                          allowed_actions=allowed_actions(ws, actor, case_))


def list_cases(ws: Workspace, actor: Actor, *, status: CaseStatus | None = None,
               county: str | None = None, suspected: bool | None = None,
               illegal: bool | None = None, limit: int = 1000, offset: int = 0,
               ) -> list[Case]:
    """Cases in the actor's scope (optionally one status, county or flag), by case number."""
    require_internal(ws, actor)
    if county:
        ws.authorize(actor, policy.Action.READ, county, what=WHAT)
    q = select(CaseRow).order_by(CaseRow.case_no)
    if status:
        q = q.where(CaseRow.status == CaseStatus(status).value)
    if county:
        q = q.where(CaseRow.county == county)
    if suspected is not None:
        q = q.where(CaseRow.suspected == suspected)
    with ws.session() as s:
        rows = [r for r in s.scalars(q) if ws.allows(actor, policy.Action.READ, r.county)]
    cases = [to_case(r, with_geometry=False) for r in rows]
    if illegal is not None:
        cases = [c for c in cases if c.illegal == illegal]
    return cases[offset:offset + limit]


def export_cases(ws: Workspace, actor: Actor, *, status: CaseStatus | None = None,
                 county: str | None = None, fmt: str = "xlsx") -> list[Case]:
    """Return the case list for a download (``EXPORT``, audited as ``cases.export``).

    The one function the API's ``export.xlsx`` and the CLI's ``cases list --xlsx``
    call, so both are refused and audited alike.
    """
    ws.authorize(actor, policy.Action.EXPORT, county, what=WHAT)
    cases = [c for c in list_cases(ws, actor, status=status, county=county, limit=10**9)
             if ws.allows(actor, policy.Action.EXPORT, c.county)]
    ws.audit(actor.username, "cases.export", "cases",
             {"format": fmt, "cases": len(cases), "status": status.value if status else None,
              "county": county})
    return cases


def transition(ws: Workspace, actor: Actor, case: int | str, request: TransitionRequest, *,
               now: datetime | None = None) -> Case:
    """Apply ``request`` to a case as one append-only event (optimistic locking).

    Raises
    ------
    Conflict
        The case changed since ``request.expected_version`` (another user won).
    TransitionRefused
        The workflow does not allow this step now.
    ScopeViolation
        The case lies outside the actor's region or the role may not act.
    """
    now = now or _now()
    try:
        with ws.session() as s:
            row = _get_row(s, case)
            _require_work(ws, actor, row.county, f"case {row.case_no}")
            expected = row.version if request.expected_version is None \
                else request.expected_version
            if row.version != expected:
                raise _conflict(row, expected)
            decision = decide(CaseStatus(row.status),
                              Verdict(row.verdict) if row.verdict else None, request,
                              actor_level=actor_level(actor, row.county),
                              reasons=load_reasons(ws), today=now.date(),
                              due_date=row.due_date)
            values: dict[str, object] = {
                "status": decision.to_status.value, "version": expected + 1,
                "verdict": decision.verdict.value if decision.verdict else None,
                "verdict_stands": decision.verdict_stands, "due_date": decision.due_date,
                "updated_at": now}
            if request.event_date is not None:
                values["event_date"] = request.event_date
            done = s.execute(update(CaseRow).where(CaseRow.id == row.id,
                                                   CaseRow.version == expected).values(**values)
                             .execution_options(synchronize_session=False))
            if done.rowcount != 1:  # type: ignore[attr-defined]
                raise _conflict(row, expected)
            s.add(CaseEventRow(
                case_id=row.id, seq=expected + 1, at=now, actor=actor.username,
                action=request.action.value, from_status=decision.from_status.value,
                to_status=decision.to_status.value,
                verdict=request.verdict.value if request.verdict else None,
                reason_code=request.reason_code, comment=request.comment,
                detail={k: str(v) for k, v in (("due_date", decision.due_date),
                                               ("event_date", request.event_date)) if v}))
            case_id, case_no = row.id, row.case_no
    except (OperationalError, IntegrityError) as exc:  # a concurrent writer got there first
        if isinstance(exc, OperationalError) and "locked" not in str(exc):
            raise
        raise Conflict(f"case {case} was changed concurrently; reload and retry",
                       user_message="案件已被他人更新，请刷新后重试") from None
    ws.audit(actor.username, "cases.transition", case_no,
             {"action": request.action.value, "from": decision.from_status.value,
              "to": decision.to_status.value, "version": expected + 1,
              "verdict": request.verdict.value if request.verdict else None,
              "reason_code": request.reason_code})
    with ws.session() as s:
        return to_case(_get_row(s, case_id))


def _conflict(row: CaseRow, expected: int) -> Conflict:
    return Conflict(f"case {row.case_no} is at version {row.version}, not {expected}",
                    user_message="案件已被他人更新，请刷新后重试", case_no=row.case_no)


def events(ws: Workspace, actor: Actor, case: int | str) -> list[CaseEvent]:
    """Return the append-only history of a case, oldest first."""
    return get_case(ws, actor, case).events


def attach(ws: Workspace, actor: Actor, case: int | str, filename: str, data: bytes, *,
           comment: str = "", now: datetime | None = None,
           expected_version: int | None = None) -> Attachment:
    """Store a file (photo, document) with its sha256 and append an ``attach`` event.

    The media type is sniffed from the bytes (:mod:`onemap.cases.sniff`); whatever
    type the uploader declared is ignored, and content outside the allow-list is
    refused before anything is written.
    """
    now = now or _now()
    name = _safe_name(filename)
    detail = get_case(ws, actor, case)
    _require_work(ws, actor, detail.case.county, f"case {detail.case.case_no}")
    decide(detail.case.status, detail.case.verdict, TransitionRequest(action=Action.ATTACH),
           actor_level=actor_level(actor, detail.case.county), reasons=[], today=now.date())
    kind = check_content(name, data)
    digest = hashlib.sha256(data).hexdigest()
    folder = Path(ATTACHMENTS_DIR, detail.case.case_no)
    rel = folder / f"{digest[:16]}-{name}"
    (ws.root / folder).mkdir(parents=True, exist_ok=True)
    target = ws.root / rel
    if not target.exists():
        tmp = target.with_suffix(target.suffix + ".part")
        tmp.write_bytes(data)
        tmp.replace(target)
    updated = transition(ws, actor, detail.case.id, TransitionRequest(
        action=Action.ATTACH, comment=comment or name, expected_version=expected_version),
        now=now)
    with ws.session() as s:
        row = AttachmentRow(case_id=detail.case.id, event_seq=updated.version, filename=name,
                            path=rel.as_posix(), sha256=digest, size=len(data),
                            media_type=kind, uploaded_by=actor.username, uploaded_at=now)
        s.add(row)
        s.flush()
        out = Attachment.model_validate(row, from_attributes=True)
    ws.audit(actor.username, "cases.attach", detail.case.case_no,
             {"file": name, "sha256": digest, "size": len(data), "media_type": kind})
    return out


def check_content(name: str, data: bytes) -> str:
    """Return the sniffed media type of an attachment, or raise if it may not be stored."""
    if not data:
        raise AttachmentRejected(f"{name}: the file is empty", user_message=f"附件 {name} 为空",
                                 filename=name)
    if len(data) > MAX_ATTACHMENT_BYTES:
        raise AttachmentRejected(f"{name}: the file is larger than 50 MB",
                                 user_message=f"附件 {name} 超过 50 MB", filename=name)
    kind = sniff_media_type(data, name)
    if kind not in ALLOWED:
        allowed = ", ".join(ALLOWED)
        raise AttachmentRejected(
            f"{name}: content is {kind}, which is not an allowed attachment type "
            f"(allowed: {allowed})",
            user_message=f"附件 {name} 的内容类型为 {kind}，不在允许的附件类型之内"
                         f"（照片、PDF、Word、Excel、ZIP、文本）(file {name} holds {kind}, "
                         "not an allowed attachment type)",
            filename=name, detected_type=kind)
    return kind


def read_attachment(ws: Workspace, actor: Actor, attachment_id: int) -> tuple[Attachment, bytes]:
    """Return an attachment and its bytes, after checking scope and the checksum.

    A stored type outside the allow-list (an upload from before types were sniffed)
    is returned as ``application/octet-stream``.
    """
    require_internal(ws, actor)
    with ws.session() as s:
        row = s.get(AttachmentRow, attachment_id)
        if row is None:
            raise CaseNotFound(f"no attachment {attachment_id}")
        case_row = s.get(CaseRow, row.case_id)
        assert case_row is not None
        ws.authorize(actor, policy.Action.READ, case_row.county,
                     what=f"attachment {attachment_id} of case {case_row.case_no}")
        info = Attachment.model_validate(row, from_attributes=True)
        path = ws.root / row.path
    if info.media_type not in ALLOWED:
        info = info.model_copy(update={"media_type": OCTET})
    data = path.read_bytes()
    if hashlib.sha256(data).hexdigest() != info.sha256:
        raise AttachmentRejected(f"attachment {attachment_id} fails its checksum",
                                 user_message="附件校验失败（文件已被改动）")
    return info, data


def _safe_name(filename: str) -> str:
    name = Path(filename.replace("\\", "/")).name.strip()
    name = re.sub(r"[^\w.\-\u4e00-\u9fff]+", "_", name)
    if not name or name in (".", ".."):
        raise AttachmentRejected(f"bad file name {filename!r}", user_message="附件文件名无效")
    return name[:120]


def warnings(ws: Workspace, actor: Actor, today: date, *, soon_days: int = 7,
             ) -> list[DueWarning]:
    """Overdue and due-soon warnings (超期预警) for open cases in the actor's scope."""
    require_internal(ws, actor)
    with ws.session() as s:
        rows = s.execute(select(CaseRow.case_no, CaseRow.county, CaseRow.status,
                                CaseRow.due_date).where(CaseRow.status != "closed")).all()
    items = [(r[0], r[1], CaseStatus(r[2]), r[3]) for r in rows
             if ws.allows(actor, policy.Action.READ, r[1])]
    return due_warnings(items, today, soon_days=soon_days)


def count_events(ws: Workspace, case_id: int) -> int:
    """Return the number of events recorded for a case (for audits and tests)."""
    with ws.session() as s:
        return int(s.scalar(select(func.count()).select_from(CaseEventRow)
                            .where(CaseEventRow.case_id == case_id)) or 0)
