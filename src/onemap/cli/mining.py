"""``onemap mining``: mining supervision (矿产资源监管) — rights, checks, quotas, restoration."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from onemap.cli.identity import UserOpt, actor_for
from onemap.cli.output import emit_json, stderr, stdout
from onemap.store.workspace import Workspace

app = typer.Typer(help="矿产资源监管 mining rights, conflicts, quota control, restoration, "
                       "green mines.", no_args_is_help=True)
JsonOpt = Annotated[bool, typer.Option("--json", help="print the result as JSON")]
Dir = Annotated[Path, typer.Argument(help="workspace folder")]
AsOf = Annotated[str, typer.Option("--as-of", help="check date YYYY-MM-DD (default today)")]


def _date(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        raise typer.BadParameter(f"not a date YYYY-MM-DD: {text!r}") from None


@app.command("import")
def import_cmd(directory: Dir,
               file: Annotated[Path, typer.Argument(help="拐点坐标 TXT, Shapefile, GPKG, GeoJSON")],
               right_type: Annotated[str, typer.Option("--type", help="mining (采矿权) or "
                                                               "exploration (探矿权)")] = "",
               right_no: Annotated[str, typer.Option("--licence", help="许可证号")] = "",
               status: Annotated[str, typer.Option(help="application/active/suspended/"
                                                        "closed")] = "",
               county: Annotated[str, typer.Option(help="county code")] = "",
               holder: Annotated[str, typer.Option(help="矿业权人")] = "",
               minerals: Annotated[str, typer.Option(help="矿种, 、-separated")] = "",
               valid_to: Annotated[str, typer.Option(help="有效期止 YYYY-MM-DD")] = "",
               user: UserOpt = "", json_: JsonOpt = False) -> None:
    """Register rights from a file; a new right the rules refuse is listed, not stored."""
    from onemap.mining.import_service import import_rights_file

    ws = Workspace.open(directory)
    defaults = {"right_type": right_type, "right_no": right_no, "status": status,
                "county": county, "holder": holder,
                "minerals": [m for m in minerals.split("、") if m],
                "valid_to": _date(valid_to)}
    out = import_rights_file(ws, actor_for(ws, user), file, defaults=defaults)
    if json_:
        emit_json(out)
        return
    stdout.print(f"{out.file}: 新增 {out.added}, 更新 {out.updated}")
    for no in out.refused:
        stdout.print(f"[red]不予受理 refused[/red] {no}（与禁止新设矿业权的管控区重叠）")


@app.command("rights")
def rights_cmd(directory: Dir, county: Annotated[str, typer.Option(help="county")] = "",
               right_type: Annotated[str, typer.Option("--type")] = "",
               status: Annotated[str, typer.Option()] = "",
               user: UserOpt = "", json_: JsonOpt = False) -> None:
    """List the rights register (采矿权/探矿权) in your scope."""
    from onemap.mining import service

    ws = Workspace.open(directory)
    rights = service.list_rights(ws, actor_for(ws, user), county=county or None,
                                 right_type=right_type or None, status=status or None)
    if json_:
        emit_json(rights)
        return
    view = Table(title=f"矿业权 {len(rights)}")
    for col in ("许可证号", "类型", "名称", "矿种", "状态", "有效期止", "面积(公顷)"):
        view.add_column(col)
    for r in rights:
        view.add_row(r.right_no, "采矿权" if r.right_type == "mining" else "探矿权", r.name,
                     "、".join(r.minerals), r.status, str(r.valid_to or ""), f"{r.area_ha:,.2f}")
    stdout.print(view)


@app.command("check")
def check_cmd(directory: Dir, as_of: AsOf = "",
              open_cases: Annotated[bool, typer.Option(
                  "--open-cases", help="open a case per suspected 0602 patch")] = False,
              workers: Annotated[int, typer.Option(min=1, help="processes")] = 1,
              xlsx: Annotated[Path | None, typer.Option(help="write FILE.xlsx")] = None,
              user: UserOpt = "", json_: JsonOpt = False) -> None:
    """Check rights against control layers, the register and the land survey."""
    from onemap.mining import service

    ws = Workspace.open(directory)
    actor = actor_for(ws, user)
    if xlsx is not None:
        from onemap.reports.mining import write_check_xlsx

        report = service.export_check(ws, actor, as_of=_date(as_of), open_cases=open_cases,
                                      workers=workers)
        write_check_xlsx(xlsx, report)
        stderr.print(f"已写出 written {xlsx}")
    else:
        report = service.run_check(ws, actor, as_of=_date(as_of), open_cases=open_cases,
                                   workers=workers)
    if json_:
        emit_json(report)
        return
    view = Table(title=f"矿业权冲突 conflicts ({report.as_of})")
    for col in ("许可证号", "管控区", "重叠面积(公顷)", "占比", "处置"):
        view.add_column(col)
    for c in report.conflicts:
        view.add_row(c.right_no, c.title, f"{c.overlap_ha:,.4f}", f"{c.share:.1%}", c.action_zh)
    stdout.print(view)
    for i in report.issues:
        stdout.print(f"{'过期仍有效' if i.kind == 'expired_active' else '矿业权重叠'} "
                     f"{i.right_no}: {i.text}")
    for p in report.suspected:
        kind = "越界开采" if p.kind == "beyond_licence" else "无证开采"
        stdout.print(f"疑似{kind} 图斑 {p.bsm} ({p.county}) {p.area_ha:,.4f} 公顷 "
                     f"{p.case_no}")
    if report.cases_opened:
        stdout.print(f"已下发案件 cases opened: {report.cases_opened}")


@app.command("allocate")
def allocate_cmd(directory: Dir, mineral: Annotated[str, typer.Option(help="e.g. 钨精矿")],
                 year: Annotated[int, typer.Option()],
                 level: Annotated[str, typer.Option(help="province / city / mine")],
                 holder: Annotated[str, typer.Option(help="region code or 许可证号")],
                 amount: Annotated[float, typer.Option(help="t (稀土: t REO)")],
                 note: Annotated[str, typer.Option()] = "",
                 user: UserOpt = "", json_: JsonOpt = False) -> None:
    """Allocate (or adjust) an annual extraction quota (开采总量控制指标)."""
    from onemap.mining import quota_service
    from onemap.mining.models import QuotaIn

    ws = Workspace.open(directory)
    try:
        q = QuotaIn.model_validate({"mineral": mineral, "year": year, "level": level,
                                    "holder": holder, "amount": amount, "note": note})
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    out = quota_service.allocate(ws, actor_for(ws, user), q)
    if json_:
        emit_json(out)
        return
    stdout.print(f"已下达 {out.year} {out.mineral} {out.level} {out.holder}: {out.amount} "
                 f"{out.unit}")


@app.command("report")
def report_cmd(directory: Dir, right_no: Annotated[str, typer.Option("--licence")],
               mineral: Annotated[str, typer.Option()], year: Annotated[int, typer.Option()],
               month: Annotated[int, typer.Option(min=1, max=12)],
               amount: Annotated[float, typer.Option(help="t")],
               note: Annotated[str, typer.Option()] = "",
               user: UserOpt = "", json_: JsonOpt = False) -> None:
    """Record a monthly production report; refused when it would overdraw a quota."""
    from onemap.mining import quota_service
    from onemap.mining.models import ReportIn

    ws = Workspace.open(directory)
    try:
        r = ReportIn.model_validate({"right_no": right_no, "mineral": mineral, "year": year,
                                     "month": month, "amount": amount, "note": note})
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    out = quota_service.report_production(ws, actor_for(ws, user), r)
    if json_:
        emit_json(out)
        return
    stdout.print(f"已登记 entry {out.id}" + (f"（预警：{out.warning}）" if out.warning else ""))


@app.command("reverse")
def reverse_cmd(directory: Dir, entry: Annotated[int, typer.Argument(help="entry id")],
                note: Annotated[str, typer.Option(help="why (原因)")],
                user: UserOpt = "", json_: JsonOpt = False) -> None:
    """Reverse (冲销) a production report; each report once."""
    from onemap.mining import quota_service

    ws = Workspace.open(directory)
    out = quota_service.reverse_entry(ws, actor_for(ws, user), entry, note)
    if json_:
        emit_json(out)
        return
    stdout.print(f"已冲销 entry {entry} → {out.id}")


@app.command("balance")
def balance_cmd(directory: Dir, year: Annotated[int, typer.Option()],
                user: UserOpt = "", json_: JsonOpt = False) -> None:
    """Quota balances by mineral and level (province, city, mine)."""
    from onemap.mining import quota_service

    ws = Workspace.open(directory)
    report = quota_service.balance_report(ws, actor_for(ws, user), year)
    if json_:
        emit_json(report)
        return
    view = Table(title=f"{year} 年开采总量控制")
    for col in ("矿种", "层级", "指标持有", "指标", "已开采", "剩余", "使用率"):
        view.add_column(col)
    for r in report.rows:
        view.add_row(r.mineral, r.level, f"{r.holder} {r.name}", f"{r.quota:,.3f}",
                     f"{r.produced:,.3f}", f"{r.remaining:,.3f}", f"{r.used_share:.1%}")
    stdout.print(view)


@app.command("restoration")
def restoration_cmd(directory: Dir,
                    post: Annotated[bool, typer.Option(
                        "--post", help="post the plan indicator values")] = False,
                    user: UserOpt = "", json_: JsonOpt = False) -> None:
    """Restored abandoned open-pit mines by county and year, checked in the next DLTB."""
    from onemap.mining import restoration_service as rs

    ws = Workspace.open(directory)
    actor = actor_for(ws, user)
    if post:
        n = rs.post_indicator(ws, actor, ws.root / "outputs" / "mining")
        stderr.print(f"已报送指标值 posted {n} values of {rs.INDICATOR}")
    progress = rs.restoration_progress(ws, actor)
    checks = rs.restoration_checks(ws, actor)
    if json_:
        emit_json({"progress": [p.model_dump() for p in progress],
                   "checks": [c.model_dump() for c in checks]})
        return
    view = Table(title="治理废弃露天矿山（座）")
    for col in ("县", "年度", "治理", "变更调查核实"):
        view.add_column(col)
    for p in progress:
        view.add_row(p.county, str(p.year), str(p.restored), str(p.verified))
    stdout.print(view)
    for c in checks:
        if c.verdict != "no_vintage":
            stdout.print(f"{c.mine_id} ({c.restored_year}→{c.vintage}): {c.verdict_zh} "
                         f"{c.restored_share:.0%}")


@app.command("green")
def green_cmd(directory: Dir, as_of: AsOf = "", user: UserOpt = "",
              json_: JsonOpt = False) -> None:
    """List the green mines (绿色矿山名录) with each right's validity."""
    from onemap.mining import restoration_service as rs

    ws = Workspace.open(directory)
    rows = rs.list_green(ws, actor_for(ws, user), _date(as_of) or date.today())
    if json_:
        emit_json(rows)
        return
    for g in rows:
        flag = "" if g.right_valid else "  [red]采矿权已失效[/red]"
        stdout.print(f"{g.right_no} {g.name} {g.level} {g.year} {g.review}{flag}")


@app.command("publish")
def publish_cmd(directory: Dir, vintage: Annotated[int, typer.Option(
        help="年度 of the mining_right layer")], user: UserOpt = "",
                json_: JsonOpt = False) -> None:
    """Write the registers to the map layers (mining/exploration rights, abandoned, green)."""
    from onemap.mining import service

    ws = Workspace.open(directory)
    out = service.publish_layers(ws, actor_for(ws, user), vintage=vintage)
    if json_:
        emit_json(out)
        return
    stdout.print(", ".join(f"{k}: {v}" for k, v in out.items()))


@app.command("annual")
def annual_cmd(directory: Dir, year: Annotated[int, typer.Option()],
               out: Annotated[Path, typer.Option(help="FILE.pdf, FILE.html or FILE.xlsx")],
               lang: Annotated[str, typer.Option(help="zh or en")] = "zh",
               user: UserOpt = "", json_: JsonOpt = False) -> None:
    """Write the annual mining supervision report (矿产资源监管年度报告), PDF/HTML or XLSX."""
    from onemap.mining import restoration_service as rs
    from onemap.reports.mining import write_annual

    ws = Workspace.open(directory)
    summary = rs.annual_summary(ws, actor_for(ws, user), year)
    path = write_annual(out, summary, lang=lang)
    if json_:
        emit_json(summary)
        return
    stderr.print(f"已写出 written {path}")


def register(main: typer.Typer) -> None:
    """Add the ``mining`` command group to ``main``."""
    main.add_typer(app, name="mining")
