"""CSV and XLSX: attribute tables (statistics) and features with a WKT or 经度/纬度 column.

- :func:`write_table` writes any DataFrame to ``.csv`` (UTF-8 with BOM so Excel shows
  Chinese) or ``.xlsx`` (openpyxl, bold frozen header).
- :func:`read_table` reads one back (every cell as text, codes keep leading zeros).
- As a feature format, a table needs a ``WKT`` (or ``geometry``) column, or
  longitude/latitude columns (``经度``/``纬度``, ``lon``/``lat``).
"""

from __future__ import annotations

import io
import math
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely

from onemap.errors import ImportRejected, InvalidInput
from onemap.store.formats.base import FileFormat, RawFeatures
from onemap.store.formats.text import decode_text

WKT_COLUMNS = ("WKT", "wkt", "geometry", "GEOMETRY", "geom", "SHAPE")
LONLAT_COLUMNS = (("经度", "纬度"), ("lon", "lat"), ("LON", "LAT"), ("longitude", "latitude"))
XLSX_CELL_LIMIT = 32_767


def read_table(path: str | Path, *, encoding: str | None = None) -> tuple[pd.DataFrame, str]:
    """Read a CSV or XLSX table with every cell as text; return ``(frame, encoding)``."""
    p = Path(path)
    if not p.is_file():
        raise ImportRejected("file not found", path=str(p))
    if p.suffix.lower() == ".xlsx":
        return _read_xlsx(p), "UTF-8"
    text, enc = decode_text(p.read_bytes(), encoding, path=str(p))
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise ImportRejected(f"cannot read CSV: {exc}", path=str(p)) from None
    return frame, enc


def _read_xlsx(path: Path) -> pd.DataFrame:
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises zipfile/KeyError variants on broken files
        raise ImportRejected(f"cannot read XLSX: {exc}", path=str(path)) from None
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    book.close()
    if not rows:
        return pd.DataFrame()
    header = [str(h) if h is not None else f"column{i + 1}" for i, h in enumerate(rows[0])]
    body = [["" if v is None else _cell_text(v) for v in r] for r in rows[1:]]
    return pd.DataFrame(body, columns=header, dtype=str)


def _cell_text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def write_table(frame: pd.DataFrame, path: str | Path, *, encoding: str | None = None,
                sheet: str = "Sheet1") -> Path:
    """Write a table to ``.csv`` or ``.xlsx`` (chosen by suffix)."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    if p.suffix.lower() == ".xlsx":
        _write_xlsx(frame, p, sheet)
    else:
        enc = encoding or "utf-8-sig"
        p.write_bytes(frame.to_csv(index=False, lineterminator="\r\n").encode(enc))
    return p


def _write_xlsx(frame: pd.DataFrame, path: Path, sheet: str) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    ws = book.active
    ws.title = sheet[:31]
    ws.append([str(c) for c in frame.columns])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    ws.freeze_panes = "A2"
    for row in frame.itertuples(index=False):
        ws.append([_xlsx_value(v) for v in row])
    book.save(path)


def _xlsx_value(value: object) -> object:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return None
    if isinstance(value, str) and len(value) > XLSX_CELL_LIMIT:
        raise InvalidInput(f"a cell holds {len(value):,} characters, more than XLSX allows "
                           f"({XLSX_CELL_LIMIT:,}); export to CSV instead")
    if hasattr(value, "item"):
        return value.item()  # numpy scalar → Python
    return value


def _features_from_table(frame: pd.DataFrame, path: Path) -> tuple[gpd.GeoDataFrame, str]:
    for col in WKT_COLUMNS:
        if col in frame.columns:
            texts = frame[col].where(frame[col].str.strip() != "", None)
            geoms = shapely.from_wkt(texts.to_numpy(), on_invalid="ignore")
            return gpd.GeoDataFrame(frame.drop(columns=col), geometry=geoms, crs=None), "file"
    for lon, lat in LONLAT_COLUMNS:
        if lon in frame.columns and lat in frame.columns:
            x = pd.to_numeric(frame[lon], errors="coerce")
            y = pd.to_numeric(frame[lat], errors="coerce")
            pts = shapely.points(x.to_numpy(), y.to_numpy())
            return gpd.GeoDataFrame(frame, geometry=pts, crs="EPSG:4490"), f"{lon}/{lat} columns"
    raise ImportRejected("no geometry column: a table needs WKT (or geometry) or 经度/纬度 "
                         "(lon/lat) columns", path=str(path))


def _frame_for_table(frame: gpd.GeoDataFrame) -> pd.DataFrame:
    out = pd.DataFrame(frame.drop(columns=frame.geometry.name))
    out["WKT"] = shapely.to_wkt(frame.geometry.to_numpy(), rounding_precision=-1)
    return out


class CsvFormat(FileFormat):
    """CSV with a WKT (or 经度/纬度) column; UTF-8 with BOM by default, GBK on request."""

    name, title, suffixes = "csv", "CSV", (".csv",)

    def read(self, path: Path, *, encoding: str | None = None,
             layer: str | None = None) -> RawFeatures:
        """Read rows as features; ``lines`` are the CSV line numbers (header = line 1)."""
        table, enc = read_table(path, encoding=encoding)
        frame, crs_origin = _features_from_table(table, path)
        return RawFeatures(frame, encoding=enc, encoding_origin="user" if encoding else
                           "detected", lines=list(range(2, len(frame) + 2)),
                           crs_origin=crs_origin)

    def write(self, frame: gpd.GeoDataFrame, path: Path, *, encoding: str | None = None,
              layer: str | None = None) -> list[Path]:
        """Write attributes plus a WKT column."""
        return [write_table(_frame_for_table(frame), path, encoding=encoding)]


class XlsxFormat(FileFormat):
    """Excel workbook (first sheet) with a WKT (or 经度/纬度) column."""

    name, title, suffixes = "xlsx", "Excel XLSX", (".xlsx",)

    def read(self, path: Path, *, encoding: str | None = None,
             layer: str | None = None) -> RawFeatures:
        """Read the first sheet as features; ``lines`` are spreadsheet row numbers."""
        table, _ = read_table(path)
        frame, crs_origin = _features_from_table(table, path)
        return RawFeatures(frame, encoding="UTF-8", encoding_origin="format",
                           lines=list(range(2, len(frame) + 2)), crs_origin=crs_origin)

    def write(self, frame: gpd.GeoDataFrame, path: Path, *, encoding: str | None = None,
              layer: str | None = None) -> list[Path]:
        """Write attributes plus a WKT column to the first sheet."""
        return [write_table(_frame_for_table(frame), path, sheet=layer or "features")]
