"""``onemap qc``: quality checks (质检) of a layer vintage, with JSON/HTML/XLSX reports."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from onemap.cli.errors import exit_code_for
from onemap.cli.executors import ClusterOpt, open_executor
from onemap.cli.identity import UserOpt, actor_for
from onemap.cli.output import emit_json, progress_bar, stderr, stdout
from onemap.quality.errors import QualityGateFailed
from onemap.quality.models import QcReport
from onemap.quality.service import report_for_export, run_quality_checks
from onemap.reports.qc import rule_rows, write_qc_report
from onemap.store.workspace import Workspace


class FailOn(StrEnum):
    """Which findings make ``onemap qc`` exit non-zero."""

    error = "error"
    warning = "warning"
    never = "never"


QC_ORPHAN_GRACE_S = 3600.0  # uncommitted partitions older than this belong to no live write


def gate_failure(report: QcReport, fail_on: FailOn) -> QualityGateFailed | None:
    """Return the error to exit with when ``report`` has findings at or above ``fail_on``.

    ``warning`` fails on warnings and on errors; ``never`` never fails.
    """
    run = report.run
    counted = {FailOn.error: run.errors, FailOn.warning: run.errors + run.warnings,
               FailOn.never: 0}[fail_on]
    if not counted:
        return None
    return QualityGateFailed(
        f"quality checks of {run.kind}/{run.vintage} (run #{run.id}) found {run.errors} "
        f"error(s) and {run.warnings} warning(s); --fail-on {fail_on.value}",
        user_message=f"质检未通过: 错误 {run.errors}, 警告 {run.warnings}")


def qc(
    directory: Annotated[Path, typer.Argument(help="workspace folder")],
    kind: Annotated[str, typer.Option(help="layer kind, e.g. dltb")] = "dltb",
    vintage: Annotated[int | None, typer.Option(help="vintage (年度); default latest")] = None,
    county: Annotated[list[str] | None, typer.Option(help="only these county codes")] = None,
    out: Annotated[Path | None, typer.Option(help="write report.html, .xlsx or .json")] = None,
    lang: Annotated[str, typer.Option(help="report language zh | en")] = "zh",
    executor: Annotated[str, typer.Option(
        help="threads (default) | inprocess | processes | dask")] = "threads",
    fail_on: Annotated[FailOn, typer.Option(
        help="exit with code 15 when findings of this severity exist: error | warning "
             "(errors or warnings) | never; reports are written first")] = FailOn.never,
    cluster: ClusterOpt = "",
    user: UserOpt = "",
    json_: Annotated[bool, typer.Option("--json", help="print the report as JSON")] = False,
) -> None:
    """Check geometry, coverage overlaps/gaps, land-class codes, area fields and location.

    Exit code 0 whatever is found, unless ``--fail-on error|warning``: then 15 when
    findings of that severity exist (after the report and the JSON are written).
    """
    ws = Workspace.open(directory)
    with open_executor(executor, cluster) as pool, \
            progress_bar("质检 quality checks", enabled=not json_) as progress:
        actor = actor_for(ws, user)
        _sweep(ws, actor.username)
        report = run_quality_checks(ws, kind, vintage, actor=actor,
                                    counties=county or None, progress=progress, executor=pool)
    if out is not None:
        assert report.run.id is not None  # a recorded run
        fmt = out.suffix.lstrip(".")
        write_qc_report(report_for_export(ws, report.run.id, actor=actor, fmt=fmt), out,
                        lang=lang)
        stderr.print(f"已写出 written {out}")
    if json_:
        emit_json(report)
    else:
        _print_table(report)
    failure = gate_failure(report, fail_on)
    if failure is not None:
        stderr.print(f"{failure.user_message} ({failure.reason})", markup=False)
        raise typer.Exit(exit_code_for(failure))


def _sweep(ws: Workspace, actor: str) -> None:
    """Clean what killed imports or older versions left; say so on stderr."""
    swept = ws.sweep_orphans(grace_s=QC_ORPHAN_GRACE_S, actor=actor)
    folders = len(swept.staging) + len(ws.swept.staging if ws.swept else [])
    files = len(swept.partitions) + len(ws.swept.partitions if ws.swept else [])
    if folders or files:
        stderr.print(f"已清理 cleaned {files} orphan partition file(s) and {folders} staging "
                     "folder(s) left by interrupted imports")


def _print_table(report: QcReport) -> None:
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
