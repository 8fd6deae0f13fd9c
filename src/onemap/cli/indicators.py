"""``onemap indicators``: plan indicators, warnings, statistics entry and health-check reports.

``onemap indicators DIR --year YEAR [--json]`` lists every indicator × region with its
value, target, warning and the rule that decided it; the sub-commands ``import``,
``set``, ``quota``, ``refresh``, ``catalog`` and ``report`` record inputs and write the
annual health-check (一年一体检) or mid-term / final evaluation (五年一评估) report.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table
from typer.core import TyperGroup

from onemap.cli.executors import ClusterOpt, open_executor
from onemap.cli.identity import UserOpt, actor_for
from onemap.cli.output import emit_json, progress_bar, stderr, stdout
from onemap.indicators.catalog import load_catalog, read_catalog, update_indicator
from onemap.indicators.models import WARNING_ZH
from onemap.indicators.service import evaluate, list_values, refresh_spatial_indicators
from onemap.indicators.statistics import import_statistics, set_quota, set_value
from onemap.reports.indicators import write_indicators_report
from onemap.store.workspace import Workspace

JsonOpt = Annotated[bool, typer.Option("--json", help="print JSON on stdout")]
Dir = Annotated[Path, typer.Argument(help="workspace folder")]
SUBCOMMANDS = ("show", "import", "set", "quota", "refresh", "catalog", "edit", "values",
               "report")


class _DefaultShow(TyperGroup):
    """A group whose first argument may be the workspace: ``indicators DIR`` = ``show DIR``."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if args and args[0] not in SUBCOMMANDS and args[0] not in ("--help", "-h"):
            args = ["show", *args]
        return super().parse_args(ctx, args)


app = typer.Typer(cls=_DefaultShow, no_args_is_help=True,
                  help="规划指标监测预警: indicators, warnings, statistics, health-check report.")
STYLE = {"green": "green", "yellow": "yellow", "red": "bold red", "none": "dim"}


@app.command("show")
def show(directory: Dir,
         year: Annotated[int, typer.Option(help="evaluation year (体检年度)")],
         indicator: Annotated[str | None, typer.Option(help="only this indicator id")] = None,
         region: Annotated[str | None, typer.Option(help="only this region code")] = None,
         level: Annotated[str | None, typer.Option(help="province | city | county")] = None,
         lang: Annotated[str, typer.Option(help="zh | en")] = "zh",
         user: UserOpt = "",
         json_: JsonOpt = False) -> None:
    """List every indicator × region: value, target, warning and the rule applied."""
    ws = Workspace.open(directory)
    evs = evaluate(ws, year, actor=actor_for(ws, user), indicator=indicator, region=region,
                   level=level, lang=lang)
    if json_:
        emit_json(evs.evaluations)
        return
    table = Table(title=f"{year} 年规划指标体检 (红 {evs.counts()['red']} / 黄 "
                        f"{evs.counts()['yellow']} / 绿 {evs.counts()['green']})")
    for col in ("指标 id", "区域", "年度", "现状值", "目标值", "预警", "规则 rule"):
        table.add_column(col, overflow="fold")
    for e in evs.evaluations:
        table.add_row(e.id, f"{e.region} {e.region_name}", str(e.value_year or "-"),
                      "-" if e.value is None else f"{e.value:,.4g}",
                      "-" if e.target is None else f"{e.target:,.4g}",
                      f"[{STYLE[e.warning]}]{WARNING_ZH[e.warning]}[/]", e.rule)
    stdout.print(table)


@app.command("import")
def import_(directory: Dir, file: Annotated[Path, typer.Argument(help="CSV or XLSX")],
            by: Annotated[str | None, typer.Option("--by", help="who supplied the data")] = None,
            user: UserOpt = "",
            json_: JsonOpt = False) -> None:
    """Import statistics (columns id, region, year, value) for indicators or inputs (gdp)."""
    ws = Workspace.open(directory)
    result = import_statistics(ws, file, actor=actor_for(ws, user), entered_by=by)
    if json_:
        emit_json(result)
        return
    stderr.print(f"已导入 imported {result.rows} 行 ({result.added} 新值) from {result.file}")


@app.command("set")
def set_(directory: Dir, indicator: Annotated[str, typer.Argument(help="indicator / input id")],
         region: Annotated[str, typer.Argument(help="6-digit region code")],
         year: Annotated[int, typer.Argument()], value: Annotated[float, typer.Argument()],
         by: Annotated[str, typer.Option("--by", help="who entered the value (填报人)")],
         note: Annotated[str, typer.Option(help="reason of a correction")] = "",
         user: UserOpt = "",
         json_: JsonOpt = False) -> None:
    """Enter or correct one value; the previous value is kept in the history."""
    ws = Workspace.open(directory)
    v = set_value(ws, indicator, region, year, value, actor=actor_for(ws, user),
                  entered_by=by, note=note)
    if json_:
        emit_json(v)
        return
    stderr.print(f"{v.id} {v.region} {v.year} = {v.value} (by {by}; "
                 f"{len(v.history)} earlier value(s) kept)")


@app.command("quota")
def quota(directory: Dir, indicator: Annotated[str, typer.Argument()],
          region: Annotated[str, typer.Argument()], value: Annotated[float, typer.Argument()],
          user: UserOpt = "",
          json_: JsonOpt = False) -> None:
    """Record the national quota / target of an indicator for a region."""
    ws = Workspace.open(directory)
    q = set_quota(ws, indicator, region, value, actor=actor_for(ws, user))
    if json_:
        emit_json(q)
        return
    stderr.print(f"{q.id} {q.region} quota = {q.value}")


@app.command("refresh")
def refresh(directory: Dir,
            kind: Annotated[str | None, typer.Option(help="layer kind loaded, e.g. dltb")] = None,
            vintage: Annotated[int | None, typer.Option(help="vintage loaded")] = None,
            executor: Annotated[str, typer.Option(
                help="threads (default: in this process) | inprocess | processes | dask")
            ] = "threads",
            cluster: ClusterOpt = "",
            user: UserOpt = "",
            json_: JsonOpt = False) -> None:
    """Recompute the spatial indicators from the layers (after loading a vintage)."""
    ws = Workspace.open(directory)
    actor = actor_for(ws, user)
    with open_executor(executor, cluster) as pool, \
            progress_bar("指标计算 indicators", enabled=not json_) as progress:
        added = refresh_spatial_indicators(ws, kind, vintage,
                                           actor=actor, progress=progress, executor=pool)
    if json_:
        emit_json({"rows_added": added})
        return
    stderr.print(f"{added} 个新值 values recorded")


@app.command("catalog")
def catalog(directory: Dir,
            load: Annotated[Path | None, typer.Option(help="load this plan-indicator CSV")] = None,
            replace: Annotated[bool, typer.Option(help="overwrite edited entries")] = False,
            user: UserOpt = "",
            json_: JsonOpt = False) -> None:
    """Show the indicator catalog (optionally load a plan table CSV first)."""
    ws = Workspace.open(directory)
    actor = actor_for(ws, user)
    items = load_catalog(ws, load, actor=actor, replace=replace) if load or replace \
        else read_catalog(ws, actor=actor)
    if json_:
        emit_json(items)
        return
    table = Table(title="指标体系 indicator catalog")
    for col in ("id", "名称", "单位", "基期", "目标", "类型", "计算方式"):
        table.add_column(col, overflow="fold")
    for i in items:
        table.add_row(i.id, i.name_zh, i.unit, f"{i.baseline_year}: {i.baseline_value}",
                      f"{i.target_year}: {i.target_value}", i.target_kind,
                      f"{i.computation.method} {','.join(i.computation.layers)}")
    stdout.print(table)


@app.command("edit")
def edit(directory: Dir, indicator: Annotated[str, typer.Argument(help="indicator id")],
         target_value: Annotated[float | None, typer.Option(help="目标值")] = None,
         target_year: Annotated[int | None, typer.Option(help="目标年")] = None,
         baseline_value: Annotated[float | None, typer.Option(help="基期值")] = None,
         baseline_year: Annotated[int | None, typer.Option(help="基期年")] = None,
         target_kind: Annotated[str | None, typer.Option(
             help="at_least | at_most | not_below_national_quota | not_above_national_quota"
                  " | cumulative_at_least | info")] = None,
         user: UserOpt = "",
         json_: JsonOpt = False) -> None:
    """Edit a catalog entry (target, baseline, kind); the change is audited."""
    changes = {k: v for k, v in {"target_value": target_value, "target_year": target_year,
                                 "baseline_value": baseline_value,
                                 "baseline_year": baseline_year,
                                 "target_kind": target_kind}.items() if v is not None}
    ws = Workspace.open(directory)
    edited = update_indicator(ws, indicator, changes, actor=actor_for(ws, user))
    if json_:
        emit_json(edited)
        return
    stderr.print(f"{edited.id}: {changes}")


@app.command("values")
def values(directory: Dir, indicator: Annotated[str | None, typer.Option()] = None,
           region: Annotated[str | None, typer.Option()] = None,
           year: Annotated[int | None, typer.Option()] = None, user: UserOpt = "",
           json_: JsonOpt = False) -> None:
    """List recorded values with their source and correction history."""
    ws = Workspace.open(directory)
    out = list_values(ws, actor=actor_for(ws, user), indicator=indicator,
                      region=region, year=year)
    if json_:
        emit_json(out)
        return
    table = Table(title="指标值 values")
    for col in ("id", "区域", "年度", "数值", "来源", "更正"):
        table.add_column(col)
    for v in out:
        table.add_row(v.id, v.region, str(v.year), "-" if v.value is None else f"{v.value:,.4f}",
                      v.source.kind + (f" {v.source.entered_by}" if v.source.entered_by else ""),
                      str(len(v.history)))
    stdout.print(table)


@app.command("report")
def report(directory: Dir, year: Annotated[int, typer.Option(help="evaluation year")],
           out: Annotated[Path, typer.Option(help="report.pdf, report.html or values.xlsx")],
           mode: Annotated[str, typer.Option(help="annual | midterm | final")] = "annual",
           lang: Annotated[str, typer.Option(help="zh | en")] = "zh",
           user: UserOpt = "",
           json_: JsonOpt = False) -> None:
    """Write the annual health-check report (or the mid-term / final evaluation)."""
    if mode not in ("annual", "midterm", "final"):
        raise typer.BadParameter("--mode must be annual, midterm or final")
    if lang not in ("zh", "en"):
        raise typer.BadParameter("--lang must be zh or en")
    ws = Workspace.open(directory)
    path = write_indicators_report(ws, year, out, actor=actor_for(ws, user),
                                   mode=mode, lang=lang)  # type: ignore[arg-type]
    if json_:
        emit_json({"path": str(path), "year": year, "mode": mode, "lang": lang})
        return
    stderr.print(f"已写出 written {path}")


def register(root: typer.Typer) -> None:
    """Add the ``indicators`` command group to ``root``."""
    root.add_typer(app, name="indicators")
