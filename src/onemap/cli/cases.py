"""``onemap cases``: enforcement cases (执法案件) — list, show, act, attach, evidence sheet."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from onemap.cli.identity import UserOpt, actor_for
from onemap.cli.output import emit_json, stderr, stdout
from onemap.store.workspace import Workspace

app = typer.Typer(help="执法案件 enforcement cases: 下发 → 核查 → 审核 → 立案 → 整改 → 销号.",
                  no_args_is_help=True)
JsonOpt = Annotated[bool, typer.Option("--json", help="print the result as JSON")]
Dir = Annotated[Path, typer.Argument(help="workspace folder")]
CaseArg = Annotated[str, typer.Argument(help="case id or number (案件编号)")]


def _case_key(value: str) -> int | str:
    return int(value) if value.isdigit() else value


@app.command("open")
def open_cmd(directory: Dir, batch: Annotated[int, typer.Argument(help="detection batch id")],
             user: UserOpt = "", json_: JsonOpt = False) -> None:
    """Issue (下发) a case for every suspected / to-verify patch of a batch."""
    from onemap.cases import service

    ws = Workspace.open(directory)
    result = service.open_cases(ws, actor_for(ws, user), batch)
    if json_:
        emit_json(result)
        return
    stdout.print(f"已下发 {len(result.created)} 件，已存在 {result.skipped} 件")


@app.command("list")
def list_cmd(directory: Dir,
             status: Annotated[str | None, typer.Option(
                 help="issued / submitted / confirmed / filed / rectifying / closed")] = None,
             county: Annotated[str | None, typer.Option(help="county code")] = None,
             xlsx: Annotated[Path | None, typer.Option(help="write the list to FILE.xlsx")] = None,
             user: UserOpt = "", json_: JsonOpt = False) -> None:
    """List cases in your scope; platform suspicion and reviewed verdicts shown apart."""
    from onemap.cases import service
    from onemap.cases.models import CaseStatus

    ws = Workspace.open(directory)
    if status is not None and status not in {s.value for s in CaseStatus}:
        raise typer.BadParameter(f"unknown status {status!r}")
    actor = actor_for(ws, user)
    wanted = CaseStatus(status) if status else None
    if xlsx is not None:
        from onemap.reports.change_tables import write_case_list

        cases = service.export_cases(ws, actor, status=wanted, county=county)
        write_case_list(xlsx, cases)
        stderr.print(f"已写出 written {xlsx}")
    else:
        cases = service.list_cases(ws, actor, status=wanted, county=county)
    if json_:
        emit_json(cases)
        return
    view = Table(title=f"案件 cases ({len(cases)})")
    for col in ("编号", "县", "状态", "平台预判", "核查结论", "确认违法", "面积(亩)", "期限"):
        view.add_column(col)
    for c in cases:
        view.add_row(c.case_no, c.county, c.status_zh, c.pre_judgement,
                     (c.verdict.value if c.verdict else "-") + ("" if c.verdict_stands else
                                                                 " (未审核)" if c.verdict else ""),
                     "是" if c.illegal else "", f"{c.area_m2 * 15 / 10_000:,.2f}",
                     str(c.due_date or "-"))
    stdout.print(view)


@app.command("show")
def show_cmd(directory: Dir, case: CaseArg, user: UserOpt = "", json_: JsonOpt = False) -> None:
    """Show a case with its append-only history and attachments."""
    from onemap.cases import service

    ws = Workspace.open(directory)
    detail = service.get_case(ws, actor_for(ws, user), _case_key(case))
    if json_:
        emit_json(detail)
        return
    c = detail.case
    stdout.print(f"[bold]{c.case_no}[/bold] {c.status_zh}  版本 v{c.version}  "
                 f"平台预判 {c.pre_judgement}  核查结论 {c.verdict.value if c.verdict else '-'}"
                 f"{'（已审核）' if c.verdict_stands else ''}")
    view = Table(title="案件日志 events")
    for col in ("#", "时间", "人员", "操作", "从", "到", "原因", "说明"):
        view.add_column(col)
    for e in detail.events:
        view.add_row(str(e.seq), e.at.isoformat(" ", "minutes"), e.actor, e.action.value,
                     e.from_status or "-", e.to_status, e.reason_code or "", e.comment)
    stdout.print(view)
    for a in detail.attachments:
        stdout.print(f"附件 {a.id}: {a.filename} {a.size} B sha256 {a.sha256}")


@app.command("transition")
def transition_cmd(
    directory: Dir, case: CaseArg,
    action: Annotated[str, typer.Argument(help="verify / approve / reject / file / rectify / "
                                               "close / comment / set_due")],
    verdict: Annotated[str | None, typer.Option(help="合法 / 违法 / 未变化 / 其他")] = None,
    reason: Annotated[str | None, typer.Option(help="reason code (原因代码)")] = None,
    comment: Annotated[str, typer.Option(help="说明")] = "",
    version: Annotated[int | None, typer.Option(help="the case version you saw")] = None,
    due: Annotated[str | None, typer.Option(help="due date YYYY-MM-DD")] = None,
    event_date: Annotated[str | None, typer.Option(help="date of the change on the ground")
                          ] = None,
    user: UserOpt = "", json_: JsonOpt = False,
) -> None:
    """Move a case one step (an append-only event); refused moves exit with code 11."""
    from onemap.cases import service
    from onemap.cases.models import TransitionRequest

    ws = Workspace.open(directory)
    try:
        req = TransitionRequest.model_validate({
            "action": action, "verdict": verdict, "reason_code": reason, "comment": comment,
            "expected_version": version,
            "due_date": date.fromisoformat(due) if due else None,
            "event_date": date.fromisoformat(event_date) if event_date else None})
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    out = service.transition(ws, actor_for(ws, user), _case_key(case), req)
    if json_:
        emit_json(out)
        return
    stdout.print(f"{out.case_no}: {out.status_zh} (v{out.version})")


@app.command("attach")
def attach_cmd(directory: Dir, case: CaseArg,
               file: Annotated[Path, typer.Argument(help="photo or document", exists=True,
                                                    dir_okay=False)],
               comment: Annotated[str, typer.Option(help="说明")] = "",
               user: UserOpt = "", json_: JsonOpt = False) -> None:
    """Attach a file; it is stored under attachments/ with its sha256."""
    from onemap.cases import service

    ws = Workspace.open(directory)
    att = service.attach(ws, actor_for(ws, user), _case_key(case), file.name,
                         file.read_bytes(), comment=comment)
    if json_:
        emit_json(att)
        return
    stdout.print(f"附件 {att.id} {att.filename} sha256 {att.sha256}")


@app.command("sheet")
def sheet_cmd(directory: Dir, case: CaseArg,
              out: Annotated[Path, typer.Option(help="PDF (or .html) to write")],
              lang: Annotated[str, typer.Option(help="zh or en")] = "zh",
              user: UserOpt = "", json_: JsonOpt = False) -> None:
    """Evidence sheet (举证核查表) of a case: PDF with before/after maps."""
    from onemap.cases.evidence import export_sheet
    from onemap.reports.case_sheet import render_case_sheet_html, render_case_sheet_pdf

    ws = Workspace.open(directory)
    html = out.suffix.lower() == ".html"
    sheet = export_sheet(ws, actor_for(ws, user), _case_key(case),
                         fmt="html" if html else "pdf")
    if html:
        out.write_text(render_case_sheet_html(ws, sheet, lang=lang), encoding="utf-8")
    else:
        render_case_sheet_pdf(ws, sheet, out, lang=lang)
    if json_:
        emit_json(sheet)
        return
    stderr.print(f"已写出 written {out}")


@app.command("warnings")
def warnings_cmd(directory: Dir,
                 on: Annotated[str | None, typer.Option(help="date YYYY-MM-DD (default today)")
                               ] = None,
                 user: UserOpt = "", json_: JsonOpt = False) -> None:
    """Overdue and due-soon cases (超期预警)."""
    from onemap.cases import service

    ws = Workspace.open(directory)
    today = date.fromisoformat(on) if on else date.today()
    items = service.warnings(ws, actor_for(ws, user), today)
    if json_:
        emit_json(items)
        return
    for w in items:
        label = f"超期 {w.days} 天" if w.level == "overdue" else f"剩余 {-w.days} 天"
        stdout.print(f"{w.case_no} {w.county} {w.status.value} 期限 {w.due_date} {label}")


def register(main: typer.Typer) -> None:
    """Add the ``cases`` command group to ``main``."""
    main.add_typer(app, name="cases")
