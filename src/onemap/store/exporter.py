"""Export a layer vintage to a user format, optionally back in its source Gauss–Krüger zone.

``crs="source"`` means the CRS the layer was imported from (kept in the catalog), so a
county's 三调 Shapefile goes back out in the zone it came in. Shapefiles always get a
``.cpg`` (UTF-8 unless ``encoding="GBK"`` for legacy tools). Attribute tables go to CSV
or XLSX with a WKT column.
"""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
from pyproj import CRS

from onemap.errors import CrsError, NotFound, ScopeViolation
from onemap.standards.crs import crs_from_user
from onemap.store.formats.base import format_for_path, get_format
from onemap.store.formats.features import write_features
from onemap.store.formats.models import ExportReport
from onemap.store.policy import Action

if TYPE_CHECKING:
    from onemap.store.access import Actor
    from onemap.store.workspace import Workspace


def export_layer(
    ws: Workspace,
    kind: str,
    vintage: int | None,
    out: str | Path,
    *,
    format: str | None = None,
    crs: str | int | None = None,
    encoding: str | None = None,
    counties: list[str] | None = None,
    layer: str | None = None,
    actor: Actor,
) -> ExportReport:
    """Write layer ``kind``/``vintage`` (latest when None) to ``out`` in ``format``.

    Only counties inside ``actor``'s region scope are exported (asking for others raises
    :class:`onemap.errors.ScopeViolation`); public users get public layers only, without
    the kind's sensitive fields.
    """
    info = ws.layer(kind, vintage)
    ws.authorize(actor, Action.EXPORT, what=f"layer {kind}")
    ws.authorize_layer(actor, Action.READ, info)
    held = [p.county for p in ws.partitions(kind, info.vintage)]
    for county in counties or []:
        ws.authorize_layer(actor, Action.READ, info, county)
    allowed = [c for c in (counties or held) if ws.allows_layer(actor, Action.READ, info, c)]
    if not allowed and held:
        raise ScopeViolation(f"{actor.username} may not export any county of layer {kind}",
                             user_message="无权导出该图层 (outside your region scope)")
    frame = ws.read_layer(kind, info.vintage, counties=allowed)  # public users cannot export
    if frame.empty:
        raise NotFound(f"layer {kind}/{info.vintage} has no features to export"
                       + (f" in counties {', '.join(counties)}" if counties else ""))
    fmt = get_format(format) if format else format_for_path(Path(out))
    target = _target_crs(crs, info.source_crs)
    frame = frame.drop(columns=[c for c in frame.columns if c == "bbox"])
    frame = _plain_dtypes(frame)
    files = _write_then_move(frame, Path(out), fmt.name, target, encoding, layer or kind)
    used = target or "EPSG:4490"
    if fmt.name == "coordinate_txt" and target is None:
        used = "zone-prefixed Gauss–Krüger (from longitude)"
    ws.audit(actor.username, "layer.export", f"{kind}/{info.vintage}",
             {"path": str(out), "format": fmt.name, "crs": used, "features": len(frame)})
    return ExportReport(kind=kind, vintage=info.vintage, format=fmt.name, path=str(out),
                        files=[str(f) for f in files], features=len(frame), crs=str(used),
                        encoding=encoding or ("UTF-8" if fmt.name in ("shapefile", "csv",
                                                                      "coordinate_txt") else ""))


def _write_then_move(frame: pd.DataFrame, out: Path, fmt: str, crs: str | None,
                     encoding: str | None, layer: str) -> list[Path]:
    """Write into a hidden sibling folder, then move the files into place.

    A failed export leaves no half-written file behind, and an existing output is only
    replaced once the new one is complete.
    """
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = out.parent / f".{out.name}.{uuid.uuid4().hex[:8]}.tmp"
    staging.mkdir()
    try:
        written = write_features(frame, staging / out.name, format=fmt, crs=crs,
                                 encoding=encoding, layer=layer)
        moved = []
        for f in written:
            dest = out.parent / Path(f).name
            if dest.is_dir():
                shutil.rmtree(dest)
            os.replace(f, dest)
            moved.append(dest)
        return moved
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _target_crs(crs: str | int | None, source_crs: str) -> str | None:
    if crs in (None, ""):
        return None
    if str(crs).lower() == "source":
        if not source_crs:
            raise CrsError("the layer's source CRS is unknown; give an EPSG code")
        return source_crs
    parsed = crs_from_user(crs)
    epsg = parsed.to_epsg()
    return f"EPSG:{epsg}" if epsg else CRS(parsed).to_wkt()


def _plain_dtypes(frame: pd.DataFrame) -> pd.DataFrame:
    """Turn pandas extension dtypes into plain ones GDAL writers accept."""
    out = frame.copy()
    for col in out.columns:
        dtype = out[col].dtype
        if isinstance(dtype, pd.StringDtype):
            out[col] = out[col].astype(object).where(out[col].notna(), None)
        elif isinstance(dtype, pd.Int64Dtype | pd.Float64Dtype):
            out[col] = out[col].astype("float64") if out[col].isna().any() or isinstance(
                dtype, pd.Float64Dtype) else out[col].astype("int64")
    return out
