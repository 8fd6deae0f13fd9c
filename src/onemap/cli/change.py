"""``onemap change``: detect and classify changes between two vintages (变化检测)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from onemap.change.scores import TruthItem, truth_from_frame
from onemap.cli.executors import ClusterOpt, open_executor
from onemap.cli.identity import UserOpt, actor_for
from onemap.cli.output import emit_json, progress_bar, stderr, stdout
from onemap.store.workspace import Workspace

JsonOpt = Annotated[bool, typer.Option("--json", help="print the batch and patches as JSON")]


def demo_truth(ws: Workspace) -> list[TruthItem] | None:
    """Return the demo province's ground truth as a verified sample, if the workspace has one."""
    from onemap.demo.truth import TRUTH_DIR, TRUTH_FILE, load_ground_truth

    if not (ws.root / TRUTH_DIR / TRUTH_FILE).is_file():
        return None
    return truth_from_frame(load_ground_truth(ws.root))


def change(
    directory: Annotated[Path, typer.Argument(help="workspace folder")],
    from_year: Annotated[int, typer.Option("--from", help="earlier DLTB vintage (前时相)")],
    to_year: Annotated[int, typer.Option("--to", help="later DLTB vintage (后时相)")],
    counties: Annotated[list[str] | None, typer.Option(
        "--counties", help="only these county codes (repeat the option)")] = None,
    source: Annotated[str, typer.Option(
        help="dltb_diff (diff the vintages) or monitoring (监测图斑 layer)")] = "dltb_diff",
    rules: Annotated[Path | None, typer.Option(help="rule table TOML (default: built-in)")
                     ] = None,
    xlsx: Annotated[Path | None, typer.Option(
        help="write the from × to matrix (公顷, 亩) and patch list to FILE.xlsx")] = None,
    open_cases: Annotated[bool, typer.Option(
        "--open-cases", help="issue a case for every suspected / to-verify patch")] = False,
    post_ledger: Annotated[bool, typer.Option(
        "--post-ledger", help="append the 进/出 patches to the 进出平衡 ledger")] = False,
    workers: Annotated[int, typer.Option(min=1, help="county processes in parallel")] = 1,
    geometry: Annotated[bool, typer.Option(help="include GeoJSON geometry in --json")] = False,
    cluster: ClusterOpt = "",
    user: UserOpt = "",
    json_: JsonOpt = False,
) -> None:
    """Diff two DLTB vintages county by county, classify and pre-judge every change patch."""
    from onemap.change import service

    if source not in ("dltb_diff", "monitoring"):
        raise typer.BadParameter("--source must be dltb_diff or monitoring")
    ws = Workspace.open(directory)
    actor = actor_for(ws, user)
    truth = demo_truth(ws)
    with open_executor("threads", cluster) as pool, \
            progress_bar("变化检测 change detection", enabled=not json_) as progress:
        result = service.detect_changes(
            ws, actor, from_year=from_year, to_year=to_year, counties=counties or None,
            source=source, rules=service.load_rules(rules), truth=truth,  # type: ignore[arg-type]
            truth_name="demo ground truth", workers=workers, progress=progress, executor=pool)
    if xlsx is not None:
        from onemap.reports.change_tables import write_change_tables

        tables = service.export_tables(ws, actor, result.batch.id)
        write_change_tables(xlsx, tables.batch, tables.matrix, tables.patches)
        stderr.print(f"已写出 written {xlsx}")
    if open_cases:
        from onemap.cases.service import open_cases as issue

        opened = issue(ws, actor, result.batch.id)
        stderr.print(f"已下发案件 cases issued: {len(opened.created)} (skipped {opened.skipped})")
    if post_ledger:
        from onemap.ledgers.service import post_batch

        posted = post_batch(ws, actor, result.batch.id)
        stderr.print(f"已入账 ledger entries: {posted.entries}")
    if json_:
        if not geometry:
            for p in result.patches:
                p.geometry = None
        emit_json(result)
        return
    _print(result)


def _print(result: object) -> None:
    from onemap.change.models import DetectionResult

    assert isinstance(result, DetectionResult)
    b = result.batch
    view = Table(title=f"{b.from_year}→{b.to_year} 变化图斑 (批次 {b.id}, {b.patches} 个)")
    for col in ("编号", "县", "前地类", "后地类", "面积(亩)", "变化类型", "平台预判"):
        view.add_column(col)
    for p in result.patches[:200]:
        view.add_row(p.id, p.county, f"{p.from_code} {p.from_name}", f"{p.to_code} {p.to_name}",
                     f"{p.area_m2 * 15 / 10_000:,.2f}", "、".join(p.classes), p.legality.value)
    stdout.print(view)
    s = b.sliver
    stdout.print(f"最小面积 min area: 建设 {s.min_area_construction_m2:g} m², 耕地 "
                 f"{s.min_area_farmland_m2:g} m², 其他 {s.min_area_other_m2:g} m²; 最小宽度 "
                 f"{s.min_width_m:g} m; 规则 {b.rules_name}")
    if b.scores:
        sc = b.scores
        stdout.print(f"对照 {sc.sample}: recall {sc.recall:.1%}, precision {sc.precision:.1%}, "
                     f"合法被判疑似违法 {sc.legal_flagged_as_violation}, "
                     f"面积最大相对误差 {sc.max_area_rel_error:.2e}")
    stdout.print("注：疑似违法为平台预判，是否违法以核查审核结论为准。")


def register(app: typer.Typer) -> None:
    """Add the ``change`` command to ``app``."""
    app.command("change")(change)
