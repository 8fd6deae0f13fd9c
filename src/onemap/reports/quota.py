"""XLSX of the 占补平衡 quota balances and of the 批供用 status (公顷 and 亩)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from onemap.reports.xlsx import XlsxColumn, XlsxSheet, write_xlsx

if TYPE_CHECKING:
    from pathlib import Path

    from onemap.quota.models import QuotaReport
    from onemap.supply.models import CountySupply, SupplyStatus

AREA = "#,##0.0000"


def write_quota_balance(path: str | Path, report: QuotaReport) -> Path:
    """Write the remaining quota per county and the total."""
    cols = [XlsxColumn("行政区代码", "county"), XlsxColumn("名称", "name"),
            XlsxColumn("耕地数量 (公顷)", "quantity_ha", AREA),
            XlsxColumn("耕地数量 (亩)", "quantity_mu", AREA),
            XlsxColumn("水田规模 (公顷)", "paddy_ha", AREA),
            XlsxColumn("水田规模 (亩)", "paddy_mu", AREA),
            XlsxColumn("粮食产能 (kg/年)", "capacity_kg", "#,##0.0"),
            XlsxColumn("累计补充 (m²)", "credited_m2", "#,##0.00"),
            XlsxColumn("累计占用 (m²)", "debited_m2", "#,##0.00"),
            XlsxColumn("按等别余额 (m²)", "grades", width=40)]
    rows = [{**r.model_dump(), "grades": "; ".join(f"{g}等 {a:,.1f}" for g, a in
                                                    r.by_grade.items())}
            for r in [*report.rows, report.total]]
    return write_xlsx(path, [XlsxSheet("占补平衡指标余额", cols, rows,
                                       caption="耕地占补平衡指标余额（数量、水田、产能）")])


def _supply_row(r: CountySupply) -> dict[str, Any]:
    out: dict[str, Any] = {"county": r.county, "name": r.name,
                           "batches": r.unsupplied_batches, "idle_n": r.idle_parcels,
                           "susp_n": r.suspected_idle_parcels, "fee": r.idle_fee_basis_wan,
                           "gdp": r.construction_per_gdp_decline}
    for key in ("approved", "supplied", "unsupplied", "suspected_idle", "idle",
                "disposed_unsupplied", "disposed_idle", "earned_quota"):
        area = getattr(r, key)
        out[f"{key}_ha"], out[f"{key}_mu"] = area.ha, area.mu
    for bucket, area in r.unsupplied_by_age.items():
        out[f"age{bucket}_ha"] = area.ha
    return out


def write_supply_status(path: str | Path, status: SupplyStatus) -> Path:
    """Write the county figures, the unsupplied batches and the idle parcels."""
    cols = [XlsxColumn("行政区代码", "county"), XlsxColumn("名称", "name")]
    for key, zh in (("approved", "批准"), ("supplied", "已供"), ("unsupplied", "批而未供")):
        cols += [XlsxColumn(f"{zh} (公顷)", f"{key}_ha", AREA),
                 XlsxColumn(f"{zh} (亩)", f"{key}_mu", AREA)]
    cols += [XlsxColumn(f"批而未供 {b} 年 (公顷)", f"age{b}_ha", AREA) for b in ("<2", "2-5", ">5")]
    cols += [XlsxColumn("未供批次", "batches", "0"),
             XlsxColumn("疑似闲置 (公顷)", "suspected_idle_ha", AREA),
             XlsxColumn("疑似闲置宗数", "susp_n", "0"), XlsxColumn("闲置 (公顷)", "idle_ha", AREA),
             XlsxColumn("闲置 (亩)", "idle_mu", AREA), XlsxColumn("闲置宗数", "idle_n", "0"),
             XlsxColumn("闲置费基数 (万元)", "fee", "#,##0.00"),
             XlsxColumn("消化批而未供 (公顷)", "disposed_unsupplied_ha", AREA),
             XlsxColumn("处置闲置 (公顷)", "disposed_idle_ha", AREA),
             XlsxColumn("增存挂钩新增指标 (公顷)", "earned_quota_ha", AREA),
             XlsxColumn("增存挂钩新增指标 (亩)", "earned_quota_mu", AREA),
             XlsxColumn("单位GDP建设用地下降率 (%)", "gdp", "0.00")]
    rows = [_supply_row(r) for r in [*status.counties, status.province]]
    batch_cols = [XlsxColumn("行政区代码", "county"), XlsxColumn("批准文号", "pzwh", width=30),
                  XlsxColumn("批准日期", "approved_on"), XlsxColumn("批后年限", "age"),
                  XlsxColumn("批准 (公顷)", "approved", AREA),
                  XlsxColumn("未供 (公顷)", "unsupplied", AREA),
                  XlsxColumn("未供 (亩)", "unsupplied_mu", AREA)]
    batches = [{"county": u.county, "pzwh": u.pzwh, "approved_on": str(u.approved_on),
                "age": u.age, "approved": u.approved.ha, "unsupplied": u.unsupplied.ha,
                "unsupplied_mu": u.unsupplied.mu} for u in status.unsupplied]
    parcel_cols = [XlsxColumn("行政区代码", "county"), XlsxColumn("供地编号", "gdbh", width=20),
                   XlsxColumn("约定动工日期", "agreed"), XlsxColumn("状态", "status"),
                   XlsxColumn("面积 (公顷)", "ha", AREA), XlsxColumn("面积 (亩)", "mu", AREA),
                   XlsxColumn("建设占比", "share", "0.00%"),
                   XlsxColumn("闲置费基数 (万元)", "fee", "#,##0.00")]
    status_zh: dict[str, str] = {"idle": "闲置", "suspected_idle": "疑似闲置"}
    parcels = [{"county": p.county, "gdbh": p.gdbh, "agreed": str(p.agreed_start or ""),
                "status": status_zh[p.status], "ha": p.area.ha, "mu": p.area.mu,
                "share": p.built_share, "fee": p.idle_fee_basis_wan}
               for p in status.parcels if p.status in status_zh]
    return write_xlsx(path, [
        XlsxSheet(f"批供用 {status.year}", cols, rows,
                  caption=f"{status.year} 年批而未供、闲置土地与增存挂钩（截至 {status.as_of}）"),
        XlsxSheet("批而未供批次", batch_cols, batches),
        XlsxSheet("闲置土地", parcel_cols, parcels)])
