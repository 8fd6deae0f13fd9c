"""Typed inputs and results of the carbon accounts (碳储量核算), the only schemas.

Stocks are t C (吨碳) and t CO₂e (× 44/12); densities t C/ha; areas m² on the CGCS2000
ellipsoid with 公顷 and 亩. Every result carries the density table's name, version and
checksum (:class:`TableStamp`).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

Pool = Literal["agb", "bgb", "soil", "dom"]
POOLS: tuple[Pool, ...] = ("agb", "bgb", "soil", "dom")
POOL_NAMES_ZH = {"agb": "地上生物量", "bgb": "地下生物量", "soil": "土壤有机碳", "dom": "死有机质"}
CO2_PER_C = 44.0 / 12.0


class DensityEntry(BaseModel):
    """One number of the density table: a pool of a group of land classes, with its source."""

    codes: list[str] = Field(description="三调 second-level codes (地类编码) it covers")
    pool: Pool
    tc_per_ha: float = Field(ge=0, description="carbon density, t C/ha")
    low: float = Field(ge=0, description="low end of the uncertainty range, t C/ha")
    high: float = Field(ge=0, description="high end of the uncertainty range, t C/ha")
    source: str = Field(min_length=1, description="文献出处: document, table")
    scope: str = Field("", description="'' default; 'county:360722'; 'forest_type:杉木'")
    line: int = Field(0, description="line of the table file")


class TableStamp(BaseModel):
    """Which density table an output was computed with (stamped on every output)."""

    name: str
    version: str
    checksum: str = Field(description="SHA-256 of the table text (and of the overrides)")
    overrides: str = Field("", description="file name of the overrides applied, if any")


class DensityTable(BaseModel):
    """A parsed carbon density table (碳密度表): defaults plus county / forest-type overrides."""

    stamp: TableStamp
    title: str = ""
    forest_type_column: str = Field("", description="DLTB column holding the forest type "
                                                    "(优势树种) for forest-type overrides")
    entries: list[DensityEntry]


class StockRow(BaseModel):
    """Carbon stock of one county (or the province) in one vintage."""

    region: str = Field(description="6-digit county code, or the root region for the total")
    name: str = ""
    vintage: int
    area_m2: float
    area_ha: float
    area_mu: float
    pools_tc: dict[str, float] = Field(description="pool → t C")
    total_tc: float = Field(description="Σ pools, t C")
    total_tco2e: float = Field(description="t CO₂e (× 44/12)")
    density_tc_per_ha: float = Field(description="mean density, t C/ha")


class ClassStock(BaseModel):
    """Carbon stock of one land class over the counties in scope."""

    code: str
    name: str
    area_ha: float
    total_tc: float
    density_tc_per_ha: float


class StockResult(BaseModel):
    """What :func:`onemap.carbon.service.carbon_stock` returns."""

    vintage: int
    table: TableStamp
    counties: list[StockRow]
    total: StockRow
    by_class: list[ClassStock]
    uncertainty: Uncertainty | None = None


class Uncertainty(BaseModel):
    """A Monte Carlo range of a total (t C) from the density ranges (seeded)."""

    draws: int
    seed: int
    p05_tc: float
    p50_tc: float
    p95_tc: float
    mean_tc: float


class StockSeries(BaseModel):
    """Stocks of several vintages (the CLI's ``--json`` for more than one ``--vintage``)."""

    results: list[StockResult]


class ConversionRow(BaseModel):
    """Stock change of one conversion (转换类型) in one county, e.g. 林地→建设用地."""

    county: str
    from_code: str
    to_code: str
    from_group: str
    to_group: str
    area_m2: float
    area_ha: float
    patches: int
    change_tc: float = Field(description="area × (density(to) − density(from)), t C")
    change_tco2e: float


class GroupChange(BaseModel):
    """Stock change summed by conversion type between class groups (林地→建设用地 …)."""

    from_group: str
    to_group: str
    area_ha: float
    change_tc: float
    change_tco2e: float


class CountyChange(BaseModel):
    """Net change of one county (or the province): stock(to) − stock(from) and its parts."""

    region: str
    name: str = ""
    stock_from_tc: float
    stock_to_tc: float
    net_tc: float = Field(description="stock(to) − stock(from), t C")
    net_tco2e: float
    gains_tc: float = Field(description="Σ positive conversions, t C")
    losses_tc: float = Field(description="Σ negative conversions (≤ 0), t C")
    attributed_tc: float = Field(description="gains + losses: change explained by the patches")
    residual_tc: float = Field(description="net − attributed: changes below the minimum "
                                           "mapping unit (slivers) and boundary noise")


class ChangeResult(BaseModel):
    """What :func:`onemap.carbon.service.carbon_change` returns."""

    from_year: int
    to_year: int
    batch_id: int = Field(description="the change-detection batch whose patches are used")
    table: TableStamp
    counties: list[CountyChange]
    total: CountyChange
    by_group: list[GroupChange]
    matrix: list[ConversionRow]
    construction_loss_share: float = Field(
        description="share of the losses caused by conversion to 建设用地 (0..1)")
    uncertainty: Uncertainty | None = Field(None, description="Monte Carlo range of the net "
                                                              "change (province)")


class ProjectOutcome(BaseModel):
    """A restoration project (生态保护修复项目) with its expected and realised outcome."""

    id: str = Field(description="项目编号 XMBH")
    name: str
    type: str = Field(description="项目类型: 矿山修复 / 土地整治 / 湿地修复 / 水土流失治理 …")
    county: str
    budget_wan: float = Field(description="投资 (万元)")
    start_year: int
    end_year: int
    area_m2: float
    area_ha: float
    area_mu: float
    expected_code: str = Field(description="预期地类")
    baseline: dict[str, float] = Field(description="class → m² before the project")
    baseline_vintage: int | None
    expected_gain_tc: float = Field(description="expected carbon gain, t C")
    check_vintage: int | None = Field(description="the DLTB vintage checked (None: not yet)")
    realised: dict[str, float] = Field(default_factory=dict, description="class → m² after")
    realised_share: float | None = Field(None, description="share of the area in the "
                                                           "expected class after")
    realised_gain_tc: float | None = None
    status: str = Field(description="达成 / 部分达成 / 未达成 / 待核验")
    abandoned_mine_id: str = ""
    mine_link: str = Field("", description="'' none; found; missing; no register")
    gain_per_wan_tc: float = Field(description="expected t C per 万元")
    rank: int = 0


class ProjectList(BaseModel):
    """The ranked project listing (生态保护修复项目储备库)."""

    table: TableStamp
    rank_by: str
    projects: list[ProjectOutcome]
    total_budget_wan: float
    expected_gain_tc: float
    realised_gain_tc: float


StockResult.model_rebuild()
StockSeries.model_rebuild()


class CarbonMap(BaseModel):
    """County choropleth (GeoJSON FeatureCollection): t C/ha and change per county."""

    type: Literal["FeatureCollection"] = "FeatureCollection"
    vintage: int
    from_year: int | None = None
    table: TableStamp
    features: list[dict[str, object]] = Field(
        description="one Feature per county in scope: properties county, name, "
                    "density_tc_per_ha, total_tc, change_tc, change_tc_per_ha")
