"""Static maps (PNG) with matplotlib: land use, control lines, sites; CJK labels.

``plot_layers(ax, layers)`` draws any stack of :class:`MapLayer` on an axes and is
reused by the demo's land-use picture, site-review and case reports.
``render_landuse_map`` makes a complete land-use map with legend, scale bar and
north arrow. Geometries are drawn in their own lon/lat (EPSG:4490) with the
axes aspect set to 1/cos(latitude) so shapes are not stretched.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely

from onemap.standards.colors import color_for, level1_color
from onemap.standards.landuse import land_classes, level1_groups

if TYPE_CHECKING:
    from collections.abc import Sequence

    import geopandas as gpd
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from onemap.store.workspace import Workspace

CJK_FONTS = ["Noto Sans CJK SC", "Noto Sans CJK JP", "Noto Serif CJK SC", "WenQuanYi Zen Hei",
             "SimHei", "Microsoft YaHei", "DejaVu Sans"]


@dataclass
class MapLayer:
    """One layer of a static map and how to draw it.

    Colour comes from ``code_column`` (DLBM codes → national land-use colours;
    ``by_level1`` uses the first-level group colour), else ``color_column`` (hex
    strings per row), else ``facecolor``. ``facecolor='none'`` draws outlines only.
    """

    frame: gpd.GeoDataFrame
    facecolor: str = "none"
    edgecolor: str = "none"
    linewidth: float = 0.0
    alpha: float = 1.0
    code_column: str | None = None
    color_column: str | None = None
    by_level1: bool = False
    hatch: str | None = None
    label: str | None = None
    zorder: int = 1
    marker_size: float = 12.0


def use_cjk_font() -> str:
    """Select the first installed CJK font for matplotlib; return its name."""
    from matplotlib import font_manager, rcParams

    installed = {f.name for f in font_manager.fontManager.ttflist}
    name = next((f for f in CJK_FONTS if f in installed), "DejaVu Sans")
    rcParams["font.family"] = "sans-serif"
    rcParams["font.sans-serif"] = [name, "DejaVu Sans"]
    rcParams["axes.unicode_minus"] = False
    return name


def _colors(layer: MapLayer) -> Any:
    frame = layer.frame
    if layer.code_column is not None:
        codes = frame[layer.code_column].astype(str).to_numpy()
        if layer.by_level1:
            lv = {c: lc.level1 for c, lc in land_classes().items()}
            return [level1_color(lv.get(c, c[:2])) for c in codes]
        return [color_for(c) for c in codes]
    if layer.color_column is not None:
        return list(frame[layer.color_column])
    return layer.facecolor


def plot_layers(ax: Axes, layers: Sequence[MapLayer]) -> list[Any]:
    """Draw ``layers`` in order on ``ax``; return legend handles of labelled layers.

    Polygons become one PolyCollection per layer (fast for 10⁵ polygons), lines
    a LineCollection, points a scatter. The axes aspect is fixed for lon/lat.
    """
    from matplotlib.patches import Patch

    handles: list[Any] = []
    lat_mid = None
    for layer in layers:
        frame = layer.frame
        if frame is None or len(frame) == 0:
            continue
        geoms = frame.geometry.to_numpy()
        kinds = shapely.get_type_id(geoms)
        colors = _colors(layer)
        if np.isin(kinds, [3, 6]).any():
            _draw_polygons(ax, geoms, colors, layer)
        if np.isin(kinds, [1, 2, 5]).any():
            _draw_lines(ax, geoms, layer)
        if np.isin(kinds, [0, 4]).any():
            xy = shapely.get_coordinates(shapely.centroid(geoms[np.isin(kinds, [0, 4])]))
            ax.scatter(xy[:, 0], xy[:, 1], s=layer.marker_size, c=layer.facecolor,
                       edgecolors=layer.edgecolor, linewidths=layer.linewidth or 0.3,
                       zorder=layer.zorder, alpha=layer.alpha)
        b = frame.total_bounds
        lat_mid = (b[1] + b[3]) / 2 if lat_mid is None else lat_mid
        if layer.label:
            handles.append(Patch(facecolor=layer.facecolor, edgecolor=layer.edgecolor,
                                 hatch=layer.hatch, alpha=layer.alpha, label=layer.label))
    if lat_mid is not None:
        ax.set_aspect(1.0 / np.cos(np.radians(lat_mid)))
    ax.autoscale_view()
    return handles


def _polygon_paths(geoms: np.ndarray, colors: Any) -> tuple[list[Any], list[Any]]:
    from matplotlib.path import Path as MplPath

    paths, path_colors = [], []
    per_row = not isinstance(colors, str)
    for i, g in enumerate(geoms):
        if g is None or g.is_empty or g.geom_type not in ("Polygon", "MultiPolygon"):
            continue
        for poly in shapely.get_parts(g):
            rings = [poly.exterior, *poly.interiors]
            verts = np.concatenate([np.asarray(r.coords)[:, :2] for r in rings])
            codes = np.concatenate([
                [MplPath.MOVETO] + [MplPath.LINETO] * (len(r.coords) - 2) + [MplPath.CLOSEPOLY]
                for r in rings])
            paths.append(MplPath(verts, codes))
            path_colors.append(colors[i] if per_row else colors)
    return paths, path_colors


def _draw_polygons(ax: Axes, geoms: np.ndarray, colors: Any, layer: MapLayer) -> None:
    from matplotlib.collections import PathCollection

    paths, fc = _polygon_paths(geoms, colors)
    if not paths:
        return
    coll = PathCollection(paths, facecolors=fc, edgecolors=layer.edgecolor,
                          linewidths=layer.linewidth, alpha=layer.alpha, zorder=layer.zorder,
                          hatch=layer.hatch)
    coll.set_transform(ax.transData)
    ax.add_collection(coll, autolim=True)


def _draw_lines(ax: Axes, geoms: np.ndarray, layer: MapLayer) -> None:
    from matplotlib.collections import LineCollection

    segs = [np.asarray(p.coords)[:, :2] for g in geoms
            for p in shapely.get_parts(g) if p.geom_type in ("LineString", "LinearRing")]
    if segs:
        ax.add_collection(LineCollection(segs, colors=layer.edgecolor,
                                         linewidths=layer.linewidth or 0.8,
                                         zorder=layer.zorder, alpha=layer.alpha))


def landuse_legend_handles(codes: Sequence[str], by_level1: bool = True,
                           lang: str = "zh") -> list[Any]:
    """Return legend patches for the land classes present (first-level groups by default)."""
    from matplotlib.patches import Patch

    classes = land_classes()
    if by_level1:
        groups = level1_groups()
        present = sorted({classes[c].level1 for c in codes if c in classes})
        names = {g: groups[g] for g in present}
        if lang != "zh":
            names = {g: next(lc.name_en for lc in classes.values() if lc.level1 == g)
                     for g in present}
        return [Patch(facecolor=level1_color(g), edgecolor="none", label=f"{g} {names[g]}")
                for g in present]
    present = sorted({c for c in codes if c in classes})
    return [Patch(facecolor=color_for(c), edgecolor="none",
                  label=f"{c} {classes[c].name(lang)}") for c in present]


def add_scale_bar(ax: Axes, km: float | None = None) -> None:
    """Draw a simple scale bar (km) in the lower-left corner of a lon/lat axes."""
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    lat = (y0 + y1) / 2
    km_per_deg = 111.32 * np.cos(np.radians(lat))
    if km is None:
        raw = (x1 - x0) * km_per_deg / 5
        km = float(min((10 ** np.floor(np.log10(raw))) * m for m in (1, 2, 5)
                       if (10 ** np.floor(np.log10(raw))) * m >= raw / 2.5))
    length = km / km_per_deg
    x, y = x0 + 0.05 * (x1 - x0), y0 + 0.05 * (y1 - y0)
    from matplotlib.patches import Rectangle

    # A white card under bar and label: the label sits on the card, never over map features.
    ax.add_patch(Rectangle((x - 0.015 * (x1 - x0), y - 0.02 * (y1 - y0)),
                           length + 0.03 * (x1 - x0), 0.075 * (y1 - y0), facecolor="white",
                           edgecolor="#999999", linewidth=0.5, alpha=0.9, zorder=49))
    ax.plot([x, x + length], [y, y], color="black", lw=2.5, solid_capstyle="butt", zorder=50)
    ax.text(x + length / 2, y + 0.012 * (y1 - y0), f"{km:g} km", ha="center", va="bottom",
            fontsize=8, zorder=51)


def add_north_arrow(ax: Axes) -> None:
    """Draw a north arrow in the upper-right corner."""
    ax.annotate("N", xy=(0.95, 0.95), xytext=(0.95, 0.86), xycoords="axes fraction",
                ha="center", va="center", fontsize=11, fontweight="bold",
                arrowprops={"facecolor": "black", "width": 3, "headwidth": 9}, zorder=50)


def new_map_figure(width_in: float = 9.0, height_in: float = 10.0) -> tuple[Figure, Axes]:
    """Create a figure and axes ready for a map (CJK font, no ticks)."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    use_cjk_font()
    fig, ax = plt.subplots(figsize=(width_in, height_in))
    ax.set_xticks([])
    ax.set_yticks([])
    return fig, ax


def render_landuse_map(
    dltb: gpd.GeoDataFrame,
    path: str | Path,
    *,
    title: str,
    outlines: Sequence[MapLayer] = (),
    code_column: str = "DLBM",
    by_level1: bool = False,
    legend_level1: bool = True,
    subtitle: str | None = None,
    dpi: int = 150,
    lang: str = "zh",
) -> Path:
    """Render a land-use map of ``dltb`` (coloured by DLBM) with outlines, legend, scale bar."""
    import matplotlib.pyplot as plt

    fig, ax = new_map_figure()
    layers = [MapLayer(dltb, code_column=code_column, by_level1=by_level1, zorder=1),
              *outlines]
    extra = plot_layers(ax, layers)
    handles = landuse_legend_handles(list(dltb[code_column].astype(str).unique()),
                                     by_level1=legend_level1, lang=lang)
    many = len(handles) + len(extra) > 14
    ax.legend(handles=handles + extra, fontsize=8, frameon=True,
              title="图例" if lang == "zh" else "Legend", title_fontsize=9,
              **({"loc": "upper left", "bbox_to_anchor": (1.01, 1.0)} if many
                 else {"loc": "lower right"}))
    ax.set_title(title, fontsize=14, pad=16 if subtitle else 6)
    if subtitle:
        ax.text(0.5, 1.005, subtitle, transform=ax.transAxes, ha="center", va="bottom",
                fontsize=8, color="#555555")
    add_scale_bar(ax)
    add_north_arrow(ax)
    for spine in ax.spines.values():
        spine.set_linewidth(0.6)
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=dpi, bbox_inches="tight", metadata={"Software": "onemap"})
    plt.close(fig)
    return out


def county_name(ws: Workspace, code: str) -> str:
    """Return the name (XZQMC) of county ``code`` for map titles; the code when unknown."""
    if not ws.has_layer("admin_county"):
        return code
    frame = ws.read_layer("admin_county", counties=[code], columns=["XZQDM", "XZQMC"])
    names = [str(n) for c, n in zip(frame["XZQDM"].astype(str), frame["XZQMC"], strict=True)
             if c.startswith(code) and isinstance(n, str) and n]
    return names[0] if names else code


def render_workspace_landuse(
    ws: Workspace,
    path: str | Path,
    *,
    vintage: int | None = None,
    title: str = "土地利用现状图",
    subtitle: str | None = None,
    counties: list[str] | None = None,
    by_level1: bool = True,
) -> Path:
    """Render a workspace's DLTB with city and county outlines (and townships for one county).

    ``by_level1`` colours first-level groups (province overviews); otherwise each
    second-level class has its own colour and legend entry (county maps).
    """
    dltb = ws.read_layer("dltb", vintage, counties=counties, columns=["DLBM"])
    outlines = []
    kinds = [("admin_county", "#4d4d4d", 0.25), ("admin_city", "#111111", 0.8)]
    if counties:
        kinds = [("admin_township", "#666666", 0.4), ("admin_county", "#111111", 1.0)]
    for kind, color, width in kinds:
        if ws.has_layer(kind):
            frame = ws.read_layer(kind, counties=counties)
            lines = frame.boundary.to_frame("geometry").set_geometry("geometry")
            outlines.append(MapLayer(lines, edgecolor=color, linewidth=width, zorder=5))
    sub = subtitle if subtitle is not None else f"{len(dltb):,} 图斑"
    return render_landuse_map(dltb, path, title=title, outlines=outlines, by_level1=by_level1,
                              legend_level1=by_level1, subtitle=sub)
