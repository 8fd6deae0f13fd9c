"""Static site map of a review: land use, control lines, the site, legend, scale bar, north."""

from __future__ import annotations

import io
import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Mapping

    import geopandas as gpd

# Control layers drawn as outlines: kind → (edge colour, line style, hatch, zh, en).
CONTROL_STYLES: dict[str, tuple[str, str, str, str, str]] = {
    "pbf": ("#c9a400", "-", "...", "永久基本农田", "Permanent basic farmland"),
    "eco_redline": ("#e41a1c", "-", "//", "生态保护红线", "Ecological red line"),
    "nature_reserve": ("#1b7837", "-.", "\\\\", "自然保护地", "Nature reserve"),
    "udb": ("#7b3294", "--", "", "城镇开发边界", "Urban development boundary"),
    "hazard_zone": ("#8c510a", ":", "xx", "地质灾害风险区", "Geohazard zone"),
    "hsf": ("#b8860b", "--", "", "高标准农田", "High-standard farmland"),
    "mining_right": ("#4d4d4d", "-.", "", "采矿权", "Mining right"),
    "approval": ("#2166ac", ":", "", "已批建设用地", "Approved land"),
}


def _nice_length(max_m: float) -> float:
    """Return a round scale-bar length (1, 2, 5 × 10^n m) not above ``max_m``."""
    exp = 10 ** math.floor(math.log10(max_m))
    return float(max(m * exp for m in (1, 2, 5) if m * exp <= max_m))


def _scale_bar(ax: object, bounds: tuple[float, float, float, float], lang: str) -> None:
    """Draw a metre/kilometre scale bar in the lower-left corner (lon/lat axes)."""
    minx, miny, maxx, maxy = bounds
    lat = (miny + maxy) / 2
    m_per_deg = 111_320.0 * math.cos(math.radians(lat))
    length_m = _nice_length((maxx - minx) * m_per_deg * 0.3)
    x0 = minx + (maxx - minx) * 0.05
    y0 = miny + (maxy - miny) * 0.05
    dx = length_m / m_per_deg
    ax.plot([x0, x0 + dx], [y0, y0], color="black", lw=3, solid_capstyle="butt")  # type: ignore[attr-defined]
    label = f"{length_m / 1000:g} km" if length_m >= 1000 else f"{length_m:g} m"
    ax.text(x0 + dx / 2, y0 + (maxy - miny) * 0.02, label, ha="center", fontsize=8)  # type: ignore[attr-defined]



def site_map_png(site: gpd.GeoDataFrame, layers: Mapping[str, gpd.GeoDataFrame], *,
                 lang: str = "zh", dpi: int = 150) -> bytes:
    """Render the site over land use and control lines; return PNG bytes.

    Drawing goes through :func:`onemap.reports.maps.plot_layers` (national land-use
    colours by DLBM); this function only chooses the layers, the extent and the legend.
    """
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib import pyplot as plt
    from matplotlib.patches import Patch

    from onemap.reports.maps import (
        MapLayer,
        add_north_arrow,
        landuse_legend_handles,
        plot_layers,
        use_cjk_font,
    )

    use_cjk_font()
    zh = lang == "zh"
    stack: list[MapLayer] = []
    handles: list[Patch] = []
    dltb = layers.get("dltb")
    if dltb is not None and len(dltb):
        stack.append(MapLayer(dltb, code_column="DLBM", edgecolor="#ffffff", linewidth=0.3))
        handles += landuse_legend_handles(list(dltb["DLBM"].astype(str).unique()),
                                          by_level1=False, lang=lang)
    for kind, (edge, style, hatch, name_zh, name_en) in CONTROL_STYLES.items():
        frame = layers.get(kind)
        if frame is not None and len(frame):
            stack.append(MapLayer(frame, edgecolor=edge, linewidth=1.4, hatch=hatch or None,
                                  zorder=5))
            handles.append(Patch(facecolor="none", edgecolor=edge, hatch=hatch or None,
                                 linestyle=style,  # type: ignore[arg-type]
                                 label=name_zh if zh else name_en))
    points = layers.get("hazard_point")
    if points is not None and len(points):
        stack.append(MapLayer(points, facecolor="#d73027", edgecolor="black", linewidth=0.5,
                              marker_size=40, zorder=8))
        handles.append(Patch(facecolor="#d73027",
                             label="地质灾害隐患点" if zh else "Geohazard point"))
    stack.append(MapLayer(site, edgecolor="#0033cc", linewidth=2.4, zorder=10))
    handles.append(Patch(facecolor="none", edgecolor="#0033cc", linewidth=2.4,
                         label="项目用地范围" if zh else "Project site"))
    fig, ax = plt.subplots(figsize=(7.2, 5.6), dpi=dpi)
    plot_layers(ax, stack)
    minx, miny, maxx, maxy = site.total_bounds
    pad = max(maxx - minx, maxy - miny) * 0.3 + 1e-4
    bounds = (minx - pad, miny - pad, maxx + pad, maxy + pad)
    ax.set_xlim(bounds[0], bounds[2])
    ax.set_ylim(bounds[1], bounds[3])
    ax.set_aspect(1 / math.cos(math.radians((miny + maxy) / 2)))
    ax.tick_params(labelsize=7)
    ax.ticklabel_format(useOffset=False, style="plain")
    ax.set_xlabel("经度 (°E, CGCS2000)" if zh else "Longitude (°E, CGCS2000)", fontsize=8)
    ax.set_ylabel("纬度 (°N)" if zh else "Latitude (°N)", fontsize=8)
    _scale_bar(ax, bounds, lang)
    add_north_arrow(ax)
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=7,
              frameon=False, title="图例" if zh else "Legend", title_fontsize=9)
    ax.set_title("项目用地位置及管控要素示意图" if zh else "Site over land use and control lines",
                 fontsize=11)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()
