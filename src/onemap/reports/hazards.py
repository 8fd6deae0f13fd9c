"""The geohazard warning bulletin (地质灾害气象风险预警单) as HTML/PDF, and notice lists (XLSX).

Rendered from :class:`onemap.hazards.models.Bulletin`: a map of warned zones coloured by
level and the warned points, the table of warned points per county with the figures that
made each level, and the rules in force (thresholds per 易发程度, the level matrix, the
intensity–duration check, their sources). Chinese by default.
"""

from __future__ import annotations

import base64
import io
from pathlib import Path
from typing import TYPE_CHECKING, Any

from onemap.errors import MissingDependency
from onemap.hazards.models import LEVEL_COLOUR, LEVEL_ZH, POINT_TYPES, RESPONSE_ZH, Level
from onemap.reports.xlsx import INTEGER_FORMAT, XlsxColumn, XlsxSheet, write_xlsx

if TYPE_CHECKING:
    import geopandas as gpd

    from onemap.hazards.models import BatchDetail, Bulletin


def bulletin_map_png(bulletin: Bulletin, zones: gpd.GeoDataFrame,
                     counties: gpd.GeoDataFrame) -> bytes:
    """Map: county outlines, warned zones filled by level, warned points by level."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    from onemap.reports.maps import add_north_arrow, add_scale_bar, use_cjk_font

    use_cjk_font()
    fig, ax = plt.subplots(figsize=(8.0, 7.0), dpi=110)
    if len(counties):
        counties.boundary.plot(ax=ax, color="#777777", linewidth=0.5)
    levels = {w.id: w.level for b in bulletin.batches for w in b.warnings if w.site == "zone"}
    if len(zones):
        warned = zones[zones["site_id"].isin(list(levels))]
        if len(warned):
            colours = [LEVEL_COLOUR[Level(levels[i])] for i in warned["site_id"]]
            warned.plot(ax=ax, color=colours, edgecolor="#333333", linewidth=0.3)
    for b in bulletin.batches:
        for w in b.warnings:
            if w.site == "point":
                ax.plot(w.lon, w.lat, marker="^", markersize=4, color=LEVEL_COLOUR[w.level],
                        markeredgecolor="#222222", markeredgewidth=0.3)
    handles = [Patch(facecolor=LEVEL_COLOUR[lv], edgecolor="#333333", label=LEVEL_ZH[lv])
               for lv in (Level.RED, Level.ORANGE, Level.YELLOW, Level.BLUE)]
    ax.legend(handles=handles, loc="lower right", title="预警等级", fontsize=8)
    ax.set_aspect("equal")
    ax.set_axis_off()
    add_scale_bar(ax)
    add_north_arrow(ax)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()


def bulletin_context(bulletin: Bulletin) -> dict[str, Any]:
    """Template context: per-county tables of warned points and the rules."""
    counties: list[dict[str, Any]] = []
    total = 0
    for b in bulletin.batches:
        pts = sorted((w for w in b.warnings if w.site == "point"),
                     key=lambda w: (-int(w.level), w.id))
        status = {n.point_id: "、".join(RESPONSE_ZH[r] for r in n.responses) or "未反馈"
                  for n in b.notices}
        counties.append({"batch": b, "name": bulletin.county_names.get(b.county, b.county),
                         "points": pts, "zones": sum(w.site == "zone" for w in b.warnings),
                         "status": status})
        total += len(pts)
    rules = bulletin.rules
    return {"b": bulletin, "counties": counties, "rules": rules, "LEVEL_ZH": LEVEL_ZH,
            "LEVEL_COLOUR": LEVEL_COLOUR, "types": POINT_TYPES, "Level": Level,
            "level_order": [Level.BLUE, Level.YELLOW, Level.ORANGE, Level.RED],
            "total_points": total}


def render_bulletin_html(bulletin: Bulletin, zones: gpd.GeoDataFrame,
                         counties: gpd.GeoDataFrame) -> str:
    """Return the bulletin as one self-contained HTML page (map inlined as PNG)."""
    from jinja2 import Environment, PackageLoader, select_autoescape

    env = Environment(loader=PackageLoader("onemap.reports", "templates"),
                      autoescape=select_autoescape(["html", "j2"]))
    ctx = bulletin_context(bulletin)
    ctx["map_png"] = base64.b64encode(bulletin_map_png(bulletin, zones, counties)).decode()
    return env.get_template("hazard_bulletin.html.j2").render(**ctx)


def render_bulletin_pdf(bulletin: Bulletin, zones: gpd.GeoDataFrame,
                        counties: gpd.GeoDataFrame, path: str | Path | None = None) -> bytes:
    """Return the bulletin as PDF bytes (WeasyPrint); also written to ``path``."""
    try:
        from weasyprint import HTML
    except ImportError as exc:  # pragma: no cover - weasyprint is a core dependency
        raise MissingDependency(f"PDF bulletins need weasyprint ({exc})") from None
    pdf: bytes = HTML(string=render_bulletin_html(bulletin, zones, counties)).write_pdf()
    if path is not None:
        Path(path).write_bytes(pdf)
    return pdf


def write_notices(path: str | Path, batch: BatchDetail) -> Path:
    """Write the notice list of a batch (预警通知清单) with the SMS text and the responses."""
    rows = [{"point": n.point_id, "county": n.county, "level": n.level_zh,
             "responsible": n.responsible, "monitor": n.monitor, "phone": n.phone,
             "people": n.threatened_people,
             "responses": "、".join(RESPONSE_ZH[r] for r in n.responses) or "未反馈",
             "moved": n.people_moved, "sms": n.sms} for n in batch.notices]
    cols = [XlsxColumn("灾害点编号", "point", width=18), XlsxColumn("县级行政区", "county"),
            XlsxColumn("预警等级", "level"), XlsxColumn("责任人", "responsible"),
            XlsxColumn("群测群防员", "monitor"), XlsxColumn("联系电话", "phone"),
            XlsxColumn("威胁人口", "people", INTEGER_FORMAT), XlsxColumn("响应", "responses"),
            XlsxColumn("撤离人数", "moved", INTEGER_FORMAT),
            XlsxColumn("短信文本", "sms", width=80)]
    return write_xlsx(path, [XlsxSheet(title="预警通知", columns=cols, rows=rows,
                                       caption=f"{batch.batch_no} {batch.status_zh}")])
