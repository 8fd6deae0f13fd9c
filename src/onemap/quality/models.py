"""Typed inputs and results of quality checks (质检): rules, findings, runs."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

Severity = Literal["error", "warning"]


class Rule(BaseModel):
    """One quality rule: stable code, severity and its name in Chinese and English."""

    code: str
    severity: Severity
    name_zh: str
    name_en: str


RULES: dict[str, Rule] = {r.code: r for r in [
    Rule(code="GEOM_EMPTY", severity="error", name_zh="几何为空", name_en="Empty geometry"),
    Rule(code="GEOM_INVALID", severity="error", name_zh="几何无效", name_en="Invalid geometry"),
    Rule(code="GEOM_NON_AREAL_PARTS", severity="warning", name_zh="几何集合含线/点部分",
         name_en="GeometryCollection with line or point parts (dropped in OGC output)"),
    Rule(code="COVERAGE_OVERLAP", severity="error", name_zh="图斑重叠",
         name_en="Overlap inside the coverage"),
    Rule(code="COVERAGE_GAP", severity="error", name_zh="图斑缝隙",
         name_en="Gap in the coverage of the county"),
    Rule(code="COUNTY_BOUNDARY_MISSING", severity="warning", name_zh="缺少县级行政区边界",
         name_en="County boundary missing (admin_county)"),
    Rule(code="LANDCLASS_UNKNOWN", severity="error", name_zh="地类编码不在三调工作分类中",
         name_en="Unknown land-use code"),
    Rule(code="ATTR_TBDLMJ", severity="error", name_zh="图斑地类面积 ≠ 图斑面积 − 扣除地类面积",
         name_en="TBDLMJ ≠ TBMJ − KCMJ"),
    Rule(code="ATTR_KCMJ", severity="error", name_zh="扣除地类面积 ≠ 图斑面积 × 扣除地类系数",
         name_en="KCMJ ≠ TBMJ × KCXS"),
    Rule(code="ATTR_KC_NONFARM", severity="error", name_zh="非耕地图斑存在扣除地类系数或面积",
         name_en="KCXS/KCMJ not zero outside farmland (01xx)"),
    Rule(code="ATTR_TBMJ_AREA", severity="error", name_zh="图斑面积与椭球面积不符",
         name_en="TBMJ differs from the ellipsoidal area"),
    Rule(code="LOCATION_OUTSIDE_COUNTY", severity="error", name_zh="要素不在其代码所指县内",
         name_en="Feature outside the county its ZLDWDM/XZQDM names"),
    Rule(code="BSM_DUPLICATE", severity="error", name_zh="标识码重复",
         name_en="Duplicate BSM (or feature number)"),
]}


class QcOptions(BaseModel):
    """Tolerances of the checks (documented defaults; the workspace supplies tbmj_tolerance_rel)."""

    sliver_tolerance_m2: float = Field(
        1.0, description="忽略面积小于此值的重叠/缝隙 (m², ellipsoidal)")
    sliver_width_m: float = Field(
        0.1, description="忽略平均宽度 (2×面积/周长) 小于此值的重叠/缝隙 (m): floating-point "
                         "slivers along long shared boundaries are mm–cm wide")
    attribute_tolerance_m2: float = Field(
        0.01, description="面积字段校核容差 (m²): TBMJ, KCMJ, TBDLMJ carry 2 decimals")
    tbmj_tolerance_rel: float = Field(
        1e-4, description="TBMJ 与椭球面积的相对容差 (workspace threshold)")
    wkt_decimals: int = Field(7, description="WKT 坐标小数位 (7 ≈ 1 cm)")


class QcFinding(BaseModel):
    """One problem found by a rule, on a feature or on a derived polygon (overlap, gap)."""

    rule: str = Field(description="规则代码, see RULES")
    severity: Severity
    county: str = Field(description="县级行政区划代码")
    feature_id: str | None = Field(None, description="图斑标识码 BSM (two for an overlap: a|b)")
    message_zh: str
    message_en: str
    area_m2: float | None = Field(None, description="面积 (m², ellipsoidal on CGCS2000)")
    x: float | None = Field(None, description="位置经度 (EPSG:4490)")
    y: float | None = Field(None, description="位置纬度 (EPSG:4490)")
    wkt: str | None = Field(None, description="问题图形 WKT (EPSG:4490), for overlaps and gaps")


class QcRunSummary(BaseModel):
    """One quality-check run: what was checked, by whom, and counts per rule."""

    id: int | None = None
    kind: str
    vintage: int
    actor: str
    started_at: datetime
    finished_at: datetime | None = None
    counties: list[str]
    features: int = Field(description="检查的要素数")
    errors: int = 0
    warnings: int = 0
    counts: dict[str, int] = Field(default_factory=dict, description="findings per rule code")
    options: QcOptions = Field(default_factory=QcOptions)

    @property
    def passed(self) -> bool:
        """True when no error was found (warnings allowed)."""
        return self.errors == 0


class QcReport(BaseModel):
    """A run and its findings: the JSON report, and the source of the HTML/XLSX ones."""

    run: QcRunSummary
    findings: list[QcFinding]
