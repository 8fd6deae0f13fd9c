"""The register (登记簿) of a registration unit as HTML/PDF, and every register as XLSX.

Rendered from :class:`onemap.registry.models.Register`; Chinese by default, English with
``lang="en"``. The map shows the unit outline over the DLTB vintage of the register.
"""

from __future__ import annotations

import base64
import io
from pathlib import Path
from typing import TYPE_CHECKING, Any

from onemap.errors import MissingDependency
from onemap.reports.xlsx import XlsxColumn, XlsxSheet, write_xlsx
from onemap.standards.registration import RESOURCE_EN, STAGE_EN

if TYPE_CHECKING:
    from onemap.registry.models import CoverageReport, Register, RegisterBatch
    from onemap.store.workspace import Workspace

LABELS: dict[str, dict[str, str]] = {
    "zh": {"title": "自然资源登记簿", "vintage": "地类图斑年度", "computed": "生成时间",
           "incomplete": "不完整：无权读取的县", "unit": "一、登记单元", "number": "登记单元号",
           "name": "登记单元名称", "type": "登记单元类型", "county": "所在县级行政区",
           "ownership": "所有权性质", "body": "代行主体", "stage": "登记阶段", "area": "面积",
           "natural": "二、自然状况", "resource": "资源类型", "m2": "面积（平方米）",
           "ha": "公顷", "mu": "亩", "state": "其中国有（平方米）",
           "collective": "其中集体（平方米）", "share": "占比", "total": "合计",
           "controls": "三、公共管制", "control": "管制要素", "none": "无",
           "links": "四、关联信息", "mining": "采矿权许可证号", "mine_name": "矿区名称",
           "overlap": "重叠面积（平方米）", "collective_land": "单元内集体土地",
           "map": "五、登记单元图", "footer": "本登记簿由 onemap 国土空间一张图依据地类图斑"
           "与管控线叠加计算生成，面积为 CGCS2000 椭球面积。"},
    "en": {"title": "Natural-resource register", "vintage": "DLTB vintage",
           "computed": "Computed", "incomplete": "incomplete: counties outside your scope",
           "unit": "1. Registration unit", "number": "Unit number", "name": "Name",
           "type": "Type", "county": "County", "ownership": "Ownership",
           "body": "Body exercising ownership", "stage": "Stage", "area": "Area",
           "natural": "2. Natural status", "resource": "Resource", "m2": "Area (m²)",
           "ha": "ha", "mu": "mu", "state": "of which state (m²)",
           "collective": "of which collective (m²)", "share": "Share", "total": "Total",
           "controls": "3. Public controls", "control": "Control line", "none": "none",
           "links": "4. Related information", "mining": "Mining licence", "mine_name": "Mine",
           "overlap": "Overlap (m²)", "collective_land": "Collective land in the unit",
           "map": "5. Map", "footer": "Computed by onemap from the land-use survey and control "
           "lines; areas are ellipsoidal on CGCS2000."},
}
CONTROL_EN = {"pbf": "Permanent basic farmland", "eco_redline": "Ecological red line",
              "udb": "Urban development boundary", "nature_reserve": "Nature reserves"}


def unit_map_png(ws: Workspace, register: Register, outline: Any, *, dpi: int = 120) -> bytes:
    """Draw the unit outline over the DLTB of the register's vintage (PNG bytes)."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import geopandas as gpd
    from matplotlib import pyplot as plt

    from onemap.reports.maps import (
        MapLayer,
        add_north_arrow,
        add_scale_bar,
        plot_layers,
        use_cjk_font,
    )

    use_cjk_font()
    x0, y0, x1, y1 = outline.bounds
    pad = max(x1 - x0, y1 - y0) * 0.08 + 0.0005
    box = (x0 - pad, y0 - pad, x1 + pad, y1 + pad)
    fig, ax = plt.subplots(figsize=(7.0, 5.6))
    layers = []
    if ws.has_layer("dltb", register.vintage):
        dltb = ws.read_layer("dltb", register.vintage, bbox=box, columns=["DLBM", "geometry"])
        layers.append(MapLayer(dltb, code_column="DLBM", edgecolor="#888888", linewidth=0.2))
    layers.append(MapLayer(gpd.GeoDataFrame(geometry=[outline], crs="EPSG:4490"),
                           facecolor="none", edgecolor="#d7301f", linewidth=2.0, zorder=10))
    plot_layers(ax, layers)
    ax.set_xlim(box[0], box[2])
    ax.set_ylim(box[1], box[3])
    ax.set_xticks([])
    ax.set_yticks([])
    add_scale_bar(ax)
    add_north_arrow(ax)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    plt.close(fig)
    return buf.getvalue()


def render_register_html(ws: Workspace, register: Register, outline: Any, *,
                         lang: str = "zh") -> str:
    """Return the 登记簿 as a self-contained HTML page (map inlined as PNG)."""
    from jinja2 import Environment, PackageLoader, select_autoescape

    from onemap.standards.units import convert_area

    env = Environment(loader=PackageLoader("onemap.reports", "templates"),
                      autoescape=select_autoescape(["html", "j2"]))
    zh = lang == "zh"
    total = register.total_m2 or 1.0
    ctx = {
        "t": LABELS[lang], "lang": lang, "r": register, "u": register.unit,
        "stage": register.unit.stage if zh else STAGE_EN[register.unit.stage],
        "fmt": lambda v, d=2: f"{v:,.{d}f}",
        "pct": lambda v: f"{100 * v / total:.2f}%",
        "res": (lambda v: v) if zh else (lambda v: RESOURCE_EN.get(v, v)),
        "ctl": (lambda c: c.control_zh) if zh else (lambda c: CONTROL_EN.get(c.control,
                                                                             c.control)),
        "total_ha": convert_area(register.total_m2, "ha"),
        "total_mu": convert_area(register.total_m2, "mu"),
        "map_png": base64.b64encode(unit_map_png(ws, register, outline)).decode("ascii"),
    }
    return env.get_template("registry.html.j2").render(**ctx)


def render_register_pdf(ws: Workspace, register: Register, outline: Any,
                        path: str | Path | None = None, *, lang: str = "zh") -> bytes:
    """Return the 登记簿 as PDF bytes (WeasyPrint); also written to ``path``."""
    try:
        from weasyprint import HTML
    except ImportError as exc:  # pragma: no cover - weasyprint is a core dependency
        raise MissingDependency(f"PDF registers need weasyprint ({exc})") from None
    pdf: bytes = HTML(string=render_register_html(ws, register, outline, lang=lang)).write_pdf()
    if path is not None:
        Path(path).write_bytes(pdf)
    return pdf


def write_registers_xlsx(path: str | Path, batch: RegisterBatch) -> Path:
    """Every unit (one row each) and every natural-status / control row as XLSX."""
    units, natural, controls = [], [], []
    for reg in batch.registers:
        u = reg.unit
        units.append({**u.model_dump(), "vintage": reg.vintage, "total_m2": reg.total_m2,
                      "collective_m2": reg.collective_m2, "complete": "是" if reg.complete
                      else "否", "mining": ", ".join(m.licence for m in reg.mining_rights)})
        natural += [{"number": u.number, "name": u.name, **n.model_dump()}
                    for n in reg.natural_status]
        controls += [{"number": u.number, "name": u.name, **c.model_dump()}
                     for c in reg.controls]
    m2, ha = "#,##0.00", "#,##0.0000"
    head = [XlsxColumn("登记单元号", "number", width=18), XlsxColumn("登记单元名称", "name",
                                                                       width=24)]
    return write_xlsx(path, [
        XlsxSheet("登记单元", [*head, XlsxColumn("类型", "type_name"),
                               XlsxColumn("所有权性质", "ownership"),
                               XlsxColumn("代行主体", "body", width=22),
                               XlsxColumn("县级行政区", "county"),
                               XlsxColumn("登记阶段", "stage"),
                               XlsxColumn("阶段日期", "stage_date"),
                               XlsxColumn("面积（平方米）", "area_m2", m2),
                               XlsxColumn("面积（公顷）", "area_ha", ha),
                               XlsxColumn("面积（亩）", "area_mu", m2),
                               XlsxColumn("自然状况合计（平方米）", "total_m2", m2),
                               XlsxColumn("集体土地（平方米）", "collective_m2", m2),
                               XlsxColumn("采矿权", "mining", width=30),
                               XlsxColumn("完整", "complete")], units,
                  caption=f"自然资源登记单元（地类图斑 {batch.vintage} 年）"),
        XlsxSheet("自然状况", [*head, XlsxColumn("资源类型", "resource"),
                               XlsxColumn("面积（平方米）", "area_m2", m2),
                               XlsxColumn("公顷", "area_ha", ha), XlsxColumn("亩", "area_mu", m2),
                               XlsxColumn("国有（平方米）", "state_m2", m2),
                               XlsxColumn("集体（平方米）", "collective_m2", m2)], natural),
        XlsxSheet("公共管制", [*head, XlsxColumn("管制要素", "control_zh"),
                               XlsxColumn("面积（平方米）", "area_m2", m2),
                               XlsxColumn("公顷", "area_ha", ha), XlsxColumn("亩", "area_mu", m2),
                               XlsxColumn("占比", "share", "0.00%")], controls),
    ])


def write_coverage_xlsx(path: str | Path, report: CoverageReport) -> Path:
    """登记全覆盖 table: one row per region × resource type, share by stage."""
    from onemap.standards.registration import STAGES

    rows = []
    for r in report.rows:
        row: dict[str, Any] = {"region": r.region, "resource": r.resource,
                               "territory_m2": r.territory_m2, "gap_m2": r.gap_m2}
        for s in STAGES:
            row[s] = r.covered_share[s]
        rows.append(row)
    cols = [XlsxColumn("行政区", "region"), XlsxColumn("资源类型", "resource"),
            XlsxColumn("国土面积（平方米）", "territory_m2", "#,##0.00", 20),
            *[XlsxColumn(f"{s}及以后占比", s, "0.00%") for s in STAGES],
            XlsxColumn("未覆盖（平方米）", "gap_m2", "#,##0.00", 20)]
    return write_xlsx(path, [XlsxSheet("登记覆盖", cols, rows,
                                       caption=f"自然资源登记全覆盖（{report.vintage} 年）")])
