"""Read and write the Ministry boundary-coordinate TXT (部标界址点坐标文件, 建设用地报批).

Layout::

    [属性描述]
    坐标系=2000国家大地坐标系
    几度分带=3
    带号=39
    精度=0.001
    [地块坐标]
    66,5.7089,DK01,地块一,面,H50G002051,工业用地,0601,@
    J1,1,3090000.123,39521000.456
    ...

Public functions:

- :func:`read_coordinate_txt` ``(path, encoding=None) -> CoordinateTxt``: decodes UTF-8
  (with or without BOM) or GBK/GB18030, accepts full-width brackets and commas, and
  returns every parcel with its header fields, rings and a shapely geometry in the
  file's Gauss–Krüger CRS (``CoordinateTxt.epsg``; x = easting, y = northing).
- :func:`parse_coordinate_txt` ``(text, path="")``: the same from decoded text (pure).
- :func:`format_coordinate_txt` / :func:`write_coordinate_txt`: the inverse.

Conventions: X = northing, Y = easting (zone-prefixed when 8 digits). The zone comes
from ``带号`` or from the easting prefix. Whether ring ≥ 2 is a hole or another part
is decided by geometry. Errors (:class:`onemap.errors.CoordinateFileError`) name the line:
point counts that disagree with the header, self-intersections, overlapping rings, mixed
zones, swapped X/Y, unreadable numbers.

Lenient reading (the default; ``strict=True`` refuses as the Ministry format demands),
each repair listed in ``CoordinateTxt.warnings`` naming file, line, parcel and ring:

* a ring whose last point is not a repeat of its first is **closed** (county offices'
  files often stop at the last distinct point); the header's 界址点数 may then count the
  points with or without the missing closing points;
* eastings **without the zone prefix on some lines** while others carry it get the
  prefix of the others (when the unprefixed easting is a plain 6-digit one).

Always accepted (not repairs): blank lines, trailing spaces, full-width digits, commas,
points and signs (``１２３，４５６．７``), ``[属性描述]`` keys in any order or missing
(``带号`` then comes from the eastings' prefix, ``几度分带`` defaults to 3), 圈号 that
restart (a ring after a closed one is a new ring even with the same number), point names
with spaces (``J 12``).
"""

from __future__ import annotations

import contextlib
import contextvars
import re
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import shapely

from onemap.errors import CoordinateFileError, CrsError
from onemap.store.formats.base import FileFormat, RawFeatures
from onemap.store.formats.models import CoordinateTxt, TxtParcel, TxtPoint, TxtRing
from onemap.store.formats.text import decode_text as decode_any
from onemap.store.formats.txt_geometry import build_parcel_geometry, rings_of_geometry

if TYPE_CHECKING:
    from collections.abc import Iterator

COORDINATE_SECTION = "地块坐标"
ATTRIBUTE_SECTION = "属性描述"
_SECTION = re.compile(r"^[\[【［]\s*(.+?)\s*[\]】］]$")
_NUMBER = re.compile(r"[-+]?\d+(?:\.\d+)?")
_SHAPES = ("面", "线", "点")
_FULLWIDTH = str.maketrans({"，": ",", "＝": "=", "＠": "@", "．": ".", "－": "-", "＋": "+",
                            "\u3000": " ", **{chr(0xFF10 + d): str(d) for d in range(10)}})
DEFAULT_ATTRIBUTES: dict[str, str] = {
    "格式版本号": "1.01版本",
    "数据产生单位": "",
    "数据产生日期": "",
    "坐标系": "2000国家大地坐标系",
    "几度分带": "3",
    "投影类型": "高斯克吕格",
    "计量单位": "米",
    "带号": "",
    "精度": "0.001",
    "转换参数": "0,0,0,0,0,0,0",
}


_STRICT: contextvars.ContextVar[bool] = contextvars.ContextVar("strict_coordinate_txt",
                                                               default=False)


@contextlib.contextmanager
def strict_reading(strict: bool = True) -> Iterator[None]:
    """Within the block, the TXT format reader refuses instead of repairing (``--strict``).

    The import pipeline enters it for ``ImportRequest.strict`` or the workspace setting
    ``strict_coordinate_files``; direct callers pass ``strict=`` to the read functions.
    """
    token = _STRICT.set(strict)
    try:
        yield
    finally:
        _STRICT.reset(token)


# -- decoding ---------------------------------------------------------------------------
def decode_text(data: bytes, encoding: str | None = None, *, path: str = "") -> tuple[str, str]:
    """Decode file bytes: the given encoding, else UTF-8 (BOM or not), else GB18030.

    Returns ``(text, encoding)``. A file mixing UTF-8 and GBK lines, or neither, is
    rejected naming the line.
    """
    return decode_any(data, encoding, path=path, error=CoordinateFileError)


def read_coordinate_txt(path: str | Path, encoding: str | None = None, *,
                        strict: bool = False) -> CoordinateTxt:
    """Read a boundary-coordinate TXT file into its parcels (see the module docstring).

    ``strict`` refuses unclosed rings and partly zone-prefixed eastings instead of
    repairing them with a warning.
    """
    p = Path(path)
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise CoordinateFileError(f"cannot read file: {exc.strerror}", path=str(p)) from None
    text, enc = decode_text(data, encoding, path=str(p))
    doc = parse_coordinate_txt(text, path=str(p), strict=strict)
    return doc.model_copy(update={"encoding": enc})


# -- parsing ----------------------------------------------------------------------------
def parse_coordinate_txt(text: str, *, path: str = "", strict: bool = False) -> CoordinateTxt:
    """Parse decoded TXT text; raise :class:`CoordinateFileError` naming the line.

    Repairs made when not ``strict`` are listed in ``CoordinateTxt.warnings``.
    """
    sections: dict[str, dict[str, str]] = {}
    parcels: list[TxtParcel] = []
    points: list[list[TxtPoint]] = []
    section = ""
    seen_coordinates = False
    for lineno, raw in enumerate(text.splitlines(), 1):
        s = raw.strip().lstrip("\ufeff").translate(_FULLWIDTH)
        if not s:
            continue
        m = _SECTION.match(s)
        if m:
            section = m.group(1)
            seen_coordinates |= section == COORDINATE_SECTION
            continue
        if section != COORDINATE_SECTION:
            key, sep, value = s.partition("=")
            if sep:
                sections.setdefault(section, {})[key.strip()] = value.strip()
            continue
        fields = [f.strip() for f in s.split(",")]
        if s.endswith("@"):
            parcels.append(_parse_header(fields, lineno, len(parcels) + 1, path))
            points.append([])
        elif not parcels:
            raise CoordinateFileError("point line before any parcel header (地块说明行 ending "
                                      "with @)", path=path, line=lineno)
        else:
            points[-1].append(_parse_point(fields, lineno, path))
    if not seen_coordinates:
        raise CoordinateFileError("no [地块坐标] section: not a boundary-coordinate TXT",
                                  path=path)
    if not parcels:
        raise CoordinateFileError("the [地块坐标] section holds no parcel", path=path)
    attributes = sections.get(ATTRIBUTE_SECTION, {})
    project = {**sections.get("项目信息", {}), **sections.get("扩展信息", {})}
    all_points = [pt for pts in points for pt in pts]
    for pt in all_points:
        _check_axes(pt, path)
    warnings: list[str] = []
    if not strict:
        _fill_zone_prefix(all_points, path, warnings)
    zone, width, prefixed, epsg = _resolve_zone(attributes, all_points, path)
    built = [_finish_parcel(pc, pts, prefixed, path, warnings=None if strict else warnings)
             for pc, pts in zip(parcels, points, strict=True)]
    return CoordinateTxt(path=path, attributes=attributes, project=project, zone=zone,
                         zone_width=width, prefixed=prefixed, epsg=epsg, parcels=built,
                         warnings=warnings)


def _parse_header(fields: list[str], line: int, index: int, path: str) -> TxtParcel:
    values = fields[:-1] if fields and fields[-1] == "@" else [*fields[:-1], fields[-1][:-1]]
    location: list[str] = []
    if len(values) > 6 and values[4] not in _SHAPES and values[6] in _SHAPES:
        location, values = values[:2], values[2:]  # 省标 variant: two location columns first
    values = values + [""] * (8 - len(values))
    try:
        count = int(values[0])
    except ValueError:
        raise CoordinateFileError(
            f"parcel header: 界址点数 {values[0]!r} is not an integer", path=path, line=line
        ) from None
    area = _NUMBER.search(values[1])
    return TxtParcel(index=index, line=line, point_count=count,
                     area_ha=float(area.group()) if area else None, number=values[2],
                     name=values[3], shape=values[4] or "面", sheet=values[5], use=values[6],
                     dlbm=values[7], extra=values[8:], location=location)


def _parse_point(fields: list[str], line: int, path: str) -> TxtPoint:
    if len(fields) < 4:
        raise CoordinateFileError(f"expected 点号,圈号,X,Y but found {len(fields)} field(s)",
                                  path=path, line=line)
    try:
        ring = int(float(fields[1]))
    except ValueError:
        raise CoordinateFileError(f"圈号 {fields[1]!r} is not an integer", path=path,
                                  line=line) from None
    try:
        x, y = float(fields[2]), float(fields[3])
    except ValueError:
        raise CoordinateFileError(f"coordinates {fields[2]!r},{fields[3]!r} are not numbers",
                                  path=path, line=line) from None
    return TxtPoint(name=fields[0], ring=ring, x=x, y=y, line=line)


def _zone_prefix(value: float) -> int | None:
    """Zone number carried by an 8-digit easting (13–23 for 6°, 25–45 for 3°), else None."""
    zone = int(value // 1_000_000)
    return zone if 13 <= zone <= 45 and zone != 24 else None


def _fill_zone_prefix(points: list[TxtPoint], path: str, warnings: list[str]) -> None:
    """Give unprefixed 6-digit eastings the zone prefix the file's other eastings carry."""
    prefixes = {z for pt in points if (z := _zone_prefix(pt.y)) is not None}
    bare = [pt for pt in points if _zone_prefix(pt.y) is None and pt.y < 1_000_000]
    if len(prefixes) != 1 or not bare:
        return  # all prefixed, none prefixed, or mixed zones (refused by _resolve_zone)
    zone = prefixes.pop()
    for pt in bare:
        pt.y += zone * 1_000_000
    lines = ", ".join(str(pt.line) for pt in bare[:10]) + (" ..." if len(bare) > 10 else "")
    warnings.append(f"{path}: {len(bare)} easting(s) without the zone prefix {zone} on "
                    f"line(s) {lines} (point {bare[0].name} …) given the prefix of the "
                    f"other lines")


def _check_axes(pt: TxtPoint, path: str) -> None:
    """Reject X/Y given as easting/northing (X must be the northing)."""
    swapped = (_zone_prefix(pt.x) is not None and _zone_prefix(pt.y) is None) or (
        pt.x < 1_000_000 <= pt.y < 10_000_000)
    if swapped:
        raise CoordinateFileError(
            f"X/Y look swapped at point {pt.name}: X={pt.x} looks like an easting and "
            f"Y={pt.y} like a northing (X must be the northing 纵坐标, Y the easting)",
            path=path, line=pt.line)
    if pt.y >= 1_000_000 and _zone_prefix(pt.y) is None:
        raise CoordinateFileError(
            f"Y={pt.y} at point {pt.name} is neither a zone-prefixed easting nor a "
            f"6-digit easting", path=path, line=pt.line)


def _zone_width(attributes: dict[str, str]) -> int:
    raw = attributes.get("几度分带") or attributes.get("分带") or "3"
    digits = _NUMBER.search(raw)
    width = int(float(digits.group())) if digits else 3
    return 6 if width == 6 else 3


def _check_datum(attributes: dict[str, str], path: str) -> None:
    name = attributes.get("坐标系", "")
    if name and "2000" not in name and "CGCS" not in name.upper():
        raise CrsError(f"坐标系={name} is not supported: only CGCS2000 (2000国家大地坐标系) "
                       "coordinates can be read; convert the file first", path=path)


def _resolve_zone(attributes: dict[str, str], points: list[TxtPoint],
                  path: str) -> tuple[int, int, bool, int]:
    _check_datum(attributes, path)
    width = _zone_width(attributes)
    declared_raw = _NUMBER.search(attributes.get("带号", ""))
    declared = int(float(declared_raw.group())) if declared_raw else None
    first: TxtPoint | None = None
    for pt in points:
        prefix = _zone_prefix(pt.y)
        if first is None:
            first = pt
        ref = _zone_prefix(first.y)
        if prefix != ref:
            raise CoordinateFileError(
                f"mixed zones: point {pt.name} has easting {pt.y} (zone prefix {prefix}) but "
                f"point {first.name} on line {first.line} has zone prefix {ref}",
                path=path, line=pt.line)
        if declared is not None and prefix is not None and prefix != declared:
            raise CoordinateFileError(
                f"mixed zones: point {pt.name} has zone prefix {prefix} but 带号={declared}",
                path=path, line=pt.line)
    prefixed = first is not None and _zone_prefix(first.y) is not None
    zone = _zone_prefix(first.y) if prefixed and first is not None else declared
    if zone is None:
        raise CrsError("no 带号 in [属性描述] and the eastings carry no zone prefix: "
                       "cannot tell the Gauss–Krüger zone", path=path)
    return zone, width, prefixed, _epsg(zone, width, prefixed, path)


def _epsg(zone: int, width: int, prefixed: bool, path: str) -> int:
    if width == 6:
        if not 13 <= zone <= 23:
            raise CrsError(f"6-degree zone {zone} is outside China's zones 13–23", path=path)
        return (4491 if prefixed else 4502) + zone - 13
    if not 25 <= zone <= 45:
        raise CrsError(f"3-degree zone {zone} is outside China's zones 25–45", path=path)
    return (4513 if prefixed else 4534) + zone - 25


def _split_rings(parcel: TxtParcel, points: list[TxtPoint], path: str,
                 warnings: list[str] | None = None) -> list[TxtRing]:
    """Group a parcel's points into rings; close open rings when ``warnings`` is given."""
    rings: list[TxtRing] = []
    closed = True

    def finish_open() -> None:
        if warnings is None:
            _unclosed(parcel, rings[-1], path)
        _close(parcel, rings[-1], path, warnings)

    for pt in points:
        if not rings or closed or pt.ring != rings[-1].number:
            if rings and not closed:
                finish_open()
            rings.append(TxtRing(number=pt.ring, points=[pt]))
            closed = False
            continue
        ring = rings[-1]
        ring.points.append(pt)
        start = ring.points[0]
        if (pt.x, pt.y) == (start.x, start.y):
            closed = True
            if len(ring.points) < 4:
                raise CoordinateFileError(
                    f"parcel {_label(parcel)}: ring 圈号 {ring.number} closes after "
                    f"{len(ring.points) - 1} distinct point(s); a ring needs at least 3",
                    path=path, line=pt.line, feature_id=_label(parcel))
    if rings and not closed:
        finish_open()
    return rings


def _close(parcel: TxtParcel, ring: TxtRing, path: str, warnings: list[str] | None) -> None:
    """Close ``ring`` by repeating its first point, with a warning (lenient reading)."""
    first, last = ring.points[0], ring.points[-1]
    if len(ring.points) < 3:
        raise CoordinateFileError(
            f"parcel {_label(parcel)}: ring 圈号 {ring.number} has {len(ring.points)} "
            "point(s); a ring needs at least 3", path=path, line=last.line,
            feature_id=_label(parcel))
    ring.points.append(first.model_copy(update={"line": last.line}))
    if warnings is not None:
        warnings.append(
            f"{path}: line {last.line}: parcel {_label(parcel)}: ring 圈号 {ring.number} was "
            f"not closed (last point {last.name} does not repeat {first.name} of line "
            f"{first.line}); closed on read")


def _unclosed(parcel: TxtParcel, ring: TxtRing, path: str) -> None:
    first, last = ring.points[0], ring.points[-1]
    raise CoordinateFileError(
        f"parcel {_label(parcel)}: ring 圈号 {ring.number} is not closed: its last point "
        f"{last.name} ({last.x}, {last.y}) does not repeat its first point {first.name} "
        f"(line {first.line})", path=path, line=last.line, feature_id=_label(parcel))


def _label(parcel: TxtParcel) -> str:
    return parcel.number or f"#{parcel.index}"


def _finish_parcel(parcel: TxtParcel, points: list[TxtPoint], prefixed: bool,
                   path: str, warnings: list[str] | None = None) -> TxtParcel:
    if not points:
        raise CoordinateFileError(f"parcel {_label(parcel)} has no point lines", path=path,
                                  line=parcel.line, feature_id=_label(parcel))
    before = len(warnings) if warnings is not None else 0
    rings = _split_rings(parcel, points, path, warnings)
    closed_on_read = (len(warnings) - before) if warnings is not None else 0
    # a header may count the points as written or with the closing points it lacks
    if parcel.point_count not in (len(points), len(points) + closed_on_read):
        raise CoordinateFileError(
            f"parcel {_label(parcel)}: the header says {parcel.point_count} points (界址点数) "
            f"but {len(points)} point lines follow (lines {points[0].line}–{points[-1].line})",
            path=path, line=parcel.line, feature_id=_label(parcel))
    geometry, roles = build_parcel_geometry(rings, label=_label(parcel), path=path,
                                            header_line=parcel.line)
    typed = [r.model_copy(update={"role": role}) for r, role in zip(rings, roles, strict=True)]
    return parcel.model_copy(update={"rings": typed, "geometry": geometry})


# -- frames -----------------------------------------------------------------------------
def coordinate_txt_to_frame(doc: CoordinateTxt) -> gpd.GeoDataFrame:
    """Return one feature per parcel in the file's CRS with columns named by the TXT codes."""
    rows = {
        "DKBH": [p.number for p in doc.parcels],
        "DKMC": [p.name for p in doc.parcels],
        "DKYT": [p.use for p in doc.parcels],
        "DLBM": [p.dlbm for p in doc.parcels],
        "DKMJ": [p.area_ha for p in doc.parcels],
        "TFH": [p.sheet for p in doc.parcels],
        "JZDS": [p.point_count for p in doc.parcels],
    }
    return gpd.GeoDataFrame(rows, geometry=[p.geometry for p in doc.parcels],
                            crs=f"EPSG:{doc.epsg}")


# -- writing ----------------------------------------------------------------------------
def _decimals(precision: str) -> int:
    value = precision.strip()
    if value.isdigit():
        return int(value)
    if "." in value:
        return len(value.split(".", 1)[1])
    return 3


def _clean(value: object) -> str:
    text = "" if value is None or value != value else str(value)  # noqa: PLR0124 (NaN, NA and NaT are the values unequal to themselves)
    return text.replace(",", "，").replace("@", "＠").replace("\n", " ").strip()


def format_coordinate_txt(parcels: list[TxtParcel], *, zone: int,
                          attributes: dict[str, str] | None = None) -> str:
    """Return the TXT text of ``parcels`` (each with a projected ``geometry``)."""
    attrs = {**DEFAULT_ATTRIBUTES, **(attributes or {}), "带号": str(zone)}
    decimals = _decimals(attrs.get("精度", "0.001"))
    out = [f"[{ATTRIBUTE_SECTION}]", *(f"{k}={v}" for k, v in attrs.items()),
           f"[{COORDINATE_SECTION}]"]
    for parcel in parcels:
        rings = rings_of_geometry(parcel.geometry)
        count = sum(len(r) for r in rings)
        area = "" if parcel.area_ha is None else f"{parcel.area_ha:.4f}"
        head = [str(count), area, parcel.number, parcel.name, parcel.shape or "面",
                parcel.sheet, parcel.use, parcel.dlbm, *parcel.extra]
        out.append(",".join(_clean(v) for v in head) + ",@")
        n = 0
        for ring_no, coords in enumerate(rings, 1):
            first = n + 1
            for east, north in coords[:-1]:
                n += 1
                out.append(f"J{n},{ring_no},{north:.{decimals}f},{east:.{decimals}f}")
            east, north = coords[-1]  # the closing point repeats the first point's name
            out.append(f"J{first},{ring_no},{north:.{decimals}f},{east:.{decimals}f}")
    return "\n".join(out) + "\n"


def write_coordinate_txt(parcels: list[TxtParcel], path: str | Path, *, zone: int,
                         attributes: dict[str, str] | None = None,
                         encoding: str = "UTF-8") -> Path:
    """Write ``parcels`` (projected geometries, zone-prefixed eastings) to ``path``."""
    p = Path(path)
    text = format_coordinate_txt(parcels, zone=zone, attributes=attributes)
    p.write_bytes(text.replace("\n", "\r\n").encode(encoding))
    return p


class CoordinateTxtFormat(FileFormat):
    """The 部标 coordinate TXT as a file format (one parcel per feature)."""

    name = "coordinate_txt"
    title = "部标界址点坐标 TXT"
    suffixes = (".txt",)

    def read(self, path: Path, *, encoding: str | None = None,
             layer: str | None = None) -> RawFeatures:
        """Read parcels as features in the file's Gauss–Krüger CRS."""
        doc = read_coordinate_txt(path, encoding, strict=_STRICT.get())
        return RawFeatures(coordinate_txt_to_frame(doc), encoding=doc.encoding,
                           encoding_origin="user" if encoding else "detected",
                           lines=[p.line for p in doc.parcels], crs_origin="带号/zone prefix",
                           notes=list(doc.warnings))

    def write(self, frame: gpd.GeoDataFrame, path: Path, *, encoding: str | None = None,
              layer: str | None = None) -> list[Path]:
        """Write features (in a zone-prefixed Gauss–Krüger CRS) as parcels."""
        from onemap.standards.crs import zone_from_epsg

        epsg = frame.crs.to_epsg() if frame.crs is not None else None
        zone = zone_from_epsg(epsg) if epsg else None
        if zone is None or not zone.prefixed:
            raise CrsError("coordinate TXT needs a zone-prefixed Gauss–Krüger CRS "
                           "(EPSG:4513–4533)", path=str(path))
        parcels = [_parcel_from_row(i, row) for i, row in enumerate(frame.itertuples(), 1)]
        write_coordinate_txt(parcels, path, zone=zone.zone, encoding=encoding or "UTF-8")
        return [path]


def _parcel_from_row(index: int, row: object) -> TxtParcel:
    def get(*names: str) -> str:
        for n in names:
            value = getattr(row, n, None)
            if value is not None and value == value and str(value) != "":  # noqa: PLR0124 (NaN, NA and NaT are the values unequal to themselves)
                return str(value)
        return ""

    geom = getattr(row, "geometry", None)
    area = shapely.area(geom) / 10_000 if geom is not None else None
    return TxtParcel(index=index, point_count=0, area_ha=area,
                     number=get("DKBH", "BSM", "PZWH", "GDBH", "XKZH") or str(index),
                     name=get("DKMC", "XMMC", "BHQMC", "KQMC", "MC", "DLMC"),
                     sheet=get("TFH"), use=get("DKYT", "YDLX", "YT"), dlbm=get("DLBM"),
                     geometry=geom)
