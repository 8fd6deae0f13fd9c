"""``onemap supply``: land supply supervision (批供用: 批而未供, 闲置土地, 增存挂钩)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from onemap.cli.identity import UserOpt, actor_for
from onemap.cli.output import emit_json, stderr, stdout
from onemap.store.workspace import Workspace

app = typer.Typer(help="批供用监管 land supply: 批而未供, 闲置土地, 增存挂钩.",
                  no_args_is_help=True)
JsonOpt = Annotated[bool, typer.Option("--json", help="print the result as JSON")]
Dir = Annotated[Path, typer.Argument(help="workspace folder")]
RatioOpt = Annotated[float, typer.Option("--ratio", help="增存挂钩 ratio (quota per m² "
                                                         "disposed)")]


@app.command("status")
def status_cmd(directory: Dir, year: Annotated[int, typer.Option(help="status year")],
               ratio: RatioOpt = 0.5,
               xlsx: Annotated[Path | None, typer.Option(help="write FILE.xlsx")] = None,
               user: UserOpt = "", json_: JsonOpt = False) -> None:
    """Per county and province: 批而未供 by age, 闲置土地, 增存挂钩 (公顷 and 亩)."""
    from onemap.supply import service

    ws = Workspace.open(directory)
    actor = actor_for(ws, user)
    if xlsx is not None:
        from onemap.reports.quota import write_supply_status

        status = service.export_status(ws, actor, year, link_ratio=ratio)
        write_supply_status(xlsx, status)
        stderr.print(f"已写出 written {xlsx}")
    else:
        status = service.supply_status(ws, actor, year, link_ratio=ratio, with_geometry=False)
    if json_:
        emit_json(status)
        return
    view = Table(title=f"{year} 年批供用 (公顷)")
    for col in ("行政区", "批准", "批而未供", "<2年", "2-5年", ">5年", "疑似闲置", "闲置",
                "闲置费基数(万元)", "增存挂钩指标"):
        view.add_column(col)
    for r in [*status.counties, status.province]:
        age = r.unsupplied_by_age
        view.add_row(f"{r.county} {r.name}", f"{r.approved.ha:,.2f}", f"{r.unsupplied.ha:,.2f}",
                     f"{age['<2'].ha:,.2f}", f"{age['2-5'].ha:,.2f}", f"{age['>5'].ha:,.2f}",
                     f"{r.suspected_idle.ha:,.2f}", f"{r.idle.ha:,.2f}",
                     f"{r.idle_fee_basis_wan:,.2f}", f"{r.earned_quota.ha:,.2f}")
    stdout.print(view)


@app.command("case")
def case_cmd(directory: Dir, gdbh: Annotated[str, typer.Argument(help="供地编号")],
             year: Annotated[int, typer.Option(help="status year")],
             user: UserOpt = "", json_: JsonOpt = False) -> None:
    """Open an enforcement case for a suspected idle or idle parcel."""
    from onemap.supply import service

    ws = Workspace.open(directory)
    case = service.open_idle_case(ws, actor_for(ws, user), year, gdbh)
    if json_:
        emit_json(case)
        return
    stdout.print(f"已立案 case {case.case_no} ({case.county})")


def register(main: typer.Typer) -> None:
    """Add the ``supply`` command group to ``main``."""
    main.add_typer(app, name="supply")
