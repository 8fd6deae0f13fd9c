"""Static site map of a review: land use, control lines, the site, legend, scale bar, north."""

from __future__ import annotations

import io
import math
from collections.abc import Mapping
from functools import lru_cache

import geopandas as gpd

from onemap.standards.landuse import get_land_class, is_known_code

# First-level land-use colours (approximating the 三调 symbol set).
LEVEL1_COLOURS: dict[str, str] = {
    "00": "#8fd3d0", "01": "#f4e98c", "02": "#e8bf9c", "03": "#6fb36f", "04": "#bfe39a",
    "05": "#e5836f", "06": "#c79b9b", "07": "#f0a8a8", "08": "#f3a6cb", "09": "#a9a9a9",
    "10": "#bdbdbd", "11": "#86bdf0", "12": "#dcdcdc",
}
# Second-level colours that override the first-level ones (耕地 split 水田 / 水浇地 / 旱地).
CLASS_COLOURS: dict[str, str] = {"0101": "#e3cf3c", "0102": "#f0e68a", "0103": "#f8f1c6",
                                 "1203": "#d9c98f"}
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
FONT_FAMILIES = ["Noto Sans CJK SC", "Noto Sans CJK JP", "Noto Serif CJK SC", "DejaVu Sans"]


@lru_cache(maxsize=1)
def _font_family() -> list[str]:
    from matplotlib import font_manager

    names = {f.name for f in font_manager.fontManager.ttflist}
    return [f for f in FONT_FAMILIES if f in names] or ["DejaVu Sans"]


def _nice_length(max_m: float) -> float:
    """Return a round scale-bar length (1, 2, 5 × 10^n m) not above ``max_m``."""
    exp = 10 ** math.floor(math.log10(max_m))
    return float(max(m * exp for m in (1, 2, 5) if m * exp <= max_m))


def _landuse_colour(code: str) -> str:
    if code in CLASS_COLOURS:
        return CLASS_COLOURS[code]
    level1 = get_land_class(code).level1 if is_known_code(code) else "12"
    return LEVEL1_COLOURS.get(level1, "#dcdcdc")


def _scale_bar(ax: object, bounds: tuple[float, float, float, float], lang: str) -> None:
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
    ax.annotate("N" if lang == "en" else "北", xy=(maxx - (maxx - minx) * 0.05,  # type: ignore[attr-defined]
                maxy - (maxy - miny) * 0.05), xytext=(maxx - (maxx - minx) * 0.05,
                maxy - (maxy - miny) * 0.16), ha="center", fontsize=10,
                arrowprops={"arrowstyle": "-|>", "color": "black"})


def site_map_png(site: gpd.GeoDataFrame, layers: Mapping[str, gpd.GeoDataFrame], *,
                 lang: str = "zh", dpi: int = 150) -> bytes:
    """Render the site over land use and control lines; return PNG bytes.

    Uses ``onemap.reports.maps.plot_layers`` for the land-use base when it exists.
    """
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt
    from matplotlib.patches import Patch

    with plt.rc_context({"font.family": _font_family(), "axes.unicode_minus": False}):
        fig, ax = plt.subplots(figsize=(7.2, 5.6), dpi=dpi)
        minx, miny, maxx, maxy = site.total_bounds
        pad = max(maxx - minx, maxy - miny) * 0.3 + 1e-4
        bounds = (minx - pad, miny - pad, maxx + pad, maxy + pad)
        handles: list[Patch] = []
        dltb = layers.get("dltb")
        if dltb is not None and len(dltb):
            codes = dltb["DLBM"].astype(str).str.strip()
            colours = codes.map(_landuse_colour)
            dltb.plot(ax=ax, color=colours.tolist(), edgecolor="#ffffff", linewidth=0.3)
            for code in sorted(set(codes)):
                if is_known_code(code):
                    lc = get_land_class(code)
                    handles.append(Patch(facecolor=_landuse_colour(code), edgecolor="#999999",
                                         label=f"{code} {lc.name(lang)}"))
        for kind, (edge, style, hatch, zh, en) in CONTROL_STYLES.items():
            frame = layers.get(kind)
            if frame is None or not len(frame):
                continue
            frame.plot(ax=ax, facecolor="none", edgecolor=edge, linestyle=style, linewidth=1.4,
                       hatch=hatch)
            handles.append(Patch(facecolor="none", edgecolor=edge, linestyle=style,  # type: ignore[arg-type]
                                 hatch=hatch,
                                 label=zh if lang == "zh" else en))
        points = layers.get("hazard_point")
        if points is not None and len(points):
            points.plot(ax=ax, color="#d73027", marker="^", markersize=40)
            handles.append(Patch(facecolor="#d73027",
                                 label="地质灾害隐患点" if lang == "zh" else "Geohazard point"))
        site.boundary.plot(ax=ax, color="#0033cc", linewidth=2.4)
        handles.append(Patch(facecolor="none", edgecolor="#0033cc", linewidth=2.4,
                             label="项目用地范围" if lang == "zh" else "Project site"))
        ax.set_xlim(bounds[0], bounds[2])
        ax.set_ylim(bounds[1], bounds[3])
        ax.set_aspect(1 / math.cos(math.radians((miny + maxy) / 2)))
        ax.tick_params(labelsize=7)
        ax.ticklabel_format(useOffset=False, style="plain")
        ax.set_xlabel("经度 (°E, CGCS2000)" if lang == "zh" else "Longitude (°E, CGCS2000)",
                      fontsize=8)
        ax.set_ylabel("纬度 (°N)" if lang == "zh" else "Latitude (°N)", fontsize=8)
        _scale_bar(ax, bounds, lang)
        ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=7,
                  frameon=False, title="图例" if lang == "zh" else "Legend", title_fontsize=9)
        ax.set_title("项目用地位置及管控要素示意图" if lang == "zh" else
                     "Site over land use and control lines", fontsize=11)
        buf = io.BytesIO()
        fig.savefig(buf, format="png", bbox_inches="tight")
        plt.close(fig)
    return buf.getvalue()
