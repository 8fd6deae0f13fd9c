"""The closed loop (预警闭环): issue (发布) → notices → responses → lift (解除), events linked.

One batch per county and window, scoped like cases: issuing, responding, closing and
recording events are ``ENFORCE`` in the batch's (or point's) county, reading is ``READ``.
Warnings, notices, responses, events and the batch log are append-only tables; the batch
row's state changes only together with a log entry, guarded by its ``version``.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import func, select, update

from onemap.errors import Conflict, InvalidInput
from onemap.hazards.errors import BatchClosed, BatchNotFound, HazardPointNotFound
from onemap.hazards.models import (
    LEVEL_ZH,
    POINT_TYPES,
    RESPONSE_ZH,
    Batch,
    BatchDetail,
    BatchStatus,
    Bulletin,
    CloseRequest,
    EventRequest,
    HazardEvent,
    IssueRequest,
    IssueResult,
    Level,
    Notice,
    Response,
    ResponseKind,
    ResponseRequest,
    SiteWarning,
)
from onemap.hazards.schema import (
    BatchLogRow,
    BatchRow,
    EventRow,
    NoticeRow,
    ResponseRow,
    WarningRow,
)
from onemap.hazards.service import compute_warnings, load_rules, read_register
from onemap.standards.units import convert_area
from onemap.store import policy
from onemap.store.db import utc_now as _now

if TYPE_CHECKING:
    from datetime import date

    import pandas as pd
    from sqlalchemy.orm import Session

    from onemap.store.access import Actor
    from onemap.store.workspace import Workspace

STATUS_ZH = {"issued": "已发布", "closed": "已解除"}
SMS = ("【{county}地质灾害气象风险预警】{day}发布{level}预警：您负责的{kind}隐患点{point}"
       "（威胁{people}人）所在区域有效降雨量{pe} mm，请立即巡查，必要时组织撤离。"
       "回复1已通知、2已巡查、3已撤离、4险情上报。")


def county_names(ws: Workspace) -> dict[str, str]:
    """County code → name (from the admin_county layer when there is one)."""
    if not ws.has_layer("admin_county"):
        return {}
    frame = ws.read_layer("admin_county", columns=["XZQDM", "XZQMC"])
    return {str(c)[:6]: str(n) for c, n in zip(frame["XZQDM"], frame["XZQMC"], strict=True)}


def _batch(row: BatchRow) -> Batch:
    return Batch(id=row.id, batch_no=row.batch_no, county=row.county,
                 status=BatchStatus(row.status), status_zh=STATUS_ZH[row.status], on=row.day,
                 window_start=row.window_start, window_end=row.window_end, rules=row.rules,
                 points=row.points, zones=row.zones, max_level=Level(row.max_level),
                 counts=dict(row.counts), zone_area_m2=row.zone_area_m2,
                 zone_area_ha=round(convert_area(row.zone_area_m2, "ha"), 2),
                 zone_area_mu=round(convert_area(row.zone_area_m2, "mu"), 2),
                 issued_by=row.issued_by, issued_at=row.issued_at,
                 closed_by=row.closed_by, closed_at=row.closed_at, summary=dict(row.summary),
                 note=row.note)


def _notice_rows(batch_id: int, county: str, name: str, warned: list[SiteWarning],
                 register: pd.DataFrame, day: date) -> list[NoticeRow]:
    by_id = register.set_index("site_id")
    out = []
    for w in warned:
        if w.site != "point" or w.id not in by_id.index:
            continue
        p = by_id.loc[w.id]
        people = int(p.get("WXRK") or 0)
        kind = POINT_TYPES.get(str(p.get("ZHLX") or ""), str(p.get("ZHLX") or "地质灾害"))
        sms = SMS.format(county=name or county, day=f"{day:%m月%d日}", level=LEVEL_ZH[w.level],
                         kind=kind, point=w.id, people=people, pe=f"{w.pe_mm:.0f}")
        out.append(NoticeRow(batch_id=batch_id, point_id=w.id, county=county, level=int(w.level),
                             responsible=str(p.get("ZRR") or ""), monitor=str(p.get("JCR") or ""),
                             phone=str(p.get("LXDH") or ""), people=people, sms=sms))
    return out


def issue(ws: Workspace, actor: Actor, request: IssueRequest, *,
          now: datetime | None = None) -> IssueResult:
    """Issue one batch per county with sites at or above ``min_level`` for the window.

    Every county is authorised (``ENFORCE``) before anything is written, so a county user
    asking for another county gets a refusal and no batch at all.
    """
    now = now or _now()
    rules = load_rules(ws)
    run = compute_warnings(ws, actor, request.on, rules=rules, counties=request.counties)
    warned = [w for w in run.points + run.zones if w.level >= request.min_level]
    counties = sorted({w.county for w in warned})
    wanted = sorted(set(request.counties or []) | set(counties))
    for county in wanted:
        ws.authorize(actor, policy.Action.ENFORCE, county, what=f"warning batch {county}")
    register = read_register(ws, actor, counties=counties).points
    names = county_names(ws)
    start = datetime.combine(request.on, time(8, 0))  # 08:00 to 08:00 (Beijing time)
    batches = []
    with ws.session() as s:
        for county in counties:
            mine = [w for w in warned if w.county == county]
            seq = 1 + (s.scalar(select(func.count()).select_from(BatchRow).where(
                BatchRow.county == county, BatchRow.day == request.on)) or 0)
            counts: dict[str, int] = {}
            for w in mine:
                counts[Level(w.level).name.lower()] = counts.get(Level(w.level).name.lower(), 0) + 1
            row = BatchRow(batch_no=f"YJ{request.on:%Y%m%d}-{county}-{seq}", county=county,
                           status=BatchStatus.ISSUED.value, day=request.on, window_start=start,
                           window_end=start + timedelta(hours=request.hours), rules=rules.name,
                           points=sum(w.site == "point" for w in mine),
                           zones=sum(w.site == "zone" for w in mine),
                           max_level=max(int(w.level) for w in mine), counts=counts,
                           zone_area_m2=round(sum(w.area_m2 or 0.0 for w in mine), 1),
                           issued_by=actor.username, issued_at=now, summary={},
                           note=request.note, version=1)
            s.add(row)
            s.flush()
            s.add_all([WarningRow(batch_id=row.id, site=w.site, site_id=w.id, county=county,
                                  level=int(w.level), detail=w.model_dump(mode="json"))
                       for w in mine])
            s.add_all(_notice_rows(row.id, county, names.get(county, ""), mine, register,
                                   request.on))
            s.add(BatchLogRow(batch_id=row.id, seq=1, action="issue", to_status=row.status,
                              actor=actor.username, at=now,
                              detail={"min_level": int(request.min_level), "counts": counts}))
            batches.append(_batch(row))
    for b in batches:
        ws.audit(actor.username, "hazards.issue", b.batch_no, {"counts": b.counts})
    skipped = [c for c in (request.counties or []) if c not in counties]
    return IssueResult(on=request.on, batches=batches, skipped=skipped)


def _get_row(s: Session, batch_id: int) -> BatchRow:
    row = s.get(BatchRow, batch_id)
    if row is None:
        raise BatchNotFound(f"no warning batch {batch_id}")
    return row


def _authorized_row(ws: Workspace, actor: Actor, batch_id: int,
                    action: policy.Action) -> BatchRow:
    with ws.session() as s:
        row = _get_row(s, batch_id)
    ws.authorize(actor, action, row.county, what=f"warning batch {batch_id}")
    return row


def list_batches(ws: Workspace, actor: Actor, *, county: str | None = None,
                 status: BatchStatus | None = None, on: date | None = None) -> list[Batch]:
    """Batches in the actor's scope, newest first."""
    ws.authorize(actor, policy.Action.READ, what="warning batches")
    q = select(BatchRow).order_by(BatchRow.id.desc())
    if county:
        q = q.where(BatchRow.county == county)
    if status:
        q = q.where(BatchRow.status == status.value)
    if on:
        q = q.where(BatchRow.day == on)
    with ws.session() as s:
        rows = s.scalars(q).all()
    return [_batch(r) for r in rows if ws.allows(actor, policy.Action.READ, r.county)]


def _responses(s: Session, batch_id: int) -> list[Response]:
    rows = s.scalars(select(ResponseRow).where(ResponseRow.batch_id == batch_id)
                     .order_by(ResponseRow.id)).all()
    return [Response(id=r.id, batch_id=r.batch_id, point_id=r.point_id, kind=ResponseKind(r.kind),
                     kind_zh=RESPONSE_ZH[r.kind], people_moved=r.people_moved, comment=r.comment,
                     actor=r.actor, at=r.at) for r in rows]


def get_batch(ws: Workspace, actor: Actor, batch_id: int) -> BatchDetail:
    """One batch with its warnings, notices (with the responses so far) and responses."""
    row = _authorized_row(ws, actor, batch_id, policy.Action.READ)
    with ws.session() as s:
        warnings = [SiteWarning.model_validate(w.detail) for w in s.scalars(
            select(WarningRow).where(WarningRow.batch_id == batch_id).order_by(WarningRow.id))]
        notice_rows = s.scalars(select(NoticeRow).where(NoticeRow.batch_id == batch_id)
                                .order_by(NoticeRow.id)).all()
        responses = _responses(s, batch_id)
    notices = []
    for n in notice_rows:
        mine = [r for r in responses if r.point_id == n.point_id]
        notices.append(Notice(id=n.id, batch_id=n.batch_id, point_id=n.point_id, county=n.county,
                              level=Level(n.level), level_zh=LEVEL_ZH[Level(n.level)],
                              responsible=n.responsible, monitor=n.monitor, phone=n.phone,
                              threatened_people=n.people, sms=n.sms,
                              responses=[r.kind.value for r in mine],
                              people_moved=sum(r.people_moved for r in mine)))
    return BatchDetail(**_batch(row).model_dump(), warnings=warnings, notices=notices,
                       responses=responses)


def respond(ws: Workspace, actor: Actor, batch_id: int, request: ResponseRequest) -> Response:
    """Record a response to the notice of one point; refused once the batch is lifted."""
    row = _authorized_row(ws, actor, batch_id, policy.Action.ENFORCE)
    if row.status == BatchStatus.CLOSED.value:
        raise BatchClosed(f"batch {row.batch_no} was lifted (已解除) at {row.closed_at}; "
                          "it takes no more responses")
    if request.people_moved and request.kind != ResponseKind.EVACUATED:
        raise InvalidInput("people_moved belongs to an evacuation (已撤离) only")
    at = request.at or _now()
    with ws.session() as s:
        notice = s.scalars(select(NoticeRow).where(NoticeRow.batch_id == batch_id,
                                                   NoticeRow.point_id == request.point_id)).first()
        if notice is None:
            raise InvalidInput(f"point {request.point_id} has no notice in batch {row.batch_no}")
        if _get_row(s, batch_id).status != BatchStatus.ISSUED.value:  # lifted meanwhile
            raise BatchClosed(f"batch {row.batch_no} was lifted (已解除)")
        r = ResponseRow(batch_id=batch_id, point_id=request.point_id, county=row.county,
                        kind=request.kind.value, people_moved=request.people_moved,
                        comment=request.comment, actor=actor.username, at=at)
        s.add(r)
        s.flush()
        out = Response(id=r.id, batch_id=batch_id, point_id=r.point_id, kind=request.kind,
                       kind_zh=RESPONSE_ZH[r.kind], people_moved=r.people_moved,
                       comment=r.comment, actor=r.actor, at=r.at)
    ws.audit(actor.username, "hazards.respond", f"{row.batch_no}/{request.point_id}",
             {"kind": request.kind.value, "people_moved": request.people_moved})
    return out


def feedback_summary(detail: BatchDetail) -> dict[str, object]:
    """Summarise the field's work: notices, responses per kind, people moved, silent points."""
    kinds = {k.value: 0 for k in ResponseKind}
    for r in detail.responses:
        kinds[r.kind.value] += 1
    silent = [n.point_id for n in detail.notices if not n.responses]
    return {"notices": len(detail.notices), "responses": kinds,
            "people_moved": sum(r.people_moved for r in detail.responses),
            "reported": kinds[ResponseKind.REPORTED.value],
            "unanswered": silent[:200], "unanswered_count": len(silent)}


def close(ws: Workspace, actor: Actor, batch_id: int, request: CloseRequest, *,
          now: datetime | None = None) -> Batch:
    """Lift (解除) a batch with its feedback summary; a lifted batch cannot be lifted again."""
    now = now or _now()
    detail = get_batch(ws, actor, batch_id)
    ws.authorize(actor, policy.Action.ENFORCE, detail.county, what=f"warning batch {batch_id}")
    if detail.status == BatchStatus.CLOSED:
        raise BatchClosed(f"batch {detail.batch_no} was already lifted")
    summary = {**feedback_summary(detail), "comment": request.comment}
    with ws.session() as s:
        version = _get_row(s, batch_id).version
        done = s.execute(update(BatchRow).where(BatchRow.id == batch_id,
                                                BatchRow.version == version,
                                                BatchRow.status == BatchStatus.ISSUED.value)
                         .values(status=BatchStatus.CLOSED.value, closed_by=actor.username,
                                 closed_at=now, summary=summary, version=version + 1))
        if done.rowcount != 1:  # type: ignore[attr-defined]
            raise Conflict(f"batch {detail.batch_no} changed meanwhile; reload it")
        s.add(BatchLogRow(batch_id=batch_id, seq=version + 1, action="close",
                          to_status=BatchStatus.CLOSED.value, actor=actor.username, at=now,
                          detail=summary))
        row = _get_row(s, batch_id)
        s.refresh(row)
        out = _batch(row)
    ws.audit(actor.username, "hazards.close", detail.batch_no, summary)
    return out


def record_event(ws: Workspace, actor: Actor, request: EventRequest, *,
                 now: datetime | None = None) -> HazardEvent:
    """Record an event at a point; link it to the batch that warned the point that day."""
    return record_events(ws, actor, [request], now=now)[0]


def record_events(ws: Workspace, actor: Actor, requests: list[EventRequest], *,
                  now: datetime | None = None) -> list[HazardEvent]:
    """Record events (one report or a disaster record); each linked to its batch or a miss.

    Every point must be in the actor's scope and every county authorised (``ENFORCE``)
    before anything is written.
    """
    points = read_register(ws, actor, active_only=False).points
    county_of = dict(zip(points["site_id"], points["county"].astype(str), strict=True))
    missing = sorted({r.point_id for r in requests} - set(county_of))
    if missing:
        raise HazardPointNotFound(f"no hazard point {', '.join(missing[:10])} in your scope")
    for county in sorted({county_of[r.point_id] for r in requests}):
        ws.authorize(actor, policy.Action.ENFORCE, county, what=f"hazard events {county}")
    at = now or _now()
    out = []
    with ws.session() as s:
        for req in requests:
            county = county_of[req.point_id]
            hit = s.execute(
                select(BatchRow.id, WarningRow.level)
                .join(WarningRow, WarningRow.batch_id == BatchRow.id)
                .where(BatchRow.county == county, BatchRow.day == req.on,
                       WarningRow.site == "point", WarningRow.site_id == req.point_id)
                .order_by(WarningRow.level.desc())).first()
            row = EventRow(point_id=req.point_id, county=county, day=req.on, kind=req.kind,
                           casualties=req.casualties, batch_id=hit[0] if hit else None,
                           warned_level=int(hit[1]) if hit else 0, actor=actor.username,
                           at=at, comment=req.comment)
            s.add(row)
            s.flush()
            out.append(_event(row))
    ws.audit(actor.username, "hazards.event", f"{len(out)} event(s)",
             {"covered": sum(e.covered for e in out), "points": [e.point_id for e in out][:50]})
    return out


def _event(r: EventRow) -> HazardEvent:
    return HazardEvent(id=r.id, point_id=r.point_id, county=r.county, on=r.day, kind=r.kind,
                       casualties=r.casualties, batch_id=r.batch_id,
                       warned_level=Level(r.warned_level), covered=r.batch_id is not None,
                       actor=r.actor, at=r.at, comment=r.comment)


def list_events(ws: Workspace, actor: Actor, *, start: date | None = None,
                end: date | None = None) -> list[HazardEvent]:
    """Return the recorded events in the actor's scope."""
    ws.authorize(actor, policy.Action.READ, what="hazard events")
    q = select(EventRow).order_by(EventRow.day, EventRow.id)
    if start:
        q = q.where(EventRow.day >= start)
    if end:
        q = q.where(EventRow.day <= end)
    with ws.session() as s:
        rows = s.scalars(q).all()
    return [_event(r) for r in rows if ws.allows(actor, policy.Action.READ, r.county)]


def bulletin(ws: Workspace, actor: Actor, on: date) -> Bulletin:
    """Return the bulletin of ``on``: every batch issued for that day in scope, the rules."""
    ws.authorize(actor, policy.Action.EXPORT, what=f"warning bulletin {on}")
    rules = load_rules(ws)
    batches = [get_batch(ws, actor, b.id) for b in list_batches(ws, actor, on=on)]
    counts: dict[str, int] = {}
    for b in batches:
        for k, v in b.counts.items():
            counts[k] = counts.get(k, 0) + v
    ws.audit(actor.username, "hazards.bulletin", str(on), {"batches": len(batches)})
    return Bulletin(on=on, issued_at=max((b.issued_at for b in batches), default=_now()),
                    rules=rules, county_names=county_names(ws), batches=batches, counts=counts,
                    level_thresholds={c: {Level(k).name.lower(): v
                                          for k, v in rules.level_thresholds(c).items()}
                                      for c in rules.thresholds})


def notices_for_export(ws: Workspace, actor: Actor, batch_id: int) -> BatchDetail:
    """Return a batch for the notice list file: ``EXPORT`` in its county, audited."""
    detail = get_batch(ws, actor, batch_id)
    ws.authorize(actor, policy.Action.EXPORT, detail.county, what=f"notices {batch_id}")
    ws.audit(actor.username, "hazards.notices", detail.batch_no, {"notices": len(detail.notices)})
    return detail


def respond_all(ws: Workspace, actor: Actor, batch_id: int, kind: ResponseKind, *,
                comment: str = "") -> list[Response]:
    """Record the same response for every notice of a batch (e.g. 已通知 after the SMS run)."""
    detail = get_batch(ws, actor, batch_id)
    return [respond(ws, actor, batch_id, ResponseRequest(point_id=n.point_id, kind=kind,
                                                         comment=comment))
            for n in detail.notices]
