"""``onemap carbon``: carbon stock and change by land class, restoration projects (碳储量核算)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from onemap.carbon.models import StockSeries
from onemap.cli.identity import UserOpt, actor_for
from onemap.cli.output import emit_json, stderr, stdout
from onemap.store.workspace import Workspace

app = typer.Typer(help="碳储量核算 carbon stock and change by land class; 生态保护修复项目储备库.",
                  no_args_is_help=True)
JsonOpt = Annotated[bool, typer.Option("--json", help="print the result as JSON")]
Dir = Annotated[Path, typer.Argument(help="workspace folder")]
Densities = Annotated[Path | None, typer.Option(
    help="density table CSV (default: the packaged IPCC Tier 1 table)")]
Overrides = Annotated[Path | None, typer.Option(
    help="overrides CSV (same columns + scope county:<code> / forest_type:<name>)")]
Draws = Annotated[int, typer.Option(min=0, help="Monte Carlo draws for the range (0: none)")]
Seed = Annotated[int, typer.Option(help="Monte Carlo seed")]


def _wan(v: float) -> str:
    return f"{v / 1e4:,.2f}"


@app.command("stock")
def stock_cmd(directory: Dir,
              vintage: Annotated[list[int], typer.Option(
                  "--vintage", help="DLTB vintage(s) (repeat the option)")],
              densities: Densities = None, overrides: Overrides = None, draws: Draws = 0,
              seed: Seed = 2020,
              workers: Annotated[int, typer.Option(min=1, help="county processes")] = 1,
              xlsx: Annotated[Path | None, typer.Option(help="write FILE.xlsx")] = None,
              post_indicators: Annotated[bool, typer.Option(
                  "--post-indicators", help="record the stocks as indicator statistics "
                                            "(carbon_stock, carbon_change)")] = False,
              user: UserOpt = "", json_: JsonOpt = False) -> None:
    """Carbon stock per county and in total (t C, t CO₂e), four pools, for each vintage."""
    from onemap.carbon import service

    ws = Workspace.open(directory)
    actor = actor_for(ws, user)
    table = service.load_table(densities, overrides)
    run = service.export_stock if xlsx is not None else service.carbon_stock
    results = [run(ws, actor, v, table=table, draws=draws, seed=seed, workers=workers)
               for v in vintage]
    if xlsx is not None:
        from onemap.reports.carbon_tables import write_stock_xlsx

        write_stock_xlsx(xlsx, results)
        stderr.print(f"已写出 written {xlsx}")
    if post_indicators:
        added = service.post_indicators(ws, actor, results)
        stderr.print(f"指标统计已记录 indicator values recorded: {added}")
    if json_:
        emit_json(results[0] if len(results) == 1 else StockSeries(results=results))
        return
    for r in results:
        view = Table(title=f"{r.vintage}年 碳储量 (万吨碳) · 碳密度表 {r.table.name} "
                           f"{r.table.version}")
        for col in ("行政区", "面积 公顷", "地上", "地下", "土壤", "死有机质", "合计",
                    "万吨CO2e", "吨碳/公顷"):
            view.add_column(col)
        for row in [*r.counties, r.total]:
            view.add_row(f"{row.region} {row.name}", f"{row.area_ha:,.1f}",
                         *[_wan(row.pools_tc[p]) for p in ("agb", "bgb", "soil", "dom")],
                         _wan(row.total_tc), _wan(row.total_tco2e),
                         f"{row.density_tc_per_ha:,.2f}")
        stdout.print(view)
        if r.uncertainty:
            u = r.uncertainty
            stdout.print(f"蒙特卡洛 {u.draws} 次 (seed {u.seed}): 5%–95% "
                         f"{_wan(u.p05_tc)}–{_wan(u.p95_tc)} 万吨碳, 中位数 {_wan(u.p50_tc)}")


@app.command("change")
def change_cmd(directory: Dir,
               from_year: Annotated[int, typer.Option("--from", help="earlier vintage")],
               to_year: Annotated[int, typer.Option("--to", help="later vintage")],
               batch: Annotated[int | None, typer.Option(
                   help="change-detection batch (default: the newest for the two vintages)")
                   ] = None,
               densities: Densities = None, overrides: Overrides = None, draws: Draws = 0,
               seed: Seed = 2020,
               xlsx: Annotated[Path | None, typer.Option(help="write FILE.xlsx")] = None,
               user: UserOpt = "", json_: JsonOpt = False) -> None:
    """Stock change between vintages by conversion type, from a change-detection batch."""
    from onemap.carbon import service

    ws = Workspace.open(directory)
    actor = actor_for(ws, user)
    table = service.load_table(densities, overrides)
    kw = {"batch_id": batch, "table": table, "draws": draws, "seed": seed}
    if xlsx is not None:
        from onemap.reports.carbon_tables import write_change_xlsx

        result = service.export_change(ws, actor, from_year, to_year, **kw)
        write_change_xlsx(xlsx, result)
        stderr.print(f"已写出 written {xlsx}")
    else:
        result = service.carbon_change(ws, actor, from_year, to_year, **kw)  # type: ignore[arg-type]
    if json_:
        emit_json(result)
        return
    t = result.total
    stdout.print(f"{from_year}→{to_year} 碳储量净变化 {t.net_tc:+,.1f} 吨碳 "
                 f"({t.net_tco2e:+,.1f} 吨CO2e); 增加 {t.gains_tc:,.1f}, 减少 {t.losses_tc:,.1f}, "
                 f"未归因 {t.residual_tc:+,.3f}; 建设占用占减少 "
                 f"{result.construction_loss_share:.1%} · 批次 {result.batch_id}")
    view = Table(title="按转换类型 by conversion type (吨碳)")
    for col in ("原地类", "现地类", "面积 公顷", "变化 吨碳"):
        view.add_column(col)
    for g in result.by_group:
        view.add_row(g.from_group, g.to_group, f"{g.area_ha:,.2f}", f"{g.change_tc:+,.1f}")
    stdout.print(view)
    if result.uncertainty:
        u = result.uncertainty
        stdout.print(f"蒙特卡洛 {u.draws} 次: 5%–95% {u.p05_tc:+,.1f} … {u.p95_tc:+,.1f} 吨碳")


@app.command("projects")
def projects_cmd(directory: Dir,
                 rank_by: Annotated[str, typer.Option(
                     help="gain_per_wan | gain | area | budget")] = "gain_per_wan",
                 min_share: Annotated[float, typer.Option(
                     min=0, max=1, help="share of the expected class that counts as 达成")] = 0.8,
                 county: Annotated[str | None, typer.Option(help="one county code")] = None,
                 densities: Densities = None, overrides: Overrides = None,
                 xlsx: Annotated[Path | None, typer.Option(help="write FILE.xlsx")] = None,
                 user: UserOpt = "", json_: JsonOpt = False) -> None:
    """List the ranked restoration project library with expected and realised outcomes."""
    from onemap.carbon import service

    ws = Workspace.open(directory)
    actor = actor_for(ws, user)
    run = service.export_projects if xlsx is not None else service.list_projects
    listing = run(ws, actor, table=service.load_table(densities, overrides), rank_by=rank_by,
                  min_share=min_share, county=county)
    if xlsx is not None:
        from onemap.reports.carbon_tables import write_projects_xlsx

        write_projects_xlsx(xlsx, listing)
        stderr.print(f"已写出 written {xlsx}")
    if json_:
        emit_json(listing)
        return
    view = Table(title=f"生态保护修复项目储备库 ({len(listing.projects)} 项, 排序 {rank_by})")
    for col in ("#", "编号", "名称", "类型", "投资 万元", "面积 公顷", "预期地类", "预期 吨碳",
                "核验年度", "达成", "状态", "矿山"):
        view.add_column(col)
    for p in listing.projects:
        view.add_row(str(p.rank), p.id, p.name, p.type, f"{p.budget_wan:,.0f}",
                     f"{p.area_ha:,.2f}", p.expected_code, f"{p.expected_gain_tc:+,.1f}",
                     str(p.check_vintage or "-"),
                     "-" if p.realised_share is None else f"{p.realised_share:.0%}", p.status,
                     f"{p.abandoned_mine_id} {p.mine_link}".strip())
    stdout.print(view)


def register(main: typer.Typer) -> None:
    """Add the ``carbon`` command group to ``main``."""
    main.add_typer(app, name="carbon")
