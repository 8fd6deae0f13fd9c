"""Import a user's file into a workspace layer: map fields, coerce, validate, write atomically.

Steps: read the file into EPSG:4490 (``formats.load_features``: encoding detection,
CRS rules, reprojection from Gauss–Krüger zones) → map source fields onto the layer
kind's schema (standard names, the schema's aliases, the Chinese field titles, then
the user's ``aliases``) → coerce types → validate every feature (empty or wrong-type
geometry, invalid geometry repaired with ``make_valid`` and reported, required fields,
unknown 地类编码) → :meth:`Workspace.write_layer` (atomic, per-county partitions).

Any rejected feature rejects the whole import (nothing changes) unless
``skip_invalid`` is true; either way every rejected feature is listed with its
reasons. Importing the same file with the same options again is a no-op reported as
``unchanged`` (the fingerprint is kept as the layer's ``source_checksum``).
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import json
import os
import shutil
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from sqlalchemy import select

from onemap.errors import ImportRejected, InvalidInput, ScopeViolation
from onemap.standards.landuse import land_classes
from onemap.store.access import Actor
from onemap.store.counties import assign_counties
from onemap.store.formats.features import LoadedFeatures, iter_features
from onemap.store.formats.models import ImportReport, RejectedFeature, RepairedFeature
from onemap.store.formats.vector import list_layer_names
from onemap.store.kinds import COUNTY_COLUMN, FieldSpec, LayerKind, get_kind
from onemap.store.schema import LayerRow
from onemap.store.staging import new_staging_folder, sweep_stale
from onemap.store.workspace import Workspace

Progress = Callable[[int, int, str], None]
CODE_FIELDS = ("DLBM", "KCDLBM")  # land-use code fields checked against the 三调 classes
_POLYGONAL = ("Polygon", "MultiPolygon")
_PUNTAL = ("Point", "MultiPoint")
MAX_LISTED = 5
CHUNK_SIZE = 250_000  # features read at a time from large GDAL sources
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


def import_file(
    ws: Workspace,
    path: str | Path,
    kind: str,
    *,
    vintage: int | None = None,
    encoding: str | None = None,
    crs: str | int | None = None,
    layer: str | None = None,
    aliases: dict[str, str] | None = None,
    skip_invalid: bool = False,
    replace: bool = False,
    actor: Actor,
    progress: Progress | None = None,
    source_name: str | None = None,
    chunk_size: int = CHUNK_SIZE,
    dry_run: bool = False,
) -> ImportReport:
    """Import ``path`` as layer ``kind``/``vintage`` of ``ws`` (see the module docstring).

    ``actor`` must be allowed to write and its region scope must cover every county the
    features fall in (else :class:`onemap.errors.ScopeViolation`, nothing written).
    ``source_name`` is recorded as the layer's source instead of ``path`` (uploads).
    Files of more than ``chunk_size`` features are read in chunks and staged per county
    on disk, so memory follows the chunk and the largest county, not the file.
    ``dry_run`` runs every check and reports what would be imported, writing nothing.
    """
    spec = get_kind(kind)
    p = Path(path)
    if not actor.can_write:
        raise ScopeViolation(f"{actor.username} ({actor.role}) may not import layers",
                             user_message="无权导入数据 (your role cannot change data)")
    if spec.versioned and vintage is None:
        raise ImportRejected(f"layer kind {kind} needs a vintage (年度), e.g. --vintage 2020",
                             path=str(p))
    year = int(vintage) if spec.versioned and vintage is not None else 0
    options = {"kind": kind, "vintage": year, "encoding": encoding, "crs": str(crs or ""),
               "layer": layer, "aliases": aliases or {}, "skip_invalid": skip_invalid,
               "replace": replace}
    configured = ws.config.aliases.get(kind, {})  # onemap.toml [aliases.<kind>]
    if configured:  # only then, so fingerprints of earlier imports stay the same
        options["configured_aliases"] = configured
    layer = layer or standard_layer_name(p, kind)
    chunks = iter_features(p, encoding=encoding, crs=crs, layer=layer, chunk_size=chunk_size)
    first = next(chunks)
    fingerprint = source_fingerprint(p, options)
    mapping, ignored = map_fields(list(first.frame.columns.drop(first.frame.geometry.name)),
                                  spec, aliases or {}, path=str(p), configured=configured)
    total = first.total if first.total is not None else len(first.frame)
    source = first.source.model_copy(update={"features": total})
    base = {"path": source_name or str(p), "kind": kind, "vintage": year, "source": source,
            "features_read": total, "field_mapping": mapping, "ignored_fields": ignored,
            "fingerprint": fingerprint}
    swept = [] if dry_run else sweep_stale(ws.root)  # folders left by killed imports
    if swept:
        ws.audit(actor.username, "import.staging_swept", kind,
                 {"folders": [f.name for f in swept]})
    if _stored_fingerprint(ws, kind, year) == fingerprint:
        info = ws.layer(kind, year)
        return ImportReport(**base, features_imported=0, unchanged=True, layer=info,
                            counties=sorted(x.county for x in ws.partitions(kind, year)))
    with _Staging(ws, in_memory=len(first.frame) >= total, discard=dry_run) as staged:
        rejected: list[RejectedFeature] = []
        repaired: list[RepairedFeature] = []
        for chunk in itertools.chain([first], chunks):
            frame, rej, rep = prepare_features(chunk, spec, mapping)
            rejected += rej
            repaired += rep
            if rejected and not skip_invalid:
                continue  # keep reading to list every rejected feature; stage nothing
            keep = np.ones(len(frame), dtype=bool)
            keep[[r.index - chunk.offset for r in rej]] = False
            good = frame[keep].copy()
            good[COUNTY_COLUMN] = _counties(ws, spec, good, staged.admin_cache)
            for county in good[COUNTY_COLUMN].unique():
                actor.require(str(county), f"layer {kind}")
            staged.add(good)
            if progress and chunk.total and chunk.total > len(chunk.frame):
                progress(chunk.offset + len(chunk.frame), chunk.total, "read")
        if rejected and not skip_invalid:
            raise _rejection(p, rejected, total)
        if not staged.rows:
            raise ImportRejected("no feature left to import", path=str(p),
                                 rejected=[r.model_dump() for r in rejected])
        if dry_run:
            return ImportReport(**base, features_imported=staged.rows, dry_run=True,
                                rejected=rejected, repaired=repaired,
                                counties=sorted(staged.counties))
        info = ws.write_layer(kind, vintage, staged.parts(), replace=replace,
                              source_path=source_name or str(p.resolve()),
                              source_crs=source.crs, source_encoding=source.encoding,
                              source_checksum=fingerprint, actor=actor.username,
                              progress=progress)
    ws.audit(actor.username, "layer.import", f"{kind}/{info.vintage}", {
        "path": str(p), "features": staged.rows, "rejected": len(rejected),
        "repaired": len(repaired), "crs": source.crs, "encoding": source.encoding})
    return ImportReport(**base, features_imported=staged.rows, rejected=rejected,
                        repaired=repaired, layer=info, counties=sorted(staged.counties))


class _Staging:
    """Validated features waiting for the one atomic write: in memory, or per county on disk.

    On disk they go to ``<workspace>/.import-staging/<pid>@<host>-<token>/<county>/<n>.parquet``
    and are removed on exit, whatever happens; a killed import's folder is swept by the
    next import (:mod:`onemap.store.staging`).
    """

    def __init__(self, ws: Workspace, *, in_memory: bool, discard: bool = False) -> None:
        self.in_memory = in_memory
        self.discard = discard  # dry run: count and check, keep nothing
        self.folder = new_staging_folder(ws.root)
        self.frames: list[gpd.GeoDataFrame] = []
        self.rows = 0
        self.counties: set[str] = set()
        self.admin_cache: dict[str, gpd.GeoDataFrame | None] = {}
        self._n = 0

    def __enter__(self) -> _Staging:
        return self

    def __exit__(self, *exc: object) -> None:
        self.frames.clear()
        shutil.rmtree(self.folder, ignore_errors=True)
        with contextlib.suppress(OSError):
            self.folder.parent.rmdir()  # only when no other import is staging

    def add(self, frame: gpd.GeoDataFrame) -> None:
        self.rows += len(frame)
        self.counties.update(str(c) for c in frame[COUNTY_COLUMN].unique())
        if self.discard:
            return
        if self.in_memory:
            self.frames.append(frame)
            return
        for county, part in frame.groupby(COUNTY_COLUMN, sort=False):
            target = self.folder / str(county) / f"{self._n:08d}.parquet"
            target.parent.mkdir(parents=True, exist_ok=True)
            part.to_parquet(target, index=False)
            self._n += 1

    def parts(self) -> Iterator[gpd.GeoDataFrame]:
        """Yield whole-county frames (one frame in memory mode)."""
        if self.in_memory:
            yield from self.frames
            return
        for county in sorted(self.counties):
            files = sorted((self.folder / county).glob("*.parquet"))
            frames = [gpd.read_parquet(f) for f in files]
            yield frames[0] if len(frames) == 1 else gpd.GeoDataFrame(
                pd.concat(frames, ignore_index=True), geometry="geometry", crs=frames[0].crs)


def _counties(ws: Workspace, spec: LayerKind, frame: gpd.GeoDataFrame,
              cache: dict[str, gpd.GeoDataFrame | None]) -> pd.Series:
    """County of every feature, as the workspace will partition it (checked against scope)."""
    has_codes = COUNTY_COLUMN in frame.columns or any(
        f in frame.columns for f in spec.county_fields)
    if spec.name == "admin_county" or has_codes:
        admin = None
    else:
        if "admin" not in cache:
            cache["admin"] = (ws.read_layer("admin_county", columns=["XZQDM"])
                              if ws.has_layer("admin_county") else None)
        admin = cache["admin"]
    return assign_counties(frame, spec, admin, ws.config.root_region)


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


def _stored_fingerprint(ws: Workspace, kind: str, year: int) -> str | None:
    with ws.session() as s:
        return s.scalars(select(LayerRow.source_checksum).where(
            LayerRow.kind == kind, LayerRow.vintage == year)).one_or_none()


def _rejection(path: Path, rejected: list[RejectedFeature], total: int) -> ImportRejected:
    listed = "; ".join(_describe(r) for r in rejected[:MAX_LISTED])
    more = f"; … and {len(rejected) - MAX_LISTED} more" if len(rejected) > MAX_LISTED else ""
    first = rejected[0]
    return ImportRejected(
        f"{len(rejected)} of {total} features rejected, nothing was imported (use "
        f"--skip-invalid to import the other {total - len(rejected)}): {listed}{more}",
        path=str(path), line=first.line if len(rejected) == 1 else None,
        feature_id=first.feature_id if len(rejected) == 1 else None,
        rejected=[r.model_dump() for r in rejected])


def _describe(r: RejectedFeature) -> str:
    where = f"feature {r.feature_id}" + (f" (line {r.line})" if r.line else "")
    return f"{where}: {', '.join(r.reasons)}"


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


# -- field mapping ------------------------------------------------------------------------
def _norm(name: str) -> str:
    return str(name).strip().upper()


def map_fields(columns: list[str], spec: LayerKind, aliases: dict[str, str], *,
               path: str = "", configured: dict[str, str] | None = None
               ) -> tuple[dict[str, str], list[str]]:
    """Return ``{source column: schema field}`` and the source columns left unmapped.

    A column matches a field by its standard name, the schema's aliases or its Chinese
    title (case-insensitive); ``aliases`` (source → field, the command line's ``--alias``)
    come first, then ``configured`` (the workspace's ``[aliases.<kind>]`` in onemap.toml),
    which only apply to columns the file has and fields ``aliases`` left unmapped. Missing
    required fields reject the file, naming what was found.
    """
    by_name = {_norm(c): c for c in columns}
    mapping: dict[str, str] = {}
    for src, dst in aliases.items():
        if _norm(src) not in by_name:
            raise InvalidInput(f"alias {src}={dst}: the file has no field {src!r}; fields: "
                               f"{', '.join(columns)}", path=path)
        if spec.fields and spec.spec(dst) is None:
            raise InvalidInput(f"alias {src}={dst}: {dst!r} is not a field of layer kind "
                               f"{spec.name}; fields: {', '.join(spec.field_names)}", path=path)
        mapping[by_name[_norm(src)]] = dst
    for src, dst in (configured or {}).items():
        col = by_name.get(_norm(src))
        if col is None or col in mapping or dst in mapping.values():
            continue  # not in this file, or the command line decided
        if spec.fields and spec.spec(dst) is None:
            raise InvalidInput(f"onemap.toml [aliases.{spec.name}] {src} = {dst!r}: not a "
                               f"field of layer kind {spec.name}", path=path)
        mapping[col] = dst
    for f in spec.fields:
        if f.name in mapping.values():
            continue
        for candidate in (f.name, *f.aliases, f.title_zh):
            col = by_name.get(_norm(candidate))
            if col is not None and col not in mapping:
                mapping[col] = f.name
                break
    if not spec.fields:  # generic layers keep every column under its own name
        mapping.update({c: c for c in columns if c not in mapping})
    missing = [f.name for f in spec.fields if f.required and f.name not in mapping.values()]
    if missing:
        raise ImportRejected(
            f"missing required field(s) {', '.join(missing)} for layer kind {spec.name}; the "
            f"file has: {', '.join(columns) or '(no fields)'}; map one with --alias SRC=FIELD "
            f"or in onemap.toml [aliases.{spec.name}]",
            path=path)
    ignored = [c for c in columns if c not in mapping and c != COUNTY_COLUMN]
    return mapping, ignored


# -- validation ---------------------------------------------------------------------------
def prepare_features(loaded: LoadedFeatures, spec: LayerKind, mapping: dict[str, str]
                     ) -> tuple[gpd.GeoDataFrame, list[RejectedFeature], list[RepairedFeature]]:
    """Rename, coerce and validate; return the frame, the rejected and the repaired features."""
    src = loaded.frame
    reasons: dict[int, list[str]] = {}
    data: dict[str, object] = {}
    for col, name in mapping.items():
        fspec = spec.spec(name) or FieldSpec(name, "str", name)
        data[name] = _coerce(src[col].reset_index(drop=True), fspec, reasons)
    if COUNTY_COLUMN in src.columns and COUNTY_COLUMN not in data:
        data[COUNTY_COLUMN] = src[COUNTY_COLUMN].astype("string").reset_index(drop=True)
    geoms, repairs = _check_geometry(src.geometry.to_numpy(), spec, reasons)
    frame = gpd.GeoDataFrame(pd.DataFrame(data, index=pd.RangeIndex(len(src))),
                             geometry=geoms, crs=src.crs)
    _check_codes(frame, reasons)
    lines, off = loaded.lines, loaded.offset
    rejected = [RejectedFeature(index=off + i, feature_id=_feature_id(frame, i, off),
                                line=lines[i] if lines else None, reasons=r)
                for i, r in sorted(reasons.items())]
    repaired = [RepairedFeature(index=off + i, feature_id=_feature_id(frame, i, off),
                                line=lines[i] if lines else None, reason=why)
                for i, why in repairs if i not in reasons]
    return frame, rejected, repaired


def _feature_id(frame: pd.DataFrame, i: int, offset: int = 0) -> str:
    """Name feature ``i`` as users know it: its position plus BSM / DKBH / ... if present."""
    n = offset + i
    for col in ("BSM", "DKBH", "PZWH", "GDBH", "XKZH", "ZHDBH", "JCBH", "XZQDM"):
        if col in frame.columns:
            value = frame[col].iloc[i]
            return f"{n} ({col} {value})" if value is not pd.NA and value else str(n)
    return str(n)


def _add(reasons: dict[int, list[str]], mask: np.ndarray, message: Callable[[int], str]) -> None:
    for i in np.flatnonzero(mask):
        reasons.setdefault(int(i), []).append(message(int(i)))


def _coerce(col: pd.Series, f: FieldSpec, reasons: dict[int, list[str]]) -> pd.Series:
    numeric = pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col)
    if f.type != "str" and numeric:  # already numbers: no text round trip
        nums = col.astype("float64")
        bad = np.zeros(len(col), dtype=bool)
        if f.type == "int":
            bad = (nums.notna() & (nums % 1 != 0)).to_numpy()
            _add(reasons, bad, lambda i: f"field {f.name}: {nums.iloc[i]!r} is not an integer")
            out = nums.where(~bad).round().astype("Int64")
        else:
            out = nums.astype("Float64")
        if f.required:
            _add(reasons, out.isna().to_numpy() & ~bad,
                 lambda i: f"required field {f.name} is empty")
        return out
    text = col.astype("string").str.strip()
    empty = (text.isna() | (text == "")).to_numpy()
    bad = np.zeros(len(col), dtype=bool)
    if f.type == "str":
        out = text.where(~empty, pd.NA)
        if pd.api.types.is_float_dtype(col):  # codes read as numbers: 101.0 → "101"
            integral = col.notna() & (col % 1 == 0)
            out = out.where(~integral, col[integral].astype("Int64").astype("string"))
    else:
        num = pd.to_numeric(text.where(~empty, None), errors="coerce")
        bad = ~empty & num.isna().to_numpy()
        if f.type == "int":
            bad |= ~empty & ~num.isna().to_numpy() & (num.fillna(0) % 1 != 0).to_numpy()
            out = num.where(~bad).round().astype("Int64")
        else:
            out = num.astype("Float64")
        kind = "an integer" if f.type == "int" else "a number"
        _add(reasons, bad, lambda i: f"field {f.name}: {text.iloc[i]!r} is not {kind}")
    if f.required:
        _add(reasons, out.isna().to_numpy() & ~bad,
             lambda i: f"required field {f.name} is empty")
    return out


def _check_codes(frame: pd.DataFrame, reasons: dict[int, list[str]]) -> None:
    known = set(land_classes())
    for name in CODE_FIELDS:
        if name not in frame.columns:
            continue
        codes = frame[name].astype("string")
        bad = (codes.notna() & ~codes.isin(known)).to_numpy()
        for i in np.flatnonzero(bad):
            code = str(codes.iloc[i])
            hint = ""
            if code.isdigit() and len(code) < 4 and code.zfill(4) in known:
                hint = f"; leading zero lost? {code.zfill(4)!r} is a class (store codes as text)"
            reasons.setdefault(int(i), []).append(
                f"unknown land-use code {name}={code!r} (not a 三调 / GB/T 21010 class{hint})")


def _is_valid(geoms: np.ndarray) -> np.ndarray:
    """``shapely.is_valid`` split over threads (GEOS releases the GIL) for large arrays."""
    workers = min(os.cpu_count() or 1, 8)
    if workers < 2 or len(geoms) < 20_000:
        return np.asarray(shapely.is_valid(geoms), dtype=bool)
    with ThreadPoolExecutor(workers) as pool:
        parts = list(pool.map(shapely.is_valid, np.array_split(geoms, workers)))
    return np.concatenate(parts).astype(bool)


def _check_geometry(geoms: np.ndarray, spec: LayerKind, reasons: dict[int, list[str]]
                    ) -> tuple[np.ndarray, list[tuple[int, str]]]:
    if shapely.has_z(geoms).any():
        geoms = shapely.force_2d(geoms)
    else:
        geoms = geoms.copy()
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    _add(reasons, missing, lambda i: "empty geometry")
    allowed = None if spec.name == "generic" else (
        _POLYGONAL if spec.geometry == "polygon" else _PUNTAL)
    types = shapely.get_type_id(geoms)
    names = np.array(["Point", "LineString", "LinearRing", "Polygon", "MultiPoint",
                      "MultiLineString", "MultiPolygon", "GeometryCollection"], dtype=object)
    if allowed is not None:
        wrong = ~missing & ~np.isin(names[np.clip(types, 0, 7)], allowed)
        _add(reasons, wrong, lambda i: f"geometry is a {names[types[i]]}, layer kind "
             f"{spec.name} needs {spec.geometry}s")
    invalid = ~missing & ~_is_valid(geoms)
    repairs: list[tuple[int, str]] = []
    for i in np.flatnonzero(invalid):
        why = shapely.is_valid_reason(geoms[i])
        fixed = shapely.make_valid(geoms[i])
        if spec.geometry == "polygon" and spec.name != "generic":
            parts = [g for g in shapely.get_parts(fixed) if g.geom_type in _POLYGONAL]
            fixed = shapely.union_all(parts) if parts else shapely.Polygon()
        if fixed.is_empty or (spec.geometry == "polygon" and fixed.area == 0):
            reasons.setdefault(int(i), []).append(f"invalid geometry ({why}) cannot be repaired")
        else:
            geoms[i] = fixed
            repairs.append((int(i), f"invalid geometry repaired with make_valid: {why}"))
    return geoms, repairs
