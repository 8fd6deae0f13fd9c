"""Esri Shapefile read/write with DBF text-encoding detection (UTF-8 vs GBK/GB18030).

Chinese Shapefiles come with a ``.cpg`` saying UTF-8, with a ``.cpg`` saying GBK/936,
or with no ``.cpg`` at all (legacy tools write GBK). GDAL's default for a DBF without
``.cpg`` is ISO-8859-1, which garbles Chinese. So :func:`detect_dbf_encoding` reads the
DBF's character fields itself and decides by content: every non-ASCII value valid
strict UTF-8 → UTF-8; otherwise every value valid GB18030 → GB18030 (a superset of
GBK); a DBF mixing both is rejected naming the feature and field. A user's
``--encoding`` is checked the same way before it is trusted.

Writing always leaves a ``.cpg``; ``encoding="GBK"`` writes GBK text for legacy tools
and also sets the DBF language driver byte (LDID 0x4D, code page 936).
"""

from __future__ import annotations

import codecs
import struct
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyogrio

from onemap.errors import ImportRejected, InvalidInput
from onemap.store.formats.base import FileFormat, RawFeatures
from onemap.store.formats.vector import count_ogr, read_ogr, write_ogr

if TYPE_CHECKING:
    from pathlib import Path

    import geopandas as gpd

_LDID_CP936 = 0x4D
_CPG_NAMES = {"936": "GBK", "cp936": "GBK", "gb2312": "GBK", "65001": "UTF-8", "utf8": "UTF-8"}


@dataclass
class EncodingGuess:
    """Result of DBF encoding detection."""

    encoding: str
    origin: str  # user / detected / cpg / ascii
    cpg: str | None = None
    notes: list[str] = field(default_factory=list)


@dataclass
class _DbfText:
    """Unique non-ASCII byte values of the DBF's character fields (and field names)."""

    values: list[tuple[str, int, bytes]]  # (field name, first record index, raw bytes)


def _field_name(raw: bytes) -> str:
    name = raw.split(b"\x00", 1)[0]
    return name.decode("utf-8", errors="replace") if name.isascii() else name.decode(
        "gb18030", errors="replace")


SCAN_BLOCK_ROWS = 500_000  # DBF records examined at a time (memory-mapped file)


def scan_dbf_text(dbf: Path) -> list[tuple[str, int, bytes]]:
    """Return ``(field, first record, bytes)`` for every distinct non-ASCII text value.

    Record index ``-1`` marks a field *name* (Chinese field names are encoded too). The
    DBF is memory-mapped and scanned in blocks, so a province-size file costs little RAM.
    """
    size = dbf.stat().st_size
    with dbf.open("rb") as fh:
        head = fh.read(32)
        if len(head) < 32:
            raise ImportRejected("DBF file is truncated (no header)", path=str(dbf))
        count, header_len, record_len = struct.unpack("<IHH", head[4:12])
        descriptors = head + fh.read(max(0, header_len - 32))
    fields: list[tuple[str, bytes, int, int]] = []
    offset, pos = 1, 32
    while pos + 32 <= len(descriptors) and descriptors[pos] != 0x0D:
        raw_name = descriptors[pos:pos + 11]
        ftype, length = chr(descriptors[pos + 11]), descriptors[pos + 16]
        fields.append((ftype, raw_name.split(b"\x00", 1)[0], offset, length))
        offset += length
        pos += 32
    found: list[tuple[str, int, bytes]] = [
        (_field_name(n), -1, n) for _, n, _, _ in fields if not n.isascii()]
    available = max(0, min(count, (size - header_len) // max(record_len, 1)))
    if available < count:
        raise ImportRejected(f"DBF file is truncated: header says {count} records, "
                             f"found {available}", path=str(dbf))
    if not available:
        return found
    table = np.memmap(dbf, dtype=np.uint8, mode="r", offset=header_len,
                      shape=(available, record_len))
    seen: dict[tuple[bytes, bytes], int] = {}
    for lo in range(0, available, SCAN_BLOCK_ROWS):
        block = table[lo:lo + SCAN_BLOCK_ROWS]
        for ftype, raw_name, start, length in fields:
            if ftype not in "CM" or length == 0:
                continue
            column = np.ascontiguousarray(block[:, start:start + length]).view(
                f"S{length}").ravel()
            codes, uniques = pd.factorize(column)  # hash-based: much faster than np.unique
            first = np.full(len(uniques), len(codes), dtype=np.int64)
            np.minimum.at(first, codes, np.arange(len(codes)))
            for value, rec in zip(list(uniques), first.tolist(), strict=True):
                if not value.isascii() and (raw_name, value) not in seen:
                    seen[(raw_name, value)] = lo + int(rec)
                    found.append((_field_name(raw_name), lo + int(rec),
                                  value.rstrip(b" \x00")))
    del table
    return found


def _read_cpg(shp: Path) -> str | None:
    for suffix in (".cpg", ".CPG"):
        cpg = shp.with_suffix(suffix)
        if cpg.is_file():
            text = cpg.read_text(encoding="ascii", errors="ignore").strip()
            return _CPG_NAMES.get(text.lower(), text) if text else None
    return None


def _check_decodes(values: list[tuple[str, int, bytes]], encoding: str, dbf: Path) -> None:
    for name, rec, raw in values:
        try:
            raw.decode(encoding)
        except UnicodeDecodeError:
            where = "a field name" if rec < 0 else f"field {name}"
            raise ImportRejected(
                f"{where} cannot be decoded as {encoding}: {raw[:40]!r}", path=str(dbf),
                feature_id=rec if rec >= 0 else None) from None


def detect_dbf_encoding(shp: Path, encoding: str | None = None) -> EncodingGuess:
    """Decide the DBF text encoding of ``shp`` (see the module docstring)."""
    dbf = _sidecar(shp, ".dbf")
    values = scan_dbf_text(dbf)
    cpg = _read_cpg(shp)
    if encoding:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise InvalidInput(f"unknown text encoding {encoding!r}") from None
        _check_decodes(values, encoding, dbf)
        return EncodingGuess(encoding, "user", cpg)
    if not values:
        return EncodingGuess(cpg or "UTF-8", "cpg" if cpg else "ascii", cpg)
    utf8, other = [], []  # utf8: valid UTF-8 holding CJK-range characters (≥ U+0800)
    for item in values:
        try:
            text = item[2].decode("utf-8")
        except UnicodeDecodeError:
            other.append(item)
            continue
        if any(ord(c) >= 0x800 for c in text):
            utf8.append(item)
    if not other:
        return EncodingGuess("UTF-8", "detected", cpg, _cpg_note(cpg, "UTF-8"))
    if utf8:
        utf8.sort(key=lambda v: v[1])
        other.sort(key=lambda v: v[1])
        odd, rest = (utf8, other) if len(utf8) <= len(other) else (other, utf8)
        odd_enc, rest_enc = ("UTF-8", "GBK") if odd is utf8 else ("GBK", "UTF-8")
        o, r = odd[0], rest[0]
        raise ImportRejected(
            f"mixed text encodings in the DBF: field {o[0]} of feature {o[1]} is {odd_enc} "
            f"while other values (e.g. field {r[0]} of feature {r[1]}) are {rest_enc}; "
            "re-save the file in one encoding", path=str(dbf), feature_id=o[1])
    _check_decodes(values, "gb18030", dbf)
    return EncodingGuess("GB18030", "detected", cpg, _cpg_note(cpg, "GB18030"))


def _cpg_note(cpg: str | None, used: str) -> list[str]:
    if not cpg:
        return []
    try:
        said = codecs.lookup(cpg).name
    except LookupError:
        return [f".cpg names an unknown encoding {cpg!r}; the DBF text is {used}"]
    chinese = {"gbk", "gb18030", "gb2312"}
    if said == codecs.lookup(used).name or (said in chinese and used == "GB18030"):
        return []
    return [f".cpg says {cpg} but the DBF text is {used}; used {used}"]


def _check_shp_length(shp: Path) -> None:
    """Refuse a truncated .shp (GDAL would silently return empty geometries)."""
    with shp.open("rb") as fh:
        head = fh.read(100)
    if len(head) < 100 or struct.unpack(">i", head[:4])[0] != 9994:
        raise ImportRejected("not a Shapefile: bad .shp header", path=str(shp))
    declared = struct.unpack(">i", head[24:28])[0] * 2
    actual = shp.stat().st_size
    if actual < declared:
        raise ImportRejected(f"the .shp is truncated: its header says {declared:,} bytes but "
                             f"the file has {actual:,}", path=str(shp))


def _sidecar(shp: Path, suffix: str) -> Path:
    for candidate in (shp.with_suffix(suffix), shp.with_suffix(suffix.upper())):
        if candidate.is_file():
            return candidate
    raise ImportRejected(f"the Shapefile has no {suffix} file next to it", path=str(shp))


class ShapefileFormat(FileFormat):
    """Esri Shapefile (.shp + .dbf + .shx + .prj + .cpg)."""

    name = "shapefile"
    title = "Esri Shapefile"
    suffixes = (".shp",)

    def read(self, path: Path, *, encoding: str | None = None,
             layer: str | None = None) -> RawFeatures:
        """Read features with the detected (or given and verified) DBF encoding."""
        if not path.is_file():
            raise ImportRejected("file not found", path=str(path))
        _check_shp_length(path)
        guess = detect_dbf_encoding(path, encoding)
        frame = read_ogr(path, encoding=guess.encoding)
        return RawFeatures(frame, encoding=guess.encoding, encoding_origin=guess.origin,
                           notes=guess.notes)

    supports_chunks = True

    def count(self, path: Path, *, layer: str | None = None) -> int:
        """Return the number of features (from the .shx/.shp through GDAL)."""
        return count_ogr(path)

    def read_chunk(self, path: Path, *, start: int, size: int, encoding: str | None = None,
                   layer: str | None = None) -> RawFeatures:
        """Read ``size`` features from ``start``; the first chunk detects the encoding."""
        if start == 0 or encoding is None:
            _check_shp_length(path)
            guess = detect_dbf_encoding(path, encoding)
        else:  # later chunks reuse the encoding the first chunk found and checked
            guess = EncodingGuess(encoding, "detected")
        frame = read_ogr(path, encoding=guess.encoding, skip_features=start, max_features=size)
        return RawFeatures(frame, encoding=guess.encoding, encoding_origin=guess.origin,
                           notes=guess.notes)

    def write(self, frame: gpd.GeoDataFrame, path: Path, *, encoding: str | None = None,
              layer: str | None = None) -> list[Path]:
        """Write a Shapefile with a ``.cpg`` (UTF-8 by default, GBK for legacy tools)."""
        enc = (encoding or "UTF-8").upper()
        enc = _CPG_NAMES.get(enc.lower(), enc)
        path.parent.mkdir(parents=True, exist_ok=True)
        write_ogr(frame, path, driver="ESRI Shapefile", encoding=enc)
        cpg = path.with_suffix(".cpg")
        cpg.write_text(enc, encoding="ascii")
        if codecs.lookup(enc).name in ("gbk", "gb18030", "gb2312"):
            with path.with_suffix(".dbf").open("r+b") as fh:
                fh.seek(29)
                fh.write(bytes([_LDID_CP936]))
        return sorted(p for p in path.parent.glob(path.stem + ".*")
                      if p.suffix.lower() in (".shp", ".shx", ".dbf", ".prj", ".cpg"))


def shapefile_layer_info(path: Path) -> dict[str, object]:
    """Return pyogrio's description of a Shapefile (fields, geometry type, CRS)."""
    return dict(pyogrio.read_info(path))
