"""Read any supported file into EPSG:4490 features, and write features to any format.

:func:`read_features` is the function other capabilities call to read a user's file
(site review reads a site's Shapefile or coordinate TXT with it)::

    gdf = read_features("site.shp")               # GeoDataFrame, EPSG:4490
    gdf.attrs["source"]                           # SourceInfo: format, CRS, encoding
    gdf = read_features("site.txt")               # one feature per TXT parcel
    gdf = read_features("x.shp", crs=4527)        # file without .prj: say its CRS

A ``.zip`` holding one supported file (a Shapefile with its sidecars, a GeoPackage, a
coordinate TXT, a ``.gdb`` folder...) is unpacked to a temporary folder and read the same
way (web uploads of Shapefiles come zipped).

CRS rules: ``crs`` (the user's word) wins; otherwise the file's own CRS (``.prj``,
GeoPackage/GeoJSON/GeoParquet metadata, the TXT's 带号/zone prefix). A file without
either is refused with a hint guessed from the coordinates (e.g. "eastings carry zone
prefix 39: pass --crs 4527"). Coordinates that contradict the CRS (projected numbers
under a geographic CRS, a zone prefix that differs from the CRS's zone, swapped axes,
features outside China after reprojection) are refused as a wrong CRS.
"""

from __future__ import annotations

import shutil
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from pyproj import CRS

from onemap.errors import CrsError, ImportRejected, InvalidInput
from onemap.standards.crs import (
    CGCS2000_GEOGRAPHIC,
    crs_from_user,
    gauss_kruger_epsg,
    zone_for_longitude,
    zone_from_epsg,
)
from onemap.store.formats.base import FileFormat, RawFeatures, format_for_path, get_format
from onemap.store.formats.models import SourceInfo
from onemap.store.formats.naming import named_source

if TYPE_CHECKING:
    from collections.abc import Iterator

    import geopandas as gpd

CHINA_LONLAT = (73.0, 3.0, 136.0, 54.0)  # generous bounds of China's territory, degrees


@dataclass
class LoadedFeatures:
    """Features of one file in EPSG:4490, with where they came from.

    ``native`` keeps the geometries in the source CRS (planar areas, exports back to
    the user's zone); ``lines`` the 1-based source line of each feature when the format
    has lines (coordinate TXT, CSV).
    """

    frame: gpd.GeoDataFrame
    source: SourceInfo
    native: gpd.GeoSeries
    lines: list[int] | None = None
    notes: list[str] = field(default_factory=list)
    offset: int = 0  # position of the first feature in the file (chunked reads)
    total: int | None = None  # features in the whole file, when known


def load_features(path: str | Path, *, encoding: str | None = None,
                  crs: str | int | None = None, layer: str | None = None,
                  format: str | None = None) -> LoadedFeatures:
    """Read ``path`` (any supported format) into EPSG:4490 features; see the module doc."""
    p = Path(path)
    if p.suffix.lower() == ".zip" and format is None:
        with tempfile.TemporaryDirectory(prefix="onemap-zip-") as tmp:
            inner = _unzip(p, Path(tmp))
            name = f"{p}!{inner.relative_to(tmp)}"
            with named_source(inner, name):  # errors name the member, not the unpack folder
                loaded = load_features(inner, encoding=encoding, crs=crs, layer=layer)
        loaded.source = loaded.source.model_copy(update={"path": name})
        loaded.frame.attrs["source"] = loaded.source
        return loaded
    fmt = get_format(format) if format else format_for_path(p)
    loaded = _finish(fmt.read(p, encoding=encoding, layer=layer), fmt, p, crs)
    loaded.total = len(loaded.frame)
    return loaded


def iter_features(path: str | Path, *, encoding: str | None = None,
                  crs: str | int | None = None, layer: str | None = None,
                  chunk_size: int = 250_000) -> Iterator[LoadedFeatures]:
    """Yield the features of ``path`` in chunks of at most ``chunk_size`` (EPSG:4490).

    GDAL formats (Shapefile, GeoPackage, FlatGeobuf, FileGDB, GeoJSON) are read slice by
    slice so memory follows the chunk, not the file; other formats come in one chunk.
    Each chunk's ``offset`` is the file position of its first feature, ``total`` the
    file's feature count.
    """
    p = Path(path)
    fmt = None if p.suffix.lower() == ".zip" else format_for_path(p)
    total = fmt.count(p, layer=layer) if fmt is not None and fmt.supports_chunks else 0
    if fmt is None or total <= chunk_size:
        yield load_features(p, encoding=encoding, crs=crs, layer=layer)
        return
    enc = encoding
    origin = ""
    for start in range(0, total, chunk_size):
        raw = fmt.read_chunk(p, start=start, size=chunk_size, encoding=enc, layer=layer)
        origin = origin or raw.encoding_origin
        raw.encoding_origin, enc = origin, raw.encoding
        loaded = _finish(raw, fmt, p, crs)
        loaded.offset, loaded.total = start, total
        yield loaded


def _finish(raw: RawFeatures, fmt: FileFormat, p: Path, crs: str | int | None) -> LoadedFeatures:
    """Apply the CRS rules to what a reader returned and reproject to EPSG:4490."""
    frame = raw.frame
    notes = list(raw.notes)
    src, origin = _source_crs(frame, crs, raw.crs_origin, str(p), notes)
    native = frame.set_crs(src, allow_override=True)
    check_coordinates(native, src, str(p))
    out = native if _is_cgcs2000_geographic(src) else native.to_crs(CGCS2000_GEOGRAPHIC)
    out = out.set_crs(CGCS2000_GEOGRAPHIC, allow_override=True)
    _check_in_china(out, src, str(p))
    epsg = src.to_epsg()
    zone = zone_from_epsg(epsg) if epsg else None
    source = SourceInfo(
        path=str(p), format=fmt.name, layer=raw.layer, crs=_crs_label(src), crs_origin=origin,
        zone=zone.zone if zone else None, encoding=raw.encoding,
        encoding_origin=raw.encoding_origin, features=len(out), notes=notes)
    out.attrs["source"] = source
    return LoadedFeatures(out, source, native.geometry, raw.lines, notes)


ZIP_MAX_BYTES = 4 * 1024**3  # refuse archives that unpack to more than 4 GB


def _unzip(archive: Path, target: Path) -> Path:
    """Unpack ``archive`` safely and return the one supported file (or .gdb folder) in it."""
    try:
        with zipfile.ZipFile(archive) as zf:
            members = [m for m in zf.infolist() if not m.is_dir()]
            if sum(m.file_size for m in members) > ZIP_MAX_BYTES:
                raise ImportRejected("the archive unpacks to more than 4 GB", path=str(archive))
            for m in members:
                parts = [x for x in Path(m.filename).parts if x not in ("..", "/", "\\")]
                if not parts or parts[0].startswith("__MACOSX"):
                    continue
                dest = target.joinpath(*parts)
                dest.parent.mkdir(parents=True, exist_ok=True)
                with zf.open(m) as src, dest.open("wb") as out:
                    shutil.copyfileobj(src, out)
    except zipfile.BadZipFile as exc:
        raise ImportRejected(f"not a readable ZIP archive: {exc}", path=str(archive)) from None
    found: list[Path] = []
    for candidate in sorted(target.rglob("*")):
        if any(parent.suffix.lower() == ".gdb" for parent in candidate.parents):
            continue
        try:
            fmt = format_for_path(candidate)
        except InvalidInput:
            continue
        if fmt.is_directory == candidate.is_dir():
            found.append(candidate)
    if len(found) != 1:
        listed = ", ".join(str(f.relative_to(target)) for f in found) or "none"
        raise ImportRejected(f"the archive must hold exactly one supported file; found {listed}",
                             path=str(archive))
    return found[0]


def read_features(path: str | Path, encoding: str | None = None,
                  crs: str | int | None = None, layer: str | None = None) -> gpd.GeoDataFrame:
    """Return the features of ``path`` in EPSG:4490; ``attrs["source"]`` is a SourceInfo."""
    return load_features(path, encoding=encoding, crs=crs, layer=layer).frame


def write_features(frame: gpd.GeoDataFrame, path: str | Path, *, format: str | None = None,
                   crs: str | int | None = None, encoding: str | None = None,
                   layer: str | None = None) -> list[Path]:
    """Write ``frame`` to ``path`` in ``format`` (else guessed from the suffix).

    ``crs`` reprojects first (e.g. 4527 for zone 39 with prefix). A coordinate TXT is
    always written in a zone-prefixed Gauss–Krüger CRS, chosen from the features'
    longitude when ``crs`` is not given.
    """
    p = Path(path)
    fmt: FileFormat = get_format(format) if format else format_for_path(p)
    if frame.crs is None:
        raise CrsError("features to write have no CRS")
    target = crs_from_user(crs) if crs not in (None, "") else CRS(frame.crs)
    if fmt.name == "coordinate_txt":
        target = _prefixed_zone_crs(frame, target)
    out = frame if CRS(frame.crs).equals(target) else frame.to_crs(target)
    if not fmt.can_write:
        raise InvalidInput(f"format {fmt.name} is read-only")
    return fmt.write(out, p, encoding=encoding, layer=layer)


# -- CRS rules --------------------------------------------------------------------------
def _crs_label(crs: CRS) -> str:
    epsg = crs.to_epsg()
    return f"EPSG:{epsg}" if epsg else crs.to_string()[:64]


def _is_cgcs2000_geographic(crs: CRS) -> bool:
    return crs.to_epsg() == CGCS2000_GEOGRAPHIC


_OTHER_DATUMS = ("Xian 1980", "Beijing 1954", "Xian_1980", "Beijing_1954", "Xi'an")
_GRS80 = (6_378_137.0, 298.257222101)


# PLR0911: one return per CRS rule, in order
def identify_crs(crs: CRS, path: str = "") -> CRS:  # noqa: PLR0911
    """Return the EPSG CRS a file's CRS denotes (ESRI or hand-written .prj), refusing old datums.

    A Transverse Mercator on the CGCS2000/GRS80 ellipsoid with a central meridian on a
    3° zone and false easting 500 000 m (or zone × 10⁶ + 500 000) becomes its EPSG
    Gauss–Krüger code. Xian 1980 and Beijing 1954 need transformation parameters PROJ
    does not have, so they are refused rather than shifted by tens of metres.
    """
    epsg = crs.to_epsg(min_confidence=70)
    datum = crs.datum.name if crs.datum else ""
    if any(d in datum or d in crs.name for d in _OTHER_DATUMS):
        raise CrsError(f"{crs.name}: {datum} coordinates cannot be converted to CGCS2000 "
                       "without local transformation parameters; convert the file first "
                       "(or give --crs if the coordinates are in fact CGCS2000)", path=path)
    if epsg:
        return CRS.from_epsg(epsg)
    op = crs.coordinate_operation if crs.is_projected else None
    ell = crs.ellipsoid
    if op is None or ell is None or "Transverse Mercator" not in op.method_name:
        return crs
    if (abs(ell.semi_major_metre - _GRS80[0]) > 1e-3
            or abs(ell.inverse_flattening - _GRS80[1]) > 1e-6):
        return crs
    params = {p.name.lower(): float(p.value) for p in op.params
              if isinstance(p.value, int | float)}
    lon0 = params.get("longitude of natural origin")
    fe = params.get("false easting")
    if lon0 is None or fe is None or params.get("scale factor at natural origin", 1.0) != 1.0:
        return crs
    if params.get("latitude of natural origin", 0.0) != 0.0 or lon0 % 3 != 0:
        return crs
    zone = int(lon0 // 3)
    if fe == 500_000.0:
        return CRS.from_epsg(gauss_kruger_epsg(zone, prefixed=False))
    if fe == zone * 1_000_000 + 500_000.0:
        return CRS.from_epsg(gauss_kruger_epsg(zone, prefixed=True))
    return crs


def _source_crs(frame: gpd.GeoDataFrame, user: str | int | None, origin: str, path: str,
                notes: list[str]) -> tuple[CRS, str]:
    if user not in (None, ""):
        given = crs_from_user(user)
        if frame.crs is not None and not CRS(frame.crs).equals(given, ignore_axis_order=True):
            notes.append(f"--crs {_crs_label(given)} overrides the file's "
                         f"{_crs_label(CRS(frame.crs))}")
        return identify_crs(given, path), "user"
    if frame.crs is not None:
        return identify_crs(CRS(frame.crs), path), origin
    raise CrsError("the file declares no coordinate reference system (no .prj or CRS "
                   f"metadata); {suggest_crs(frame)}", path=path)


def suggest_crs(frame: gpd.GeoDataFrame) -> str:
    """Say which ``--crs`` the coordinates of ``frame`` look like (a hint for users)."""
    if frame.empty or frame.geometry.isna().all():
        return "give the CRS with --crs EPSG"
    minx, miny, maxx, maxy = (float(v) for v in frame.total_bounds)
    if -180 <= minx and maxx <= 180 and -90 <= miny and maxy <= 90:
        return "the coordinates look like longitude/latitude: pass --crs 4490"
    if minx >= 1e7 and int(minx // 1e6) == int(maxx // 1e6) and 25 <= int(minx // 1e6) <= 45:
        z = int(minx // 1e6)
        return (f"the eastings carry zone prefix {z} (3° Gauss–Krüger zone {z}): "
                f"pass --crs {gauss_kruger_epsg(z)}")
    if 0 < minx and maxx < 1e6 and miny > 1e6:
        return ("the eastings carry no zone prefix: pass the central-meridian CRS, e.g. "
                "--crs 4547 (CM 114°E) or --crs 4548 (CM 117°E)")
    return "give the CRS with --crs EPSG"


def check_coordinates(frame: gpd.GeoDataFrame, crs: CRS, path: str) -> None:
    """Refuse coordinates that contradict ``crs`` (see the module docstring)."""
    valid = frame.geometry[~(frame.geometry.isna() | frame.geometry.is_empty)]
    if valid.empty:
        return
    minx, miny, maxx, maxy = (float(v) for v in valid.total_bounds)
    label = _crs_label(crs)
    if crs.is_geographic:
        if minx < -180 or maxx > 180 or miny < -90 or maxy > 90:
            raise CrsError(f"wrong CRS: the file says {label} (degrees) but coordinates reach "
                           f"x={maxx:.0f}, y={maxy:.0f}; {suggest_crs(frame)}", path=path)
        return
    epsg = crs.to_epsg()
    zone = zone_from_epsg(epsg) if epsg else None
    if zone is None:
        return
    if _prefix(miny) is not None and _prefix(minx) is None:
        raise CrsError(f"wrong axis order: x values ({minx:.0f}…) look like northings and y "
                       f"values ({miny:.0f}…) like zone-prefixed eastings (X/Y swapped?)",
                       path=path)
    if zone.prefixed:
        prefixes = {_prefix(minx), _prefix(maxx)}
        if prefixes != {zone.zone}:
            found = ", ".join(str(z) for z in sorted(z for z in prefixes if z is not None))
            raise CrsError(
                f"wrong CRS: {label} is zone {zone.zone} with zone prefix, but the eastings "
                f"carry {('zone prefix ' + found) if found else 'no zone prefix'}; "
                f"{suggest_crs(frame)}", path=path)
    elif minx >= 1e6 or maxx >= 1e6:
        raise CrsError(f"wrong CRS: {label} has no zone prefix but the eastings reach "
                       f"{maxx:.0f}; {suggest_crs(frame)}", path=path)


def _prefix(value: float) -> int | None:
    z = int(value // 1e6)
    return z if 13 <= z <= 45 else None


def _check_in_china(frame: gpd.GeoDataFrame, src: CRS, path: str) -> None:
    valid = frame.geometry[~(frame.geometry.isna() | frame.geometry.is_empty)]
    if valid.empty:
        return
    b = valid.total_bounds
    if not np.isfinite(b).all():
        raise CrsError(f"wrong CRS: reprojecting from {_crs_label(src)} gives infinite "
                       "coordinates", path=path)
    x0, y0, x1, y1 = CHINA_LONLAT
    if b[0] < x0 or b[2] > x1 or b[1] < y0 or b[3] > y1:
        raise CrsError(f"wrong CRS: read as {_crs_label(src)} the features lie at "
                       f"{b[0]:.2f}–{b[2]:.2f}°E, {b[1]:.2f}–{b[3]:.2f}°N, outside China",
                       path=path)


def _prefixed_zone_crs(frame: gpd.GeoDataFrame, target: CRS) -> CRS:
    epsg = target.to_epsg()
    zone = zone_from_epsg(epsg) if epsg else None
    if zone is not None:
        return CRS.from_epsg(gauss_kruger_epsg(zone.zone, prefixed=True))
    geo = frame.to_crs(CGCS2000_GEOGRAPHIC) if not _is_cgcs2000_geographic(
        CRS(frame.crs)) else frame
    lon = float((geo.total_bounds[0] + geo.total_bounds[2]) / 2)
    return CRS.from_epsg(gauss_kruger_epsg(zone_for_longitude(lon), prefixed=True))
