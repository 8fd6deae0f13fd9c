"""``onemap hazards``: geohazard warning (地质灾害气象风险预警) and its closed loop."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from onemap.cli.identity import UserOpt, actor_for
from onemap.cli.output import emit_json, stderr, stdout
from onemap.store.workspace import Workspace

app = typer.Typer(help="地质灾害气象风险预警 geohazard warning: import → warn → issue 发布 → "
                       "respond 响应 → close 解除; score / calibrate on the history.",
                  no_args_is_help=True)
JsonOpt = Annotated[bool, typer.Option("--json", help="print the result as JSON")]
Dir = Annotated[Path, typer.Argument(help="workspace folder")]
Day = Annotated[datetime, typer.Option("--on", formats=["%Y-%m-%d"], help="day (YYYY-MM-DD)")]
Batch = Annotated[int, typer.Argument(help="warning batch id")]
WHAT = ("points", "zones", "rain", "forecast")


@app.command("import")
def import_cmd(directory: Dir, file: Annotated[Path, typer.Argument(help="file to import")],
               what: Annotated[str, typer.Option(
                   "--what", help="points (隐患点: SHP/GPKG/XLSX with 经度/纬度) | zones (风险区) "
                                  "| rain (station CSV) | forecast (GeoTIFF/NetCDF grid)")],
               on: Annotated[datetime | None, typer.Option(
                   "--on", formats=["%Y-%m-%d"], help="forecast: the day it is valid for")] = None,
               lead: Annotated[int, typer.Option(help="forecast lead time (24/48/72 h)")] = 24,
               band: Annotated[int, typer.Option(help="forecast band / time step")] = 1,
               variable: Annotated[str | None, typer.Option(help="NetCDF variable")] = None,
               vintage: Annotated[int, typer.Option(help="register vintage (年度)")] = 2020,
               user: UserOpt = "", json_: JsonOpt = False) -> None:
    """Import the register, station rainfall or a forecast grid (bad input changes nothing)."""
    from onemap.hazards import service

    if what not in WHAT:
        raise typer.BadParameter(f"--what must be one of {', '.join(WHAT)}")
    ws = Workspace.open(directory)
    actor = actor_for(ws, user)
    result: object
    if what == "rain":
        result = service.import_rainfall(ws, actor, file)
    elif what == "forecast":
        if on is None:
            raise typer.BadParameter("--on is needed for a forecast grid")
        result = service.import_forecast(ws, actor, file, on.date(), lead_hours=lead, band=band,
                                         variable=variable)
    else:
        from onemap.store.formats.models import ImportRequest

        kind = "hazard_point" if what == "points" else "hazard_zone"
        result = service.import_register(ws, actor, ImportRequest(path=file, kind=kind,
                                                                  vintage=vintage))
    if json_:
        emit_json(result)
        return
    stdout.print(result)


def _warn_table(run: object) -> Table:
    from onemap.hazards.models import Level, WarningRun

    assert isinstance(run, WarningRun)
    view = Table(title=f"{run.on} 预警 warnings (规则 {run.rules}, "
                       f"R0 {'网格预报' if run.forecast else '实况'})")
    for col in ("类型", "编号", "县", "易发", "等级", "Pe mm", "R0 mm", "规则"):
        view.add_column(col)
    for w in sorted(run.points + run.zones, key=lambda w: (-int(w.level), w.id)):
        if w.level > Level.NONE:
            view.add_row("点" if w.site == "point" else "区", w.id, w.county, w.susceptibility,
                         w.level_zh, f"{w.pe_mm:.1f}", f"{w.forecast_mm:.1f}", w.rule)
    return view


@app.command("warn")
def warn_cmd(directory: Dir, on: Day, observed: Annotated[bool, typer.Option(
                 "--observed", help="use the stations' rain of the day, not the forecast")] = False,
             county: Annotated[str | None, typer.Option(help="only this county")] = None,
             user: UserOpt = "", json_: JsonOpt = False) -> None:
    """Compute the day's warnings (nothing stored): level, figures and rule of every site."""
    from onemap.hazards import service

    ws = Workspace.open(directory)
    run = service.compute_warnings(ws, actor_for(ws, user), on.date(), use_forecast=not observed,
                                   counties=[county] if county else None)
    if json_:
        emit_json(run)
        return
    stdout.print(_warn_table(run))
    stdout.print(f"预警 warned: {run.counts}")


@app.command("issue")
def issue_cmd(directory: Dir, on: Day,
              county: Annotated[list[str] | None, typer.Option(help="only these counties")] = None,
              min_level: Annotated[str, typer.Option(help="blue / yellow / orange / red")] = "blue",
              hours: Annotated[int, typer.Option(help="window length (h)")] = 24,
              user: UserOpt = "", json_: JsonOpt = False) -> None:
    """Issue (发布) one warning batch per county, with a notice for every warned point."""
    from onemap.hazards import loop
    from onemap.hazards.models import LEVEL_NAMES, LEVEL_ZH, IssueRequest

    if min_level not in LEVEL_NAMES or min_level == "none":
        raise typer.BadParameter("--min-level must be blue, yellow, orange or red")
    ws = Workspace.open(directory)
    result = loop.issue(ws, actor_for(ws, user), IssueRequest(
        on=on.date(), hours=hours, counties=county or None, min_level=LEVEL_NAMES[min_level]))
    if json_:
        emit_json(result)
        return
    for b in result.batches:
        counts = "、".join(f"{LEVEL_ZH[LEVEL_NAMES[k]]} {n}" for k, n in b.counts.items()
                          if k in LEVEL_NAMES)
        stdout.print(f"已发布 {b.batch_no} (id {b.id}): 隐患点 {b.points}, 风险区 {b.zones}; "
                     f"{counts}")
    if not result.batches:
        stdout.print("无需发布 nothing to warn")


@app.command("batches")
def batches_cmd(directory: Dir, user: UserOpt = "", json_: JsonOpt = False) -> None:
    """List warning batches in your scope."""
    from onemap.hazards import loop

    ws = Workspace.open(directory)
    batches = loop.list_batches(ws, actor_for(ws, user))
    if json_:
        emit_json(batches)
        return
    for b in batches:
        stdout.print(f"{b.id}\t{b.batch_no}\t{b.status_zh}\t点 {b.points}\t区 {b.zones}")


@app.command("show")
def show_cmd(directory: Dir, batch: Batch,
             xlsx: Annotated[Path | None, typer.Option(
                 help="write the notices to FILE.xlsx")] = None,
             user: UserOpt = "", json_: JsonOpt = False) -> None:
    """Show a batch: warnings, notices (SMS text), responses; --xlsx writes the notice list."""
    from onemap.hazards import loop

    ws = Workspace.open(directory)
    detail = loop.get_batch(ws, actor_for(ws, user), batch)
    if xlsx is not None:
        from onemap.reports.hazards import write_notices

        write_notices(xlsx, detail)
        stderr.print(f"已写出 written {xlsx}")
    if json_:
        emit_json(detail)
        return
    stdout.print(f"{detail.batch_no} {detail.status_zh} {detail.summary or ''}")
    for n in detail.notices:
        stdout.print(f"{n.point_id}\t{n.level_zh}\t{','.join(n.responses) or '未反馈'}\t{n.sms}")


@app.command("respond")
def respond_cmd(directory: Dir, batch: Batch,
                point: Annotated[str, typer.Argument(help="灾害点编号, or all (every notice)")],
                kind: Annotated[str, typer.Argument(
                    help="notified 已通知 | patrolled 已巡查 | evacuated 已撤离 | "
                         "reported 险情上报")],
                people: Annotated[int, typer.Option(help="people moved (evacuated)")] = 0,
                comment: Annotated[str, typer.Option(help="说明")] = "",
                user: UserOpt = "", json_: JsonOpt = False) -> None:
    """Record a response to a point's notice (refused once the batch is lifted)."""
    from onemap.hazards import loop
    from onemap.hazards.models import ResponseKind, ResponseRequest

    if kind not in {k.value for k in ResponseKind}:
        raise typer.BadParameter(f"unknown response {kind!r}")
    ws = Workspace.open(directory)
    if point == "all":
        many = loop.respond_all(ws, actor_for(ws, user), batch, ResponseKind(kind),
                                comment=comment)
        if json_:
            emit_json(many)
            return
        stdout.print(f"已记录 {len(many)} 处 {kind}")
        return
    resp = loop.respond(ws, actor_for(ws, user), batch, ResponseRequest(
        point_id=point, kind=ResponseKind(kind), people_moved=people, comment=comment))
    if json_:
        emit_json(resp)
        return
    stdout.print(f"已记录 {resp.point_id} {resp.kind_zh} {resp.people_moved or ''}")


@app.command("close")
def close_cmd(directory: Dir, batch: Batch,
              comment: Annotated[str, typer.Option(help="feedback (反馈)")] = "",
              user: UserOpt = "", json_: JsonOpt = False) -> None:
    """Lift (解除) a batch with the feedback summary of its responses."""
    from onemap.hazards import loop
    from onemap.hazards.models import CloseRequest

    ws = Workspace.open(directory)
    b = loop.close(ws, actor_for(ws, user), batch, CloseRequest(comment=comment))
    if json_:
        emit_json(b)
        return
    stdout.print(f"已解除 {b.batch_no}: {b.summary}")


@app.command("event")
def event_cmd(directory: Dir, point: Annotated[str, typer.Argument(help="灾害点编号")], on: Day,
              kind: Annotated[str, typer.Option(help="landslide / collapse / debris_flow")] =
              "landslide", user: UserOpt = "", json_: JsonOpt = False) -> None:
    """Record an event; it links to the batch that warned the point that day, or is a miss."""
    from onemap.hazards import loop
    from onemap.hazards.models import EventRequest

    ws = Workspace.open(directory)
    e = loop.record_event(ws, actor_for(ws, user), EventRequest(point_id=point, on=on.date(),
                                                                 kind=kind))
    if json_:
        emit_json(e)
        return
    stdout.print(f"{e.point_id} {e.on}: {'命中 batch ' + str(e.batch_id) if e.covered else '漏报'}")


@app.command("score")
def score_cmd(directory: Dir,
              start: Annotated[datetime, typer.Option("--from", formats=["%Y-%m-%d"])],
              end: Annotated[datetime, typer.Option("--to", formats=["%Y-%m-%d"])],
              post: Annotated[bool, typer.Option(
                  "--post-indicators", help="record the scores as indicator statistics")] = False,
              user: UserOpt = "", json_: JsonOpt = False) -> None:
    """Hindcast scores: hits, misses, false alarms, POD, FAR, CSI, TSS per level and county."""
    from onemap.hazards import evaluation
    from onemap.hazards.models import LEVEL_ZH

    ws = Workspace.open(directory)
    actor = actor_for(ws, user)
    report = evaluation.score(ws, actor, start.date(), end.date())
    if post:
        n = evaluation.post_scores(ws, actor, report, start.year)
        stderr.print(f"指标 indicators: {n} values posted")
    if json_:
        emit_json(report)
        return
    view = Table(title=f"回算检验 hindcast {report.start}–{report.end}: {report.points} 点, "
                       f"{report.events} 起灾害")
    for col in ("等级≥", "县", "命中", "漏报", "空报", "POD", "FAR", "CSI", "TSS"):
        view.add_column(col)

    def f(v: float | None) -> str:
        return "-" if v is None else f"{v:.3f}"

    for r in report.rows:
        if r.county == "all" or r.hits + r.misses:
            view.add_row(LEVEL_ZH[r.level], "全部" if r.county == "all" else r.county,
                         str(r.hits), str(r.misses),
                         str(r.false_alarms), f(r.pod), f(r.far), f(r.csi), f(r.tss))
    stdout.print(view)


@app.command("calibrate")
def calibrate_cmd(directory: Dir,
                  start: Annotated[datetime, typer.Option("--from", formats=["%Y-%m-%d"])],
                  end: Annotated[datetime, typer.Option("--to", formats=["%Y-%m-%d"])],
                  objective: Annotated[str, typer.Option(help="tss or csi")] = "tss",
                  user: UserOpt = "", json_: JsonOpt = False) -> None:
    """Fit the critical rainfall per 易发程度 on the recorded events and report it."""
    from onemap.hazards import evaluation

    if objective not in ("tss", "csi"):
        raise typer.BadParameter("--objective must be tss or csi")
    ws = Workspace.open(directory)
    result = evaluation.calibrate(ws, actor_for(ws, user), start.date(), end.date(),
                                  objective=objective)
    if json_:
        emit_json(result)
        return
    for cls, t in result.fitted.items():
        stdout.print(f"{cls}易发: 临界 Pe {t} mm (现行 {result.current[cls]} mm), "
                     f"{objective.upper()} {result.score[cls]}; 建议 {result.thresholds[cls]}")
    stdout.print(f"I–D α = {result.idf_alpha}")


@app.command("bulletin")
def bulletin_cmd(directory: Dir, on: Day,
                 out: Annotated[Path, typer.Option(help="FILE.pdf or FILE.html")],
                 user: UserOpt = "") -> None:
    """Write the day's warning bulletin (预警单): map, warned points per county, rules."""
    from onemap.hazards import loop, service
    from onemap.reports.hazards import render_bulletin_html, render_bulletin_pdf

    ws = Workspace.open(directory)
    actor = actor_for(ws, user)
    b = loop.bulletin(ws, actor, on.date())
    zones, counties = service.bulletin_layers(ws, actor)
    if out.suffix.lower() == ".html":
        out.write_text(render_bulletin_html(b, zones, counties), encoding="utf-8")
    else:
        render_bulletin_pdf(b, zones, counties, out)
    stderr.print(f"已写出 written {out}")


@app.command("status")
def status_cmd(directory: Dir, point: Annotated[str, typer.Argument(help="灾害点编号")],
               status: Annotated[str | None, typer.Argument(
                   help="registered 在册 / treated 已治理 / relocated 已搬迁 / cancelled 核销; "
                        "omit to show the history")] = None,
               reason: Annotated[str, typer.Option(help="原因")] = "",
               user: UserOpt = "", json_: JsonOpt = False) -> None:
    """Change a point's status (appended to its history) or show the history."""
    from onemap.hazards import service

    ws = Workspace.open(directory)
    actor = actor_for(ws, user)
    if status is not None:
        service.set_status(ws, actor, point, status, reason)
    history = service.status_history(ws, actor, point)
    if json_:
        emit_json(history)
        return
    for h in history:
        stdout.print(f"{h.at:%Y-%m-%d %H:%M}\t{h.status_zh}\t{h.actor}\t{h.reason}")


def register(app_: typer.Typer) -> None:
    """Add the ``hazards`` command group to ``app_``."""
    app_.add_typer(app, name="hazards")

