"""Workspace commands: ``init`` and ``layers`` (``list``, ``remove``, ``overviews``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
import typer.core
from rich.table import Table

from onemap.cli.identity import UserOpt, actor_for
from onemap.cli.output import emit_json, progress_bar, stdout
from onemap.compute import get_executor
from onemap.standards.regions import DEFAULT_ROOT_REGION
from onemap.standards.units import convert_area
from onemap.store.overviews import backfill_overviews
from onemap.store.policy import Action
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


def remove(
    directory: Annotated[Path, typer.Argument(help="workspace folder")],
    kind: Annotated[str, typer.Argument(help="layer kind, e.g. dltb")],
    vintage: Annotated[int, typer.Argument(help="年度 (0 for kinds without vintages)")],
    user: UserOpt = "",
    json_: JsonOpt = False,
) -> None:
    """Remove layer KIND/VINTAGE and its files (administrators; audited; atomic)."""
    ws = Workspace.open(directory)
    try:
        removed = ws.remove_layer(actor_for(ws, user), kind, vintage)
    finally:
        ws.close()
    if json_:
        emit_json(removed)
        return
    stdout.print(f"已删除图层 removed layer {removed.kind}/{removed.vintage} "
                 f"({removed.title_zh}: {removed.features:,} features, "
                 f"{removed.counties} counties)")


def overviews(
    directory: Annotated[Path, typer.Argument(help="workspace folder")],
    kind: Annotated[str, typer.Argument(help="polygon layer kind with a class field, e.g. dltb")],
    vintage: Annotated[int, typer.Argument(help="年度 (0 for kinds without vintages)")],
    workers: Annotated[int, typer.Option(
        help="worker processes (one county each at a time); 1 runs in this process")] = 2,
    seed: Annotated[bool, typer.Option(
        help="then render the missing low-zoom tiles into <workspace>/tiles "
             "(as onemap tiles seed)")] = True,
    user: UserOpt = "",
    json_: JsonOpt = False,
) -> None:
    """Make the missing or stale low-zoom overviews of KIND/VINTAGE (概略图补建).

    County by county in worker processes; each batch of counties is recorded in one
    catalog transaction, so an interrupted run keeps what it finished and running it
    again only does what is left (administrators; audited). With ``--seed`` (default)
    the layer's tiles z6–9 are then rendered to disk for the province administrator and,
    when the layer is public, the public (tiles already there are skipped).
    """
    from onemap.cli.tiles import print_seed, seed_workspace

    ws = Workspace.open(directory)
    try:
        ws.authorize(actor_for(ws, user), Action.ADMINISTER, ws.root_region,
                     what=f"overviews of {kind}/{vintage}")
        with progress_bar("概略图 overviews", enabled=not json_) as progress:
            if workers > 1:
                with get_executor("processes", workers=workers) as pool:
                    result = backfill_overviews(ws, kind, vintage, executor=pool,
                                                batch=4 * workers, progress=progress)
            else:
                result = backfill_overviews(ws, kind, vintage, progress=progress)
        seeded = seed_workspace(ws, kind, vintage, progress_enabled=not json_) if seed else None
    finally:
        ws.close()
    if json_:
        emit_json({**result.model_dump(mode="json"),
                   "seed": seeded.model_dump(mode="json") if seeded else None})
        return
    stdout.print(f"概略图 overviews {result.kind}/{result.vintage}: made {len(result.made)}, "
                 f"already current {result.current}, skipped {len(result.skipped)} of "
                 f"{result.counties} counties; largest class-area change "
                 f"{result.area_error:.3%} ({result.seconds:.1f} s)")
    if seeded is not None:
        print_seed(seeded)


class _ListByDefault(typer.core.TyperGroup):
    """``onemap layers DIR`` still lists: an argument that names no subcommand means ``list``."""

    def parse_args(self, ctx: typer.Context, args: list[str]) -> list[str]:  # type: ignore[override]
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            args = ["list", *args]
        return super().parse_args(ctx, args)


def register(app: typer.Typer) -> None:
    """Add the workspace commands to ``app``."""
    app.command("init")(init)
    group = typer.Typer(cls=_ListByDefault, no_args_is_help=True,
                        help="Layers: list them (default), remove one, make overviews (图层).")
    group.command("list")(layers)
    group.command("remove")(remove)
    group.command("overviews")(overviews)
    app.add_typer(group, name="layers")
