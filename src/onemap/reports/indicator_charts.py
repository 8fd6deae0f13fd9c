"""Charts of the health-check report: one line chart per indicator, county warning maps."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from onemap.reports.maps import MapLayer, new_map_figure, plot_layers, use_cjk_font

if TYPE_CHECKING:
    import geopandas as gpd

    from onemap.indicators.models import Evaluation

MAX_LABELLED = 30  # county values are written on the map up to this many counties
WARNING_COLORS = {"green": "#2e8b57", "yellow": "#f2c12e", "red": "#c0392b", "none": "#bbbbbb"}
LABELS = {
    "zh": {"history": "监测值", "target": "目标值", "linear": "线性推算", "trend": "近期趋势推算",
           "baseline": "基期", "year": "年度", "green": "绿色", "yellow": "黄色", "red": "红色",
           "none": "无目标"},
    "en": {"history": "values", "target": "target", "linear": "linear projection",
           "trend": "recent-trend projection", "baseline": "baseline", "year": "year",
           "green": "green", "yellow": "yellow", "red": "red", "none": "no target"},
}


def _png(fig: object) -> bytes:
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")  # type: ignore[attr-defined]
    plt.close(fig)  # type: ignore[arg-type]
    return buf.getvalue()


def indicator_chart_png(ev: Evaluation, lang: str = "zh") -> bytes:
    """Return a PNG line chart: recorded values, the target and both projections."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    use_cjk_font()
    t = LABELS["en" if lang == "en" else "zh"]
    fig, ax = plt.subplots(figsize=(5.6, 2.6))
    if ev.history:
        xs, ys = zip(*ev.history, strict=True)
        ax.plot(xs, ys, "o-", color="#1f4e79", label=t["history"], zorder=3)
        last_x, last_y = xs[-1], ys[-1]
        for key, value, style in (("linear", ev.projection_linear, "--"),
                                  ("trend", ev.projection_trend, ":")):
            if value is not None and ev.target_year > last_x:
                ax.plot([last_x, ev.target_year], [last_y, value], style, color="#555",
                        label=t[key])
    if ev.target is not None:
        ax.axhline(ev.target, color=WARNING_COLORS["red"], lw=1, label=t["target"])
    ax.axvline(ev.baseline_year, color="#999", lw=0.6)
    ax.set_xlim(min([ev.baseline_year - 1, *[h[0] for h in ev.history]]), ev.target_year + 0.5)
    ax.set_title(f"{ev.name}（{ev.unit}）· {ev.region_name or ev.region}", fontsize=9)
    ax.tick_params(labelsize=7)
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.legend(fontsize=6.5, loc="best")
    ax.grid(alpha=0.3)
    return _png(fig)


def warning_map_png(counties: gpd.GeoDataFrame, evaluations: list[Evaluation], title: str,
                    lang: str = "zh") -> bytes:
    """Return a PNG map of the province by county, coloured by warning level."""
    from matplotlib.patches import Patch

    t = LABELS["en" if lang == "en" else "zh"]
    by_code = {e.region: e for e in evaluations}
    frame = counties.copy()
    frame["color"] = [WARNING_COLORS[by_code[c].warning] if c in by_code else "#eeeeee"
                      for c in frame.XZQDM.astype(str)]
    fig, ax = new_map_figure(4.6, 4.2)
    plot_layers(ax, [MapLayer(frame, color_column="color", edgecolor="#444", linewidth=0.5)])
    labelled = len(by_code) <= MAX_LABELLED
    for geom, code in zip(frame.geometry, frame.XZQDM.astype(str), strict=True):
        if labelled and code in by_code and by_code[code].value is not None:
            p = geom.representative_point()
            ax.annotate(f"{by_code[code].value:,.4g}", (p.x, p.y), fontsize=6, ha="center",
                        va="center", zorder=20)
    ax.margins(0.05)
    ax.set_title(title, fontsize=9)
    handles = [Patch(facecolor=WARNING_COLORS[k], edgecolor="#444", label=t[k])
               for k in ("green", "yellow", "red", "none")]
    ax.legend(handles=handles, fontsize=6.5, loc="lower left")
    return _png(fig)
