"""Import step 1, read: open the file in chunks of EPSG:4490 features and fingerprint it.

Encoding detection, CRS rules and reprojection from Gauss–Krüger zones are the
readers' (:func:`onemap.store.formats.features.iter_features`). This step picks the
kind's standard feature class in a multi-layer GDB/GeoPackage, fingerprints the file
and the options (an unchanged re-import is a no-op), and names the file as
``request.display_name`` in the source description and in every error, so an upload's
temporary path never reaches a report.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING

from onemap.store.formats.coordinate_txt import strict_reading
from onemap.store.formats.features import LoadedFeatures, iter_features
from onemap.store.formats.naming import named_source, relabel
from onemap.store.formats.vector import list_layer_names

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from onemap.store.formats.models import ImportRequest, SourceInfo

# Feature-class names in national deliverables (三调 county databases, 三区三线 results).
STANDARD_LAYERS: dict[str, tuple[str, ...]] = {
    "dltb": ("DLTB",),
    "admin_county": ("XJXZQ", "XZQ"),
    "admin_township": ("XZQ", "XZJXZQ"),
    "pbf": ("YJJBNT", "YJJBNTBHTB", "YJJBNTTB"),
    "eco_redline": ("STBHHX", "STHX"),
    "udb": ("CZKFBJ",),
    "nature_reserve": ("ZRBHD", "ZRBHDGNFQ"),
}


@dataclass
class SourceRead:
    """An opened source: its chunks (the first already read), columns and fingerprint.

    ``chunks`` yields every chunk, the first included, once; errors raised while
    reading later chunks name the file as the request does.
    """

    chunks: Iterator[LoadedFeatures]
    columns: list[str]
    source: SourceInfo
    total: int
    fingerprint: str
    in_memory: bool  # the whole file came in the first chunk


def read_source(request: ImportRequest, *, configured: dict[str, str] | None = None
                ) -> SourceRead:
    """Open ``request.path`` and read its first chunk (see the module docstring).

    ``configured`` are the workspace's ``[aliases.<kind>]``; they take part in the
    fingerprint, so a changed onemap.toml mapping re-imports the file.
    """
    p = request.path
    name = request.display_name
    with named_source(p, name), strict_reading(request.strict):
        layer = request.layer or standard_layer_name(p, request.kind)
        chunks = iter_features(p, encoding=request.encoding, crs=request.crs, layer=layer,
                               chunk_size=request.chunk_size)
        first = next(chunks)
        fingerprint = source_fingerprint(p, import_options(request, configured or {}))
    total = first.total if first.total is not None else len(first.frame)
    source = first.source.model_copy(update={
        "features": total, "path": relabel(first.source.path, p, name),
        "notes": [relabel(n, p, name) for n in first.source.notes]})
    columns = [str(c) for c in first.frame.columns.drop(first.frame.geometry.name)]
    # strict_reading covers the first chunk only: coordinate TXT files are read whole
    return SourceRead(chunks=_named(itertools.chain([first], chunks), p, name),
                      columns=columns, source=source, total=total, fingerprint=fingerprint,
                      in_memory=len(first.frame) >= total)


def _named(chunks: Iterator[LoadedFeatures], path: Path, name: str
           ) -> Iterator[LoadedFeatures]:
    with named_source(path, name):
        yield from chunks


def import_options(request: ImportRequest, configured: dict[str, str]) -> dict[str, object]:
    """Return the options that make two imports of one file the same import."""
    options: dict[str, object] = {
        "kind": request.kind, "vintage": request.vintage, "encoding": request.encoding,
        "crs": str(request.crs or ""), "layer": request.layer, "aliases": request.aliases,
        "skip_invalid": request.skip_invalid, "replace": request.replace}
    if request.strict:  # only then, so fingerprints of earlier imports stay the same
        options["strict"] = True
    if configured:  # only then, so fingerprints of earlier imports stay the same
        options["configured_aliases"] = configured
    return options


def standard_layer_name(path: Path, kind: str) -> str | None:
    """Pick the kind's standard feature class (e.g. DLTB) in a multi-layer GDB/GeoPackage."""
    if path.suffix.lower() not in (".gdb", ".gpkg"):
        return None
    names = list_layer_names(path)
    if len(names) < 2:
        return None
    by_upper = {n.upper(): n for n in names}
    for wanted in STANDARD_LAYERS.get(kind, ()):
        if wanted in by_upper:
            return by_upper[wanted]
    return None


def source_fingerprint(path: Path, options: dict[str, object]) -> str:
    """Return a sha256 over the source file(s) (Shapefile sidecars, FileGDB folder) and options."""
    h = hashlib.sha256(json.dumps(options, sort_keys=True, default=str).encode())
    if path.is_dir():
        files = sorted(f for f in path.rglob("*") if f.is_file())
    elif path.suffix.lower() == ".shp":
        files = sorted(f for f in path.parent.glob(path.stem + ".*") if f.suffix.lower() in
                       (".shp", ".shx", ".dbf", ".prj", ".cpg"))
    else:
        files = [path]
    for f in files:
        h.update(f.name.encode())
        with f.open("rb") as fh:
            while chunk := fh.read(1 << 20):
                h.update(chunk)
    return h.hexdigest()
