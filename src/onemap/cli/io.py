"""File commands: ``import``, ``export`` and ``area``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from onemap.cli.identity import UserOpt, actor_for
from onemap.cli.output import emit_json, progress_bar, stderr, stdout
from onemap.store.exporter import export_layer
from onemap.store.formats.areas import measure_features
from onemap.store.formats.models import ImportRequest
from onemap.store.importer import import_file
from onemap.store.workspace import Workspace

JsonOpt = Annotated[bool, typer.Option("--json", help="print the result as JSON on stdout")]
EncodingOpt = Annotated[str | None, typer.Option(
    "--encoding", help="text encoding of the attributes (default: detect UTF-8 / GBK)")]
CrsOpt = Annotated[str | None, typer.Option(
    "--crs", help="source CRS when the file has none (EPSG code, e.g. 4527)")]
LayerOpt = Annotated[str | None, typer.Option("--layer", help="layer of a GeoPackage/FileGDB")]


def import_(
    directory: Annotated[Path, typer.Argument(help="workspace folder")],
    file: Annotated[Path, typer.Argument(help="file to import (.shp .gpkg .geojson .fgb .gdb "
                                               ".parquet .txt .csv .xlsx, or a .zip of one)")],
    kind: Annotated[str, typer.Option("--kind", help="layer kind, e.g. dltb")],
    vintage: Annotated[int | None, typer.Option("--vintage", help="年度, e.g. 2020")] = None,
    encoding: EncodingOpt = None,
    crs: CrsOpt = None,
    layer: LayerOpt = None,
    alias: Annotated[list[str] | None, typer.Option(
        "--alias", help="map a source field onto a schema field: SRC=FIELD (repeatable)")] = None,
    skip_invalid: Annotated[bool, typer.Option(
        "--skip-invalid", help="import the valid features and list the rejected ones")] = False,
    replace: Annotated[bool, typer.Option(
        "--replace", help="drop the vintage's other counties too")] = False,
    check: Annotated[bool, typer.Option(
        "--check", help="run every check and report, write nothing")] = False,
    strict: Annotated[bool, typer.Option(
        "--strict", help="coordinate TXT: refuse unclosed rings and partly zone-prefixed "
                         "eastings instead of repairing them with a warning")] = False,
    user: UserOpt = "",
    json_: JsonOpt = False,
) -> None:
    """Import a file as layer KIND/VINTAGE (atomic: a rejected file changes nothing)."""
    ws = Workspace.open(directory)
    try:
        request = ImportRequest(path=file, kind=kind, vintage=vintage, encoding=encoding,
                                crs=crs, layer=layer, aliases=alias or [],
                                skip_invalid=skip_invalid, replace=replace, dry_run=check,
                                strict=strict)
        with progress_bar("导入 import", enabled=not json_) as progress:
            report = import_file(ws, request, actor=actor_for(ws, user), progress=progress)
    finally:
        ws.close()
    if json_:
        emit_json(report)
        return
    if report.unchanged:
        stdout.print(f"未变化 unchanged: {file} was already imported as {kind}/{report.vintage}")
        return
    verb = "检查通过 would import" if report.dry_run else "已导入 imported"
    stdout.print(f"{verb} {report.features_imported:,} of {report.features_read:,} "
                 f"features into {kind}/{report.vintage} (source {report.source.crs}, "
                 f"{report.source.encoding or '-'})")
    for r in report.rejected:
        stderr.print(f"[yellow]rejected[/] feature {r.feature_id}: {', '.join(r.reasons)}")
    for fixed in report.repaired:
        stderr.print(f"[cyan]repaired[/] feature {fixed.feature_id}: {fixed.reason}")
    for note in report.source.notes:
        stderr.print(f"[yellow]warning[/] {note}")


def export(
    directory: Annotated[Path, typer.Argument(help="workspace folder")],
    kind: Annotated[str, typer.Option("--kind", help="layer kind")],
    out: Annotated[Path, typer.Option("--out", help="output file (.gdb folder for FileGDB)")],
    vintage: Annotated[int | None, typer.Option("--vintage", help="年度 (default latest)")] = None,
    format_: Annotated[str | None, typer.Option(
        "--format", help="shapefile gpkg geojson fgb gdb parquet txt csv xlsx "
                         "(default: from --out)")] = None,
    crs: Annotated[str | None, typer.Option(
        "--crs", help="output CRS: EPSG code, or 'source' for the zone it was imported from")
    ] = None,
    encoding: Annotated[str | None, typer.Option(
        "--encoding", help="Shapefile/CSV/TXT text encoding (UTF-8 default; GBK for legacy "
                           "tools)")] = None,
    county: Annotated[list[str] | None, typer.Option("--county", help="only these counties")
                      ] = None,
    user: UserOpt = "",
    json_: JsonOpt = False,
) -> None:
    """Export layer KIND/VINTAGE to a file."""
    ws = Workspace.open(directory)
    try:
        report = export_layer(ws, kind, vintage, out, format=format_, crs=crs,
                              encoding=encoding, counties=county or None,
                              actor=actor_for(ws, user))
    finally:
        ws.close()
    if json_:
        emit_json(report)
    else:
        stdout.print(f"已导出 exported {report.features:,} features of {kind}/{report.vintage} "
                     f"to {report.path} ({report.format}, {report.crs})")


def area(
    file: Annotated[Path, typer.Argument(help="any supported file, incl. coordinate TXT")],
    encoding: EncodingOpt = None,
    crs: CrsOpt = None,
    layer: LayerOpt = None,
    json_: JsonOpt = False,
) -> None:
    """Print the ellipsoidal area (CGCS2000) of every feature or parcel of FILE."""
    rows = measure_features(file, encoding=encoding, crs=crs, layer=layer)
    if json_:
        emit_json(rows if rows else [])
        return
    table = Table(title=f"椭球面积 ellipsoidal area: {file.name}")
    for col in ("id", "名称", "面积(m²)", "面积(公顷)", "面积(亩)", "平面面积(m²)"):
        table.add_column(col)
    for r in rows:
        table.add_row(r.id, r.name, f"{r.area_m2:,.2f}", f"{r.area_ha:,.4f}",
                      f"{r.area_mu:,.2f}",
                      "-" if r.planar_area_m2 is None else f"{r.planar_area_m2:,.2f}")
    stdout.print(table)
    total = sum(r.area_m2 for r in rows)
    stdout.print(f"合计 total {len(rows)} features: {total:,.2f} m²")


def register(app: typer.Typer) -> None:
    """Add the file commands to ``app``."""
    app.command("import")(import_)
    app.command("export")(export)
    app.command("area")(area)
