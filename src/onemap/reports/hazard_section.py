"""The geohazard warning section of the annual indicators report (地质灾害气象预警检验).

Reads the hindcast scores (POD, FAR, CSI, TSS at level ≥ 黄) that
:func:`onemap.hazards.evaluation.post_scores` recorded as statistics, for the regions the
report's evaluations cover (a county user's report shows only their counties), up to the
report year: the province row first, then each county with scores.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from onemap.indicators.records import read_values

if TYPE_CHECKING:
    from onemap.indicators.models import EvaluationSet
    from onemap.store.workspace import Workspace

SCORES = ("pod", "far", "csi", "tss")
SERIES = tuple(f"hazard_warning_{k}" for k in SCORES)
LABELS = {
    "zh": {"title": "七、地质灾害气象预警检验（黄色及以上）", "region": "区域", "year": "年度",
           "pod": "命中率 POD", "far": "空报率 FAR", "csi": "临界成功指数 CSI",
           "tss": "真技巧评分 TSS", "note": "由预警回算检验（onemap hazards score）记录。"},
    "en": {"title": "7. Geohazard warning hindcast (yellow and above)", "region": "Region",
           "year": "Year", "pod": "POD", "far": "FAR", "csi": "CSI", "tss": "TSS",
           "note": "Recorded by the warning hindcast (onemap hazards score)."},
}


def hazard_section(ws: Workspace, evs: EvaluationSet, lang: str = "zh") -> dict[str, Any] | None:
    """Rows (region, year, POD, FAR, CSI, TSS) of the report's regions; None without scores."""
    regions = {e.region: e.region_name for e in evs.evaluations}
    values = [v for v in read_values(ws, SERIES)
              if v.region in regions and v.year <= evs.year and v.value is not None]
    if not values:
        return None
    table: dict[tuple[str, int], dict[str, float]] = {}
    for v in values:
        table.setdefault((v.region, v.year), {})[v.id.removeprefix("hazard_warning_")] = \
            float(v.value)  # type: ignore[arg-type]
    root = ws.config.root_region
    order = sorted(table, key=lambda k: (k[0] != root, k[0], k[1]))
    rows = [{"region": regions.get(r) or r, "code": r, "year": y,
             **{k: f"{table[(r, y)][k]:.3f}" if k in table[(r, y)] else "-" for k in SCORES}}
            for r, y in order]
    return {"t": LABELS["en" if lang == "en" else "zh"], "rows": rows}
