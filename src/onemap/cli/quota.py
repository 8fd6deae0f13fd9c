"""``onemap quota``: the 占补平衡 farmland quota ledger (耕地占补平衡指标台账)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from onemap.cli.identity import UserOpt, actor_for
from onemap.cli.output import emit_json, stderr, stdout
from onemap.store.workspace import Workspace

app = typer.Typer(help="占补平衡指标 farmland quota ledger: projects, debits, transfers.",
                  no_args_is_help=True)
project_app = typer.Typer(help="补充耕地项目 supplementary-farmland projects (credits).",
                          no_args_is_help=True)
app.add_typer(project_app, name="project")
JsonOpt = Annotated[bool, typer.Option("--json", help="print the result as JSON")]
Dir = Annotated[Path, typer.Argument(help="workspace folder")]


def _date(text: str | None) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"{text!r} is not a date (YYYY-MM-DD)") from None


@project_app.command("add")
def project_add(directory: Dir,
                file: Annotated[Path, typer.Argument(help="projects file (GeoJSON, SHP, GPKG)")],
                user: UserOpt = "", json_: JsonOpt = False) -> None:
    """Credit projects, each checked against DLTB of its acceptance year (all or none)."""
    from onemap.quota import service
    from onemap.quota.files import projects_from_file

    ws = Workspace.open(directory)
    done = service.add_projects(ws, actor_for(ws, user), projects_from_file(file))
    if json_:
        emit_json(done)
        return
    for p in done:
        stdout.print(f"入账 {p.project_no} {p.county}: {p.area_m2 / 1e4:,.4f} 公顷 "
                     f"(水田 {p.paddy_m2 / 1e4:,.4f}, {p.grade} 等)")


@project_app.command("list")
def project_list(directory: Dir, user: UserOpt = "", json_: JsonOpt = False) -> None:
    """List credited projects in your scope."""
    from onemap.quota import service

    ws = Workspace.open(directory)
    done = service.projects(ws, actor_for(ws, user))
    if json_:
        emit_json(done)
        return
    for p in done:
        stdout.print(f"{p.project_no} {p.county} {p.accepted_on} {p.area_m2 / 1e4:,.4f} 公顷")


@app.command("debit")
def debit_cmd(directory: Dir,
              approval: Annotated[list[str] | None, typer.Option(
                  "--approval", help="批准文号 of an approval to debit (repeat)")] = None,
              approvals_file: Annotated[Path | None, typer.Option(
                  help="file of 批准文号, one a line")] = None,
              review: Annotated[str | None, typer.Option(
                  help="a recorded site review id; needs --county and --date")] = None,
              county: Annotated[str | None, typer.Option(help="county of --review")] = None,
              on: Annotated[str | None, typer.Option("--date", help="date of --review")] = None,
              user: UserOpt = "", json_: JsonOpt = False) -> None:
    """Debit approvals (or a reviewed site) by the farmland they occupy in DLTB."""
    from onemap.quota import service

    ws = Workspace.open(directory)
    actor = actor_for(ws, user)
    refs = list(approval or [])
    if approvals_file is not None:
        refs += [ln.strip() for ln in approvals_file.read_text("utf-8").splitlines() if ln.strip()]
    requests = [service.approval_debit(ws, actor, r) for r in refs]
    if review:
        when = _date(on)
        if not county or when is None:
            raise typer.BadParameter("--review needs --county and --date")
        requests.append(service.review_debit(ws, actor, review, county, when))
    if not requests:
        raise typer.BadParameter("give --approval, --approvals-file or --review")
    results = [service.debit(ws, actor, d) for d in requests]
    if json_:
        emit_json(results)
        return
    for r in results:
        stdout.print(f"核销 {r.ref} {r.county}: 耕地 {r.measured.farmland_m2 / 1e4:,.4f} 公顷, "
                     f"水田 {r.measured.paddy_m2 / 1e4:,.4f} 公顷"
                     + ("" if r.grade_matched else
                        f"，占优补优不足，产能缺口 {r.capacity_shortfall_kg:,.1f} kg"))


@app.command("transfer")
def transfer_cmd(directory: Dir,
                 from_county: Annotated[str, typer.Option("--from", help="调出县")],
                 to_county: Annotated[str, typer.Option("--to", help="调入县")],
                 quantity_m2: Annotated[float, typer.Option("--quantity", help="m²")],
                 ref: Annotated[str, typer.Option(help="调剂文号")],
                 on: Annotated[str, typer.Option("--date", help="YYYY-MM-DD")],
                 paddy_m2: Annotated[float, typer.Option("--paddy", help="m²")] = 0.0,
                 capacity_kg: Annotated[float | None, typer.Option(
                     "--capacity", help="kg/yr (default: what the moved quota carries)")] = None,
                 user: UserOpt = "", json_: JsonOpt = False) -> None:
    """跨区域调剂: move quota between two counties in one transaction (province admins)."""
    from onemap.quota import service
    from onemap.quota.models import TransferIn

    ws = Workspace.open(directory)
    try:
        t = TransferIn(ref=ref, from_county=from_county, to_county=to_county,
                       value_date=_date(on), quantity_m2=quantity_m2, paddy_m2=paddy_m2,
                       capacity_kg=capacity_kg)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    out = service.transfer(ws, actor_for(ws, user), t)
    if json_:
        emit_json(out)
        return
    stdout.print(f"调剂凭证 {out.txn_id}: {from_county} → {to_county} {quantity_m2:,.2f} m²")


@app.command("reverse")
def reverse_cmd(directory: Dir, txn: Annotated[int, typer.Argument(help="posting id")],
                reason: Annotated[str, typer.Option(help="冲销原因")],
                on: Annotated[str | None, typer.Option("--date", help="YYYY-MM-DD")] = None,
                user: UserOpt = "", json_: JsonOpt = False) -> None:
    """Reverse a posting by a new one of the negated legs (冲销; once)."""
    from onemap.quota import service

    ws = Workspace.open(directory)
    out = service.reverse(ws, actor_for(ws, user), txn, reason=reason, value_date=_date(on))
    if json_:
        emit_json(out)
        return
    stdout.print(f"冲销凭证 {out.txn_id} reverses {txn}")


@app.command("balance")
def balance_cmd(directory: Dir,
                xlsx: Annotated[Path | None, typer.Option(help="write FILE.xlsx")] = None,
                user: UserOpt = "", json_: JsonOpt = False) -> None:
    """Remaining quota per county: 耕地数量, 水田规模 (公顷, 亩), 粮食产能 (kg/yr)."""
    from onemap.quota import service

    ws = Workspace.open(directory)
    actor = actor_for(ws, user)
    if xlsx is not None:
        from onemap.reports.quota import write_quota_balance

        report = service.export_balances(ws, actor)
        write_quota_balance(xlsx, report)
        stderr.print(f"已写出 written {xlsx}")
    else:
        report = service.balances(ws, actor)
    if json_:
        emit_json(report)
        return
    view = Table(title="占补平衡指标余额")
    for col in ("行政区", "耕地 (公顷)", "耕地 (亩)", "水田 (亩)", "产能 (kg)"):
        view.add_column(col)
    for r in [*report.rows, report.total]:
        view.add_row(r.county, f"{r.quantity_ha:,.4f}", f"{r.quantity_mu:,.2f}",
                     f"{r.paddy_mu:,.2f}", f"{r.capacity_kg:,.0f}")
    stdout.print(view)


@app.command("history")
def history_cmd(directory: Dir,
                county: Annotated[str | None, typer.Option(help="one county")] = None,
                user: UserOpt = "", json_: JsonOpt = False) -> None:
    """List postings (credits, debits, transfers, reversals) in your scope, oldest first."""
    from onemap.quota import service

    ws = Workspace.open(directory)
    rows = service.history(ws, actor_for(ws, user), county=county)
    if json_:
        emit_json(rows)
        return
    for p in rows:
        amounts = ", ".join(f"{k} {v:+,.2f}" for k, v in p.amounts.items())
        stdout.print(f"{p.txn_id} {p.value_date} {p.kind} {p.ref}: {amounts}")


def register(main: typer.Typer) -> None:
    """Add the ``quota`` command group to ``main``."""
    main.add_typer(app, name="quota")
