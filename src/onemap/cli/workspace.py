"""Workspace commands: ``init`` and ``layers``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from onemap.cli.output import emit_json, stdout
from onemap.standards.regions import DEFAULT_ROOT_REGION
from onemap.standards.units import convert_area
from onemap.store.workspace import Workspace

JsonOpt = Annotated[bool, typer.Option("--json", help="print the result as JSON on stdout")]


def init(
    directory: Annotated[Path, typer.Argument(help="workspace folder to create")],
    name: Annotated[str, typer.Option(help="workspace name")] = "",
    root_region: Annotated[str, typer.Option(
        help="root 行政区划代码 of the workspace (its province)")] = DEFAULT_ROOT_REGION,
    database_url: Annotated[str, typer.Option(help="catalog URL (default: SQLite file)")] = "",
    json_: JsonOpt = False,
) -> None:
    """Create a workspace (onemap.toml + catalog database)."""
    ws = Workspace.create(directory, name=name or None, root_region=root_region,
                          database_url=database_url)
    result = {"workspace": str(ws.root), "name": ws.config.name,
              "database": ws.config.database_url or "sqlite"}
    if json_:
        emit_json(result)
    else:
        stdout.print(f"已创建工作空间 created workspace {ws.root}")


def layers(
    directory: Annotated[Path, typer.Argument(help="workspace folder")],
    json_: JsonOpt = False,
) -> None:
    """List layers: kind, vintage, features and ellipsoidal area."""
    infos = Workspace.open(directory).list_layers()
    if json_:
        emit_json(infos)
        return
    table = Table(title="图层 Layers")
    for col in ("kind", "名称", "vintage", "features", "counties", "面积(公顷)", "面积(亩)"):
        table.add_column(col)
    for i in infos:
        table.add_row(i.kind, i.title_zh, str(i.vintage or "-"), f"{i.features:,}",
                      str(i.counties), f"{convert_area(i.area_m2, 'ha'):,.2f}",
                      f"{convert_area(i.area_m2, 'mu'):,.2f}")
    stdout.print(table)


def register(app: typer.Typer) -> None:
    """Add the workspace commands to ``app``."""
    app.command("init")(init)
    app.command("layers")(layers)
