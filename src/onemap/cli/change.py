"""``onemap change``: detect and classify changes between two vintages (变化检测)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from onemap.change.scores import TruthItem, truth_from_frame
from onemap.cli.executors import ClusterOpt, open_executor
from onemap.cli.identity import UserOpt, actor_for
from onemap.cli.output import emit_json, progress_bar, stderr, stdout
from onemap.standards.labels import label, labels
from onemap.store.workspace import Workspace

if TYPE_CHECKING:
    from onemap.change.models import DetectionResult

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
    all_: Annotated[bool, typer.Option(
        "--all", help="list every patch (default: a summary by class and county)")] = False,
    lang: Annotated[str, typer.Option(help="console language: zh or en")] = "zh",
    user: UserOpt = "",
    json_: JsonOpt = False,
) -> None:
    """Diff two DLTB vintages county by county, classify and pre-judge every change patch."""
    from onemap.change import service

    if source not in ("dltb_diff", "monitoring"):
        raise typer.BadParameter("--source must be dltb_diff or monitoring")
    if lang not in ("zh", "en"):
        raise typer.BadParameter("--lang must be zh or en")
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
    _print(result, every=all_, lang=lang)


def _summary(result: DetectionResult, lang: str) -> Table:
    """Patches and area by change class and by platform pre-judgement (the default view)."""
    en = lang == "en"
    b = result.batch
    view = Table(title=(f"{b.from_year}→{b.to_year} change patches (batch {b.id}: {b.patches:,})"
                        if en else f"{b.from_year}→{b.to_year} 变化图斑汇总（批次 {b.id}，共 "
                                   f"{b.patches:,} 个）"))
    for col in (("Group", "Patches", "Area (ha)", "Area (mu)") if en
                else ("分组", "图斑数", "面积(公顷)", "面积(亩)")):
        view.add_column(col, justify="left" if col in ("Group", "分组") else "right")
    groups: dict[str, list[float]] = {}
    for p in result.patches:
        keys = [label("legality", p.legality, lang)]
        keys += [label("change_class", c, lang) for c in p.classes]
        for key in keys:
            groups.setdefault(key, []).append(p.area_m2)
    for key, areas in sorted(groups.items(), key=lambda kv: -sum(kv[1])):
        total = sum(areas)
        view.add_row(key, f"{len(areas):,}", f"{total / 10_000:,.2f}",
                     f"{total * 15 / 10_000:,.2f}")
    return view


def _print(result: DetectionResult, *, every: bool = False, lang: str = "zh") -> None:
    en = lang == "en"
    b = result.batch
    if not every:
        stdout.print(_summary(result, lang))
        stdout.print(f"{b.patches:,} patches: --all lists them, --xlsx writes them" if en
                     else f"共 {b.patches:,} 个图斑：--all 逐个列出，--xlsx 写出变化图斑表")
    else:
        view = Table(title=f"{b.from_year}→{b.to_year} 变化图斑 (批次 {b.id}, {b.patches} 个)")
        cols = (("Patch", "County", "Before", "After", "Area (mu)", "Classes", "Pre-judgement")
                if en else ("编号", "县", "前地类", "后地类", "面积(亩)", "变化类型", "平台预判"))
        for i, col in enumerate(cols):
            view.add_column(col, no_wrap=i == 0)  # patch numbers are never cut
        for p in result.patches:
            view.add_row(p.id, p.county, f"{p.from_code} {label('land_class', p.from_code, lang)}",
                         f"{p.to_code} {label('land_class', p.to_code, lang)}",
                         f"{p.area_m2 * 15 / 10_000:,.2f}",
                         labels("change_class", p.classes, lang, "; " if en else "、"),
                         label("legality", p.legality, lang))
        stdout.print(view)
    s = b.sliver
    if en:
        stdout.print(f"Minimum area: construction {s.min_area_construction_m2:g} m², farmland "
                     f"{s.min_area_farmland_m2:g} m², other {s.min_area_other_m2:g} m²; minimum "
                     f"width {s.min_width_m:g} m; rules “{b.rules_name}”", markup=False)
    else:
        stdout.print(f"最小面积：建设 {s.min_area_construction_m2:g} m²，耕地 "
                     f"{s.min_area_farmland_m2:g} m²，其他 {s.min_area_other_m2:g} m²；最小宽度 "
                     f"{s.min_width_m:g} m；规则 {b.rules_name}")
    if b.scores:
        sc = b.scores
        stdout.print(f"Against {sc.sample}: recall {sc.recall:.1%}, precision {sc.precision:.1%}, "
                     f"legal flagged as violations {sc.legal_flagged_as_violation}, largest area "
                     f"error {sc.max_area_rel_error:.2e}" if en else
                     f"对照 {sc.sample}：查全率 {sc.recall:.1%}，查准率 {sc.precision:.1%}，"
                     f"合法被判疑似违法 {sc.legal_flagged_as_violation}，"
                     f"面积最大相对误差 {sc.max_area_rel_error:.2e}")
    stdout.print("Note: 'suspected' is the platform's pre-judgement; only a reviewed verdict "
                 "makes a change illegal." if en else
                 "注：疑似违法为平台预判，是否违法以核查审核结论为准。")


def register(app: typer.Typer) -> None:
    """Add the ``change`` command to ``app``."""
    app.command("change")(change)
