"""Write official statistics tables (统计汇总表) to XLSX (one sheet per level) and CSV."""

from __future__ import annotations

from pathlib import Path

from onemap.errors import InvalidInput
from onemap.reports.xlsx import AREA_FORMAT, XlsxColumn, XlsxSheet, write_xlsx
from onemap.stats.models import LEVEL_NAMES_ZH, StatsTable
from onemap.stats.tabulate import rows_frame

STATS_COLUMNS = [
    XlsxColumn("行政区代码", "admin_code", width=14),
    XlsxColumn("行政区名称", "admin_name", width=18),
    XlsxColumn("地类级别", "class_level", "0", width=10),
    XlsxColumn("地类编码", "class_code", width=10),
    XlsxColumn("地类", "class_name", width=22),
    XlsxColumn("面积(平方米)", "area_m2", AREA_FORMAT, width=20),
    XlsxColumn("面积(公顷)", "area_ha", AREA_FORMAT, width=16),
    XlsxColumn("面积(亩)", "area_mu", AREA_FORMAT, width=18),
]
CSV_HEADERS = {"level": "级别", **{c.key: c.header for c in STATS_COLUMNS}}


def write_stats_xlsx(table: StatsTable, path: str | Path) -> Path:
    """Write one sheet per admin level (省级/市级/县级/乡级) with Chinese headers."""
    frame = rows_frame(table.rows)
    frame["class_code"] = frame["class_code"].replace({"total": "合计"})
    sheets = []
    for level in table.levels:
        part = frame[frame["level"] == level]
        caption = (f"{table.vintage}年 土地利用现状统计表 ({LEVEL_NAMES_ZH[level]}) "
                   f"单位: 平方米 / 公顷 / 亩")
        sheets.append(XlsxSheet(LEVEL_NAMES_ZH[level], STATS_COLUMNS, part, caption=caption))
    return write_xlsx(path, sheets)


def write_stats_csv(table: StatsTable, path: str | Path) -> Path:
    """Write every row to a UTF-8 (with BOM, so Excel opens it) CSV with Chinese headers."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    frame = rows_frame(table.rows)[list(CSV_HEADERS)]
    frame.rename(columns=CSV_HEADERS).to_csv(path, index=False, encoding="utf-8-sig",
                                             float_format="%.2f")
    return path


def write_stats(table: StatsTable, path: str | Path) -> Path:
    """Write ``table`` as XLSX or CSV, chosen by the file suffix."""
    suffix = Path(path).suffix.lower()
    if suffix == ".xlsx":
        return write_stats_xlsx(table, path)
    if suffix == ".csv":
        return write_stats_csv(table, path)
    raise InvalidInput(f"statistics can be written as .xlsx or .csv, not {suffix!r}",
                       path=str(path))
