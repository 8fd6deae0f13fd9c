"""Tile commands: ``tiles seed`` (瓦片预生成: low-zoom tiles rendered into the disk tier)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from onemap.api.deps import ApiSettings
from onemap.api.ogc.tilestore import (
    SEED_MAX_ZOOM,
    SEED_MIN_ZOOM,
    SeedResult,
    seed_scopes,
    seed_tiles,
    workspace_tiles,
)
from onemap.cli.identity import UserOpt, actor_for
from onemap.cli.output import emit_json, progress_bar, stdout
from onemap.store.policy import Action
from onemap.store.reader import WorkspaceReader
from onemap.store.workspace import Workspace

JsonOpt = Annotated[bool, typer.Option("--json", help="print the result as JSON on stdout")]


def seed_workspace(ws: Workspace, kind: str, vintage: int | None, *,
                   min_zoom: int = SEED_MIN_ZOOM, max_zoom: int = SEED_MAX_ZOOM,
                   progress_enabled: bool = True) -> SeedResult:
    """Seed the low-zoom tiles of one layer vintage with the server's settings (env)."""
    settings = ApiSettings(workspace=ws.root)
    reader = WorkspaceReader(ws, public_decimals=settings.public_coordinate_decimals)
    disk = workspace_tiles(ws.root, max(settings.tile_disk_mb, 1) * 2**20)
    with progress_bar("瓦片预生成 seed", enabled=progress_enabled) as progress:
        return seed_tiles(seed_scopes(reader, kind, vintage), disk, settings.tile_max_bytes,
                          min_zoom=min_zoom, max_zoom=max_zoom, progress=progress)


def print_seed(result: SeedResult) -> None:
    """Print one line about a seed run."""
    stdout.print(f"瓦片预生成 seeded {result.collection_id} z{result.zooms[0]}–"
                 f"{result.zooms[-1]} for {', '.join(result.scopes)}: rendered "
                 f"{result.rendered}, already on disk {result.skipped} of {result.tiles}; "
                 f"{result.files} files, {result.disk_bytes / 2**20:.1f} MiB")


def seed(
    directory: Annotated[Path, typer.Argument(help="workspace folder")],
    kind: Annotated[str, typer.Option(help="layer kind")] = "dltb",
    vintage: Annotated[int | None, typer.Option(help="年度 (default: latest)")] = None,
    min_zoom: Annotated[int, typer.Option(help="first zoom seeded")] = SEED_MIN_ZOOM,
    max_zoom: Annotated[int, typer.Option(
        help=f"last zoom seeded (at most {SEED_MAX_ZOOM})")] = SEED_MAX_ZOOM,
    user: UserOpt = "",
    json_: JsonOpt = False,
) -> None:
    """Render the low-zoom WebMercatorQuad tiles of a layer into <workspace>/tiles (预生成).

    For the province administrator's scope, and the public's when the layer is public;
    tiles already on disk (same ETag) are skipped, so running it again is cheap
    (administrators).
    """
    ws = Workspace.open(directory)
    try:
        ws.authorize(actor_for(ws, user), Action.ADMINISTER, ws.root_region,
                     what=f"tile seed of {kind}")
        result = seed_workspace(ws, kind, vintage, min_zoom=min_zoom, max_zoom=max_zoom,
                                progress_enabled=not json_)
    finally:
        ws.close()
    if json_:
        emit_json(result)
    else:
        print_seed(result)


def register(app: typer.Typer) -> None:
    """Add the tile commands to ``app``."""
    group = typer.Typer(no_args_is_help=True, help="Vector tiles: seed low zooms (矢量瓦片).")
    group.command("seed")(seed)
    app.add_typer(group, name="tiles")
