"""``onemap demo``: build the Jiangxi demo province (real boundaries, synthetic survey data)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from onemap.cli.executors import ClusterOpt, open_executor
from onemap.cli.output import emit_json, progress_bar, stdout
from onemap.demo.job import prepare_main_job
from onemap.demo.models import CLOSE_UP_COUNTY, DemoOptions, DemoResult, Scale
from onemap.demo.service import PICTURE_MAX_POLYGONS, build_demo, write_summary
from onemap.reports.maps import county_name, render_workspace_landuse
from onemap.store.workspace import Workspace


def _picture(result: DemoResult, run: bool = False) -> DemoResult:
    ws = Workspace.open(result.workspace)
    try:
        path = render_workspace_landuse(
            ws, Path(result.workspace) / "outputs" / "landuse.png", vintage=2019,
            title="江西省土地利用现状图（演示数据 2019）",
            subtitle=f"合成数据 synthetic · 真实行政区划 · seed {result.seed} · {result.scale}"
                     f" · {result.polygons_2019:,} 图斑")
        if run:  # a county close-up with second-level classes and townships
            code = CLOSE_UP_COUNTY if CLOSE_UP_COUNTY in result.county_codes \
                else result.county_codes[0]
            render_workspace_landuse(
                ws, Path(result.workspace) / "outputs" / f"landuse-{code}.png", vintage=2019,
                title=f"{county_name(ws, code)} 土地利用现状图（演示数据 2019）", counties=[code],
                by_level1=False)
    finally:
        ws.close()
    result.picture_path = str(path)
    write_summary(result)
    return result


def demo(
    directory: Annotated[Path, typer.Argument(help="workspace folder to create")],
    scale: Annotated[Scale, typer.Option(help="tiny≈10k | small≈50k | medium≈1M | "
                                              "province≈11.5M polygons")] = "small",
    seed: Annotated[int, typer.Option(help="random seed (same seed → same files)")] = 2019,
    counties: Annotated[str, typer.Option(help="only these county codes, comma-separated, "
                                               "e.g. 360111,360121")] = "",
    picture: Annotated[bool | None, typer.Option(
        "--picture/--no-picture", help="render outputs/landuse.png "
                                       "(default: on up to small scale)")] = None,
    overwrite: Annotated[bool, typer.Option(
        "--overwrite", help="replace DIR if it is a workspace made by onemap demo")] = False,
    workers: Annotated[int | None, typer.Option(
        min=1, help="worker processes generating counties (default: every core; "
                    "same files whatever the number)")] = None,
    run: Annotated[bool, typer.Option("--run", help="build, draw the picture and list the "
                                                    "outputs (the `make demo` path)")] = False,
    cluster: ClusterOpt = "",
    json_: Annotated[bool, typer.Option("--json", help="print the result as JSON")] = False,
) -> None:
    """Build a demo province workspace: admin layers, DLTB 2019/2020, controls, ground truth."""
    wanted = [c.strip() for c in counties.split(",") if c.strip()] or None
    options = DemoOptions(scale=scale, seed=seed, counties=wanted, overwrite=overwrite,
                          workers=workers)
    with open_executor("threads", cluster) as pool, \
            progress_bar("生成演示省 demo province", enabled=not json_) as progress:
        result = build_demo(directory, options, progress=progress, executor=pool)
    draw = picture if picture is not None else result.polygons_2019 <= PICTURE_MAX_POLYGONS
    if draw:
        result = _picture(result, run)
    inputs = prepare_main_job(result.workspace, seed) if run else None
    if json_:
        emit_json(result)
        return
    table = Table(title=f"演示省 demo: {result.counties} 县, {result.polygons_2019:,} 图斑 "
                        f"(2019), {result.changes} 变化, {result.seconds:.1f} s, "
                        f"{result.bytes / 1e6:.1f} MB")
    table.add_column("一级地类 class")
    table.add_column("占比 share %", justify="right")
    for name, share in result.class_shares.items():
        table.add_row(name, f"{share:.2f}")
    stdout.print(table)
    outputs = Path(result.workspace) / "outputs"
    stdout.print(f"工作空间 workspace: {result.workspace}")
    stdout.print(f"真值表 ground truth: {result.truth_path}")
    if result.picture_path:
        stdout.print(f"土地利用图 land-use map: {result.picture_path}")
    stdout.print(f"摘要 summary: {outputs / 'demo-summary.json'}")
    for site in inputs.sites if inputs else []:
        stdout.print(f"示例用地 sample site: {site}")


def register(app: typer.Typer) -> None:
    """Add the ``demo`` command to ``app``."""
    app.command("demo")(demo)
