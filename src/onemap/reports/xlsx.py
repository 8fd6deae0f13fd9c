"""Write tables to XLSX with Chinese headers, number formats and a frozen header row.

A small shared helper: any capability describes its columns once
(:class:`XlsxColumn`) and hands rows (dicts or a DataFrame) per sheet.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence

AREA_FORMAT = "#,##0.00"
INTEGER_FORMAT = "#,##0"
TEXT_FORMAT = "@"


@dataclass(frozen=True)
class XlsxColumn:
    """One column: its header (Chinese by default), the row key, format and width."""

    header: str
    key: str
    number_format: str | None = None
    width: float = 14.0


@dataclass
class XlsxSheet:
    """One worksheet: a title (≤ 31 characters), columns and rows."""

    title: str
    columns: Sequence[XlsxColumn]
    rows: Iterable[Mapping[str, Any]] | pd.DataFrame = field(default_factory=list)
    caption: str = ""  # optional first line above the header (e.g. table title, unit)


def _records(rows: Iterable[Mapping[str, Any]] | pd.DataFrame) -> Iterable[Mapping[str, Any]]:
    if isinstance(rows, pd.DataFrame):
        records: list[dict[str, Any]] = rows.to_dict("records")
        return records
    return rows


def write_xlsx(path: str | Path, sheets: Sequence[XlsxSheet]) -> Path:
    """Write ``sheets`` to an XLSX workbook at ``path`` and return the path.

    Text columns are written as text (codes keep their leading zeros); columns
    with a ``number_format`` are written as numbers in that format. The header
    row is bold and frozen, printed on every page (print titles), and the caption
    is one title row merged over the table's width. Uses openpyxl's streaming
    writer, so large tables (100k+ rows) stay fast and small in memory.
    """
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = Workbook(write_only=True)
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDEBF7")
    for sheet in sheets:
        ws = wb.create_sheet(title=sheet.title[:31])
        for i, col in enumerate(sheet.columns, start=1):
            ws.column_dimensions[get_column_letter(i)].width = col.width
        header_row = 2 if sheet.caption else 1
        # Frozen header (set before the first row: write-only sheets need it first), the header
        # rows printed on every page, and the caption merged over the table's width.
        ws.freeze_panes = f"A{header_row + 1}"
        ws.print_title_rows = f"1:{header_row}"
        ws.page_setup.orientation = "landscape" if len(sheet.columns) > 8 else "portrait"
        ws.page_setup.fitToWidth = 1
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.page_setup.fitToHeight = 0
        if sheet.caption:
            cap = WriteOnlyCell(ws, value=sheet.caption)
            cap.font = Font(bold=True, size=12)
            cap.alignment = Alignment(horizontal="center", vertical="center")
            ws.append([cap])
            if len(sheet.columns) > 1:
                ws.merged_cells.add(f"A1:{get_column_letter(len(sheet.columns))}1")
        header = []
        for col in sheet.columns:
            cell = WriteOnlyCell(ws, value=col.header)
            cell.font, cell.fill = bold, fill
            cell.alignment = Alignment(horizontal="center")
            header.append(cell)
        ws.append(header)
        for record in _records(sheet.rows):
            out = []
            for col in sheet.columns:
                value = record.get(col.key)
                if isinstance(value, float) and math.isnan(value):
                    value = None  # NaN → empty cell
                cell = WriteOnlyCell(ws, value=value)
                if col.number_format:
                    cell.number_format = col.number_format
                elif value is not None:
                    cell.value = str(value)
                    cell.number_format = TEXT_FORMAT
                out.append(cell)
            ws.append(out)
    wb.save(path)
    return path


def read_xlsx(path: str | Path) -> dict[str, list[list[Any]]]:
    """Read every sheet of a workbook as lists of cell values (for tests and checks)."""
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True, data_only=True)
    try:
        return {ws.title: [list(r) for r in ws.iter_rows(values_only=True)] for ws in wb.worksheets}
    finally:
        wb.close()
