"""``onemap qc``: quality checks (质检) of a layer vintage, with JSON/HTML/XLSX reports."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from onemap.cli.executors import open_executor
from onemap.cli.output import emit_json, progress_bar, stderr, stdout
from onemap.quality.service import run_quality_checks
from onemap.reports.qc import rule_rows, write_qc_report
from onemap.store.access import SYSTEM
from onemap.store.workspace import Workspace


def qc(
    directory: Annotated[Path, typer.Argument(help="workspace folder")],
    kind: Annotated[str, typer.Option(help="layer kind, e.g. dltb")] = "dltb",
    vintage: Annotated[int | None, typer.Option(help="vintage (年度); default latest")] = None,
    county: Annotated[list[str] | None, typer.Option(help="only these county codes")] = None,
    out: Annotated[Path | None, typer.Option(help="write report.html, .xlsx or .json")] = None,
    lang: Annotated[str, typer.Option(help="report language zh | en")] = "zh",
    executor: Annotated[str, typer.Option(
        help="threads (default) | inprocess | processes | dask")] = "threads",
    json_: Annotated[bool, typer.Option("--json", help="print the report as JSON")] = False,
) -> None:
    """Check geometry, coverage overlaps/gaps, land-class codes, area fields and location."""
    ws = Workspace.open(directory)
    with open_executor(executor) as pool, \
            progress_bar("质检 quality checks", enabled=not json_) as progress:
        report = run_quality_checks(ws, kind, vintage, actor=SYSTEM, counties=county or None,
                                    progress=progress, executor=pool)
    if out is not None:
        write_qc_report(report, out, lang=lang)
        stderr.print(f"已写出 written {out}")
    if json_:
        emit_json(report)
        return
    run = report.run
    table = Table(title=f"质检 #{run.id} {run.kind}/{run.vintage}: {run.features:,} 要素, "
                        f"错误 {run.errors}, 警告 {run.warnings}")
    for col in ("规则 rule", "名称", "级别", "数量"):
        table.add_column(col)
    for row in rule_rows(report):
        table.add_row(row["code"], row["name"], row["severity"], str(row["count"]))
    stdout.print(table)


def register(app: typer.Typer) -> None:
    """Add the ``qc`` command to ``app``."""
    app.command("qc")(qc)
