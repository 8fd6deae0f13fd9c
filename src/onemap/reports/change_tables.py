"""XLSX outputs of change monitoring: change matrix, patch list, case list, 进出平衡 ledger."""

from __future__ import annotations

from typing import TYPE_CHECKING

import onemap.change  # noqa: F401  (registers the change classes' labels)
from onemap.reports.xlsx import AREA_FORMAT, INTEGER_FORMAT, XlsxColumn, XlsxSheet, write_xlsx
from onemap.standards.labels import label, labels
from onemap.standards.landuse import land_classes

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path

    from onemap.cases.models import Case
    from onemap.change.models import BatchSummary, ChangePatch, MatrixCell
    from onemap.ledgers.models import LedgerReport

C = XlsxColumn


def _name(code: str) -> str:
    lc = land_classes().get(code)
    return lc.name_zh if lc else ""


def write_change_tables(path: str | Path, batch: BatchSummary, cells: Sequence[MatrixCell],
                        patches: Sequence[ChangePatch]) -> Path:
    """Write the from × to matrix by county (公顷, 亩) and the patch list to one workbook."""
    s = batch.sliver
    caption = (f"{batch.from_year}—{batch.to_year} 年度变化统计（检测批次 {batch.id}；最小面积："
               f"建设用地 {s.min_area_construction_m2:g} m²、耕地 {s.min_area_farmland_m2:g} m²、"
               f"其他 {s.min_area_other_m2:g} m²；最小宽度 {s.min_width_m:g} m）")
    matrix = [dict(c.model_dump(), from_name=_name(c.from_code), to_name=_name(c.to_code))
              for c in cells]
    plist = [dict(p.model_dump(exclude={"geometry", "approvals", "overlaps_m2"}),
                  classes=labels("change_class", p.classes), ledger=label("direction", p.ledger),
                  legality=label("legality", p.legality), area_ha=p.area_m2 / 10_000,
                  area_mu=p.area_m2 * 15 / 10_000) for p in patches]
    return write_xlsx(path, [
        XlsxSheet("变化矩阵", [
            C("县级代码", "county", width=10), C("前地类", "from_code", width=8),
            C("前地类名称", "from_name"), C("后地类", "to_code", width=8),
            C("后地类名称", "to_name"), C("图斑数", "patches", INTEGER_FORMAT, 8),
            C("面积(公顷)", "area_ha", "#,##0.0000"), C("面积(亩)", "area_mu", AREA_FORMAT),
        ], matrix, caption),
        XlsxSheet("变化图斑", [
            C("图斑编号", "id", width=22), C("县级代码", "county", width=10),
            C("乡镇代码", "township", width=12), C("前地类", "from_code", width=8),
            C("后地类", "to_code", width=8), C("面积(平方米)", "area_m2", AREA_FORMAT),
            C("面积(公顷)", "area_ha", "#,##0.0000"), C("面积(亩)", "area_mu", AREA_FORMAT),
            C("变化类型", "classes", width=40), C("平台预判", "legality", width=10),
            C("批文覆盖比例", "approval_share", "0.00%"), C("进出", "ledger", width=6),
        ], plist, "平台预判仅为疑似，是否违法以核查审核结论为准"),
    ])


def write_case_list(path: str | Path, cases: Sequence[Case]) -> Path:
    """Write a case list; the platform's suspicion and the reviewed verdict in separate columns."""
    rows = [dict(c.model_dump(exclude={"geometry"}), classes=labels("change_class", c.classes),
                 pre_judgement=label("legality", c.pre_judgement),
                 suspected="疑似违法" if c.suspected else "",
                 verdict=c.verdict.value if c.verdict else "",
                 stands="是" if c.verdict_stands else "否",
                 illegal="确认违法" if c.illegal else "") for c in cases]
    return write_xlsx(path, [XlsxSheet("案件列表", [
        C("案件编号", "case_no", width=26), C("县级代码", "county", width=10),
        C("状态", "status_zh", width=14), C("平台预判", "pre_judgement", width=10),
        C("疑似违法(平台)", "suspected", width=12), C("核查结论(人工)", "verdict", width=12),
        C("结论已审核", "stands", width=10), C("确认违法", "illegal", width=10),
        C("前地类", "from_code", width=8), C("后地类", "to_code", width=8),
        C("面积(平方米)", "area_m2", AREA_FORMAT), C("变化类型", "classes", width=40),
        C("检测日期", "detected_on", width=12), C("发生日期", "event_date", width=12),
        C("期限", "due_date", width=12),
    ], rows, "疑似违法为平台预判；确认违法以市、省级审核通过的核查结论为准")])


def write_ledger(path: str | Path, report: LedgerReport) -> Path:
    """Write the 进出平衡 ledger: counties and the province roll-up."""
    cols = [C("行政区代码", "county", width=10), C("年度", "year", width=8),
            C("出(公顷)", "out_ha", "#,##0.0000"), C("进(公顷)", "in_ha", "#,##0.0000"),
            C("平衡(公顷)", "balance_ha", "#,##0.0000"), C("出(亩)", "out_mu", AREA_FORMAT),
            C("进(亩)", "in_mu", AREA_FORMAT), C("平衡(亩)", "balance_mu", AREA_FORMAT),
            C("记录数", "entries", INTEGER_FORMAT, 8), C("预警", "warn", width=16)]

    def rows(items: Sequence[object]) -> list[dict[str, object]]:
        return [dict(r.model_dump(), warn="出大于进" if r.warning else "")  # type: ignore[attr-defined]
                for r in items]

    return write_xlsx(path, [
        XlsxSheet("县级进出平衡", cols, rows(report.rows), "耕地进出平衡台账（按县、年度）"),
        XlsxSheet("全省汇总", cols, rows(report.province), "耕地进出平衡 全省汇总"),
    ])
