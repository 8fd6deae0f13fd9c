"""``onemap stats``: official land-use area tables (统计汇总) of a DLTB vintage."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from onemap.cli.executors import ClusterOpt, open_executor
from onemap.cli.identity import UserOpt, actor_for
from onemap.cli.output import emit_json, progress_bar, stderr, stdout
from onemap.reports.stats import write_stats
from onemap.stats.models import LEVEL_NAMES_ZH, AdminLevel
from onemap.stats.service import compute_statistics, statistics_for_export
from onemap.store.workspace import Workspace

JsonOpt = Annotated[bool, typer.Option("--json", help="print the rows as JSON on stdout")]


def stats(
    directory: Annotated[Path, typer.Argument(help="workspace folder")],
    vintage: Annotated[int | None, typer.Option(help="DLTB vintage (年度); default latest")] = None,
    level: Annotated[str | None, typer.Option(
        help="province | city | county | township (default: every level)")] = None,
    county: Annotated[list[str] | None, typer.Option(help="only these county codes")] = None,
    out: Annotated[Path | None, typer.Option(help="write FILE.xlsx or FILE.csv")] = None,
    executor: Annotated[str, typer.Option(
        help="threads (default) | inprocess | processes | dask")] = "threads",
    cluster: ClusterOpt = "",
    user: UserOpt = "",
    json_: JsonOpt = False,
) -> None:
    """Land-use area tables by admin unit × land class, in m², 公顷 and 亩 (三调 conventions)."""
    if level is not None and level not in LEVEL_NAMES_ZH:
        raise typer.BadParameter(f"--level must be one of {', '.join(LEVEL_NAMES_ZH)}")
    ws = Workspace.open(directory)
    levels: list[AdminLevel] | None = [level] if level else None  # type: ignore[list-item]
    with open_executor(executor, cluster) as pool, \
            progress_bar("统计 statistics", enabled=not json_) as progress:
        compute = (compute_statistics if out is None else
                   partial(statistics_for_export, fmt=out.suffix.lstrip(".")))
        table = compute(ws, vintage, actor=actor_for(ws, user), levels=levels,
                        counties=county or None, progress=progress, executor=pool)
    if out is not None:
        write_stats(table, out)
        stderr.print(f"已写出 written {out}")
    if json_:
        emit_json(table.rows)  # a list of StatsRow: admin_code, class_code, area_m2, ...
        return
    shown = table.levels[0] if table.levels else None
    view = Table(title=f"{table.vintage}年 土地利用现状 ({LEVEL_NAMES_ZH.get(shown or '', '')})")
    for col in ("行政区代码", "行政区名称", "地类", "面积(公顷)", "面积(亩)"):
        view.add_column(col)
    for r in table.rows:
        if r.level == shown and r.class_level < 2:
            view.add_row(r.admin_code, r.admin_name, f"{r.class_code} {r.class_name}",
                         f"{r.area_ha:,.2f}", f"{r.area_mu:,.2f}")
    stdout.print(view)


def register(app: typer.Typer) -> None:
    """Add the ``stats`` command to ``app``."""
    app.command("stats")(stats)
