"""The carbon section of the annual indicators report (碳储量及变化): stock and change with trend.

Reads the ``carbon_stock`` and ``carbon_change`` statistics that
:func:`onemap.carbon.service.post_indicators` recorded (万吨碳), for the regions the
report's evaluations cover (so a county user's report shows only their counties), up
to the report year.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from onemap.indicators.records import read_values

if TYPE_CHECKING:
    from onemap.indicators.models import EvaluationSet
    from onemap.store.workspace import Workspace

SERIES = ("carbon_stock", "carbon_change")
LABELS = {
    "zh": {"title": "六、碳储量及变化（碳汇本底）", "region": "区域", "year": "年度",
           "stock": "碳储量（万吨碳）", "co2": "折合（万吨CO₂e）", "change": "较上年变化（万吨碳）",
           "trend": "趋势", "source": "数据来源"},
    "en": {"title": "6. Carbon stock and change", "region": "Region", "year": "Year",
           "stock": "Carbon stock (10k t C)", "co2": "CO₂e (10k t)",
           "change": "Change (10k t C)", "trend": "Trend", "source": "Source"},
}


def carbon_section(ws: Workspace, evs: EvaluationSet, lang: str = "zh") -> dict[str, Any] | None:
    """Rows (region, year, stock, change, trend) of the report's regions; None without data."""
    regions = {e.region: e.region_name for e in evs.evaluations}
    values = [v for v in read_values(ws, SERIES) if v.region in regions and v.year <= evs.year]
    if not values:
        return None
    root = ws.config.root_region
    shown = [root] if root in regions else sorted(regions)
    stock = {(v.region, v.year): v for v in values if v.id == "carbon_stock"}
    change = {(v.region, v.year): v.value for v in values if v.id == "carbon_change"}
    rows = []
    for region in shown:
        for year in sorted(y for r, y in stock if r == region):
            v = stock[(region, year)]
            d = change.get((region, year))
            rows.append({"region": regions.get(region) or region, "code": region, "year": year,
                         "stock": f"{v.value:,.2f}" if v.value is not None else "-",
                         "co2": f"{v.value * 44 / 12:,.2f}" if v.value is not None else "-",
                         "change": "-" if d is None else f"{d:+,.2f}",
                         "trend": "" if d is None else ("↑" if d > 0 else "↓" if d < 0 else "→"),
                         "source": v.source.file or v.source.kind})
    return {"t": LABELS["en" if lang == "en" else "zh"], "rows": rows}
