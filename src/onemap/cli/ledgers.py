"""``onemap ledgers``: the 进出平衡 farmland ledger (耕地进出平衡台账)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from onemap.cli.identity import UserOpt, actor_for
from onemap.cli.output import emit_json, stderr, stdout
from onemap.store.workspace import Workspace

app = typer.Typer(help="进出平衡台账 farmland in/out ledger per county and year.",
                  no_args_is_help=True)
JsonOpt = Annotated[bool, typer.Option("--json", help="print the result as JSON")]
Dir = Annotated[Path, typer.Argument(help="workspace folder")]


@app.command("post")
def post_cmd(directory: Dir, batch: Annotated[int, typer.Argument(help="detection batch id")],
             counties: Annotated[list[str] | None, typer.Option(
                 "--counties", help="only these county codes (repeat the option)")] = None,
             user: UserOpt = "", json_: JsonOpt = False) -> None:
    """Append the 进/出 patches of a detection batch in your counties (each county once)."""
    from onemap.ledgers import service

    ws = Workspace.open(directory)
    result = service.post_batch(ws, actor_for(ws, user), batch, counties=counties or None)
    if json_:
        emit_json(result)
        return
    stdout.print(f"入账 {result.entries} 条 ({', '.join(result.counties)}): "
                 f"进 {result.in_m2:,.1f} m², 出 {result.out_m2:,.1f} m²")
    if result.already_posted:
        stdout.print(f"已入账过 already posted: {', '.join(result.already_posted)}")


@app.command("add")
def add_cmd(directory: Dir,
            county: Annotated[str, typer.Option(help="county code")],
            year: Annotated[int, typer.Option(help="year (年度)")],
            direction: Annotated[str, typer.Option(help="in (进) or out (出)")],
            area_m2: Annotated[float, typer.Option(help="area, m²")],
            corrects: Annotated[int | None, typer.Option(help="entry id this corrects")] = None,
            ref: Annotated[str, typer.Option(help="图斑编号 / 文号")] = "",
            note: Annotated[str, typer.Option(help="说明")] = "",
            user: UserOpt = "", json_: JsonOpt = False) -> None:
    """Append a manual entry, or a correction of an earlier one (--corrects ID)."""
    from onemap.ledgers import service
    from onemap.ledgers.models import LedgerEntryIn

    ws = Workspace.open(directory)
    try:
        entry = LedgerEntryIn.model_validate({
            "county": county, "year": year, "direction": direction, "area_m2": area_m2,
            "source": "correction" if corrects is not None else "manual", "corrects": corrects,
            "source_ref": ref, "note": note})
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    out = service.add_entry(ws, actor_for(ws, user), entry)
    if json_:
        emit_json(out)
        return
    stdout.print(f"已登记 entry {out.id}")


@app.command("balance")
def balance_cmd(directory: Dir,
                year: Annotated[int | None, typer.Option(help="only this year")] = None,
                xlsx: Annotated[Path | None, typer.Option(help="write FILE.xlsx")] = None,
                user: UserOpt = "", json_: JsonOpt = False) -> None:
    """进出平衡 per county and year with the province roll-up; warns when 出 > 进."""
    from onemap.ledgers import service

    ws = Workspace.open(directory)
    actor = actor_for(ws, user)
    if xlsx is not None:
        from onemap.reports.change_tables import write_ledger

        report = service.export_balance(ws, actor, year=year)
        write_ledger(xlsx, report)
        stderr.print(f"已写出 written {xlsx}")
    else:
        report = service.balance_report(ws, actor, year=year)
    if json_:
        emit_json(report)
        return
    view = Table(title="耕地进出平衡 (亩)")
    for col in ("行政区", "年度", "出", "进", "平衡", "预警"):
        view.add_column(col)
    for r in [*report.rows, *report.province]:
        view.add_row(r.county, str(r.year), f"{r.out_mu:,.2f}", f"{r.in_mu:,.2f}",
                     f"{r.balance_mu:,.2f}", "出大于进" if r.warning else "")
    stdout.print(view)


def register(main: typer.Typer) -> None:
    """Add the ``ledgers`` command group to ``main``."""
    main.add_typer(app, name="ledgers")
