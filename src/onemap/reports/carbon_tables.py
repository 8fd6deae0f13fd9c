"""XLSX downloads of the carbon accounts (碳储量核算表): stock, change matrix, projects.

Every sheet's caption names the density table and version it was computed with.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from onemap.carbon.models import POOL_NAMES_ZH, POOLS
from onemap.reports.xlsx import XlsxColumn, XlsxSheet, write_xlsx

if TYPE_CHECKING:
    from pathlib import Path

    from onemap.carbon.models import ChangeResult, ProjectList, StockResult, TableStamp

TC = "#,##0.00"


def _stamp(t: TableStamp) -> str:
    extra = f" + {t.overrides}" if t.overrides else ""
    return f"碳密度表 {t.name} {t.version}{extra} (sha256 {t.checksum[:12]})"


STOCK_COLUMNS = [
    XlsxColumn("行政区代码", "region", width=12), XlsxColumn("名称", "name", width=14),
    XlsxColumn("年度", "vintage", "0", width=8), XlsxColumn("面积(公顷)", "area_ha", TC),
    XlsxColumn("面积(亩)", "area_mu", TC),
    *[XlsxColumn(f"{POOL_NAMES_ZH[p]}(吨碳)", p, TC, width=16) for p in POOLS],
    XlsxColumn("碳储量(吨碳)", "total_tc", TC, width=16),
    XlsxColumn("碳储量(吨CO2e)", "total_tco2e", TC, width=16),
    XlsxColumn("平均碳密度(吨碳/公顷)", "density_tc_per_ha", TC, width=18),
]


def _stock_rows(result: StockResult) -> list[dict[str, Any]]:
    return [{**r.model_dump(exclude={"pools_tc"}), **r.pools_tc}
            for r in [*result.counties, result.total]]


def write_stock_xlsx(path: str | Path, results: list[StockResult]) -> Path:
    """Write one stock sheet per vintage and the stock by land class."""
    sheets = [XlsxSheet(f"碳储量{r.vintage}", STOCK_COLUMNS, _stock_rows(r),
                        caption=f"{r.vintage}年 分县碳储量 · {_stamp(r.table)}") for r in results]
    for r in results:
        sheets.append(XlsxSheet(f"分地类{r.vintage}", [
            XlsxColumn("地类编码", "code", width=10), XlsxColumn("地类名称", "name", width=16),
            XlsxColumn("面积(公顷)", "area_ha", TC), XlsxColumn("碳储量(吨碳)", "total_tc", TC),
            XlsxColumn("碳密度(吨碳/公顷)", "density_tc_per_ha", TC)],
            [c.model_dump() for c in r.by_class], caption=f"{r.vintage}年 分地类碳储量"))
    return write_xlsx(path, sheets)


def write_change_xlsx(path: str | Path, result: ChangeResult) -> Path:
    """Write net change by county, change by conversion type and the from × to matrix."""
    cap = f"{result.from_year}→{result.to_year} 碳储量变化 · 检测批次 {result.batch_id} · " \
          f"{_stamp(result.table)}"
    county_cols = [
        XlsxColumn("行政区代码", "region", width=12), XlsxColumn("名称", "name", width=14),
        XlsxColumn("期初(吨碳)", "stock_from_tc", TC, width=16),
        XlsxColumn("期末(吨碳)", "stock_to_tc", TC, width=16),
        XlsxColumn("净变化(吨碳)", "net_tc", TC), XlsxColumn("净变化(吨CO2e)", "net_tco2e", TC),
        XlsxColumn("增加(吨碳)", "gains_tc", TC), XlsxColumn("减少(吨碳)", "losses_tc", TC),
        XlsxColumn("未归因(吨碳)", "residual_tc", TC)]
    group_cols = [XlsxColumn("原地类", "from_group", width=16),
                  XlsxColumn("现地类", "to_group", width=16),
                  XlsxColumn("面积(公顷)", "area_ha", TC),
                  XlsxColumn("变化(吨碳)", "change_tc", TC),
                  XlsxColumn("变化(吨CO2e)", "change_tco2e", TC)]
    matrix_cols = [XlsxColumn("行政区代码", "county", width=12),
                   XlsxColumn("原地类编码", "from_code", width=10),
                   XlsxColumn("现地类编码", "to_code", width=10),
                   XlsxColumn("原地类", "from_group"), XlsxColumn("现地类", "to_group"),
                   XlsxColumn("面积(公顷)", "area_ha", TC), XlsxColumn("图斑数", "patches", "0"),
                   XlsxColumn("变化(吨碳)", "change_tc", TC),
                   XlsxColumn("变化(吨CO2e)", "change_tco2e", TC)]
    return write_xlsx(path, [
        XlsxSheet("分县变化", county_cols,
                  [r.model_dump() for r in [*result.counties, result.total]], caption=cap),
        XlsxSheet("转换类型", group_cols, [g.model_dump() for g in result.by_group],
                  caption=f"建设占用导致的减少占比 {result.construction_loss_share:.1%}"),
        XlsxSheet("转移矩阵", matrix_cols, [m.model_dump() for m in result.matrix], caption=cap),
    ])


def write_projects_xlsx(path: str | Path, listing: ProjectList) -> Path:
    """Write the ranked restoration project library."""
    cols = [XlsxColumn("排名", "rank", "0", width=6), XlsxColumn("项目编号", "id", width=16),
            XlsxColumn("项目名称", "name", width=28), XlsxColumn("项目类型", "type", width=14),
            XlsxColumn("行政区代码", "county", width=12),
            XlsxColumn("投资(万元)", "budget_wan", TC), XlsxColumn("开始年份", "start_year", "0"),
            XlsxColumn("完成年份", "end_year", "0"), XlsxColumn("面积(公顷)", "area_ha", TC),
            XlsxColumn("面积(亩)", "area_mu", TC), XlsxColumn("预期地类", "expected_code"),
            XlsxColumn("预期碳增量(吨碳)", "expected_gain_tc", TC, width=16),
            XlsxColumn("吨碳/万元", "gain_per_wan_tc", TC),
            XlsxColumn("核验年度", "check_vintage", "0"),
            XlsxColumn("达成比例", "realised_share", "0.0%"),
            XlsxColumn("实际碳增量(吨碳)", "realised_gain_tc", TC, width=16),
            XlsxColumn("状态", "status", width=10),
            XlsxColumn("废弃矿山编号", "abandoned_mine_id", width=14),
            XlsxColumn("矿山核对", "mine_link", width=12)]
    return write_xlsx(path, [XlsxSheet(
        "修复项目库", cols, [p.model_dump() for p in listing.projects],
        caption=f"生态保护修复项目储备库 · 排序 {listing.rank_by} · {_stamp(listing.table)}")])
