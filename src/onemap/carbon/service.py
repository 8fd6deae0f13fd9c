"""Carbon accounts service: stock per vintage, change between vintages, restoration projects.

Stocks stream the DLTB county partitions through a kernel (:func:`county_areas`) mapped
by an :mod:`onemap.compute` executor, so peak memory follows the largest county. The
change reads the patches a stored detection batch of the ``change`` capability found
(:func:`onemap.change.service.read_patches`): the vintage diff is never recomputed here.
Access follows the one policy: reading is ``READ`` in each county, downloads ``EXPORT``
(audited ``carbon.export``), posting indicator values ``EDIT``.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import shapely

from onemap.carbon import change as change_ops
from onemap.carbon import projects as project_ops
from onemap.carbon import stock as stock_ops
from onemap.carbon import uncertainty
from onemap.carbon.densities import default_density_table, parse_density_table, with_overrides
from onemap.carbon.errors import CarbonInputMissing, DensityTableError
from onemap.carbon.models import (
    CarbonMap,
    ChangeResult,
    DensityTable,
    ProjectList,
    StockResult,
)
from onemap.change.service import get_batch, list_batches, read_patches
from onemap.errors import InvalidInput
from onemap.geometry.area import ellipsoidal_area
from onemap.store.policy import Action

if TYPE_CHECKING:
    from onemap.store.access import Actor
    from onemap.store.workspace import Workspace

WHAT = "carbon accounts"
PROJECTS = "restoration_project"
MINES = "abandoned_mine"
MINE_ID_COLUMNS = ("FQKSBH", "KSBH", "BSM", "id")


def load_table(densities: str | Path | None = None,
               overrides: str | Path | None = None) -> DensityTable:
    """Return the density table in ``densities`` (default: the packaged one) + overrides."""
    def read(path: str | Path) -> DensityTable:
        try:
            text = Path(path).read_text(encoding="utf-8-sig")
        except OSError as exc:
            raise DensityTableError(f"cannot read density table: {exc}", path=str(path)) from None
        return parse_density_table(text, path=str(path))

    table = read(densities) if densities else default_density_table()
    if overrides:
        table = with_overrides(table, read(overrides), name=Path(overrides).name)
    return table


@dataclass(frozen=True)
class CountyAreaJob:
    """One county partition to sum (picklable)."""

    county: str
    path: str
    forest_type_column: str = ""


def county_areas(job: CountyAreaJob) -> pd.DataFrame:
    """Kernel: areas by (county, class, forest type) of one DLTB partition file."""
    names = pq.read_schema(job.path).names
    cols = ["DLBM", "geometry"]
    if job.forest_type_column and job.forest_type_column in names:
        cols.append(job.forest_type_column)
    frame = pq.read_table(job.path, columns=cols).to_pandas()
    geoms = shapely.from_wkb(frame["geometry"].to_numpy())
    forest = frame[job.forest_type_column].to_numpy() if len(cols) == 3 else None
    return stock_ops.class_areas(np.full(len(frame), job.county), frame["DLBM"].to_numpy(),
                                 ellipsoidal_area(geoms), forest)


def _run(jobs: list[CountyAreaJob], workers: int) -> list[pd.DataFrame]:
    from onemap.compute import get_executor

    if workers <= 1 or len(jobs) <= 1:
        return [county_areas(j) for j in jobs]
    with get_executor("processes", workers=workers) as executor:
        return list(executor.map(county_areas, jobs))


def _vintage_counties(ws: Workspace, actor: Actor, vintage: int,
                      counties: list[str] | None) -> list[str]:
    if vintage not in ws.vintages("dltb"):
        raise CarbonInputMissing(f"no DLTB vintage {vintage} in the workspace",
                                 user_message=f"工作空间中没有 {vintage} 年度地类图斑")
    present = {p.county for p in ws.partitions("dltb", vintage)}
    if counties:
        for c in counties:
            ws.authorize(actor, Action.READ, c, what=WHAT)
        return sorted(set(counties) & present)
    return sorted(c for c in present if ws.allows(actor, Action.READ, c))


def county_names(ws: Workspace) -> dict[str, str]:
    """County code → name from the admin_county layer ('' when there is none)."""
    if not ws.has_layer("admin_county"):
        return {}
    frame = ws.read_layer("admin_county", columns=["XZQDM", "XZQMC"])
    return {str(c)[:6]: str(n) for c, n in zip(frame["XZQDM"], frame["XZQMC"], strict=True)}


def stock_table(ws: Workspace, vintage: int, counties: list[str], table: DensityTable,
                workers: int = 1) -> pd.DataFrame:
    """Return the :func:`~onemap.carbon.stock.pool_stocks` table of authorised ``counties``."""
    parts = ws.partitions("dltb", vintage, counties=counties)
    jobs = [CountyAreaJob(p.county, str(ws.root / p.path), table.forest_type_column)
            for p in parts]
    return stock_ops.pool_stocks(stock_ops.merge_areas(_run(jobs, workers)), table)


def carbon_stock(ws: Workspace, actor: Actor, vintage: int, *,
                 table: DensityTable | None = None, counties: list[str] | None = None,
                 draws: int = 0, seed: int = uncertainty.DEFAULT_SEED,
                 workers: int = 1) -> StockResult:
    """Carbon stock (碳储量) of a DLTB vintage per county and in total, t C and t CO₂e.

    Counties default to every county the actor may read; ``draws`` > 0 adds a seeded
    Monte Carlo range of the total from the density ranges.
    """
    ws.authorize(actor, Action.READ, what=WHAT)
    table = table or default_density_table()
    todo = _vintage_counties(ws, actor, vintage, counties)
    stocks = stock_table(ws, vintage, todo, table, workers)
    names = county_names(ws)
    result = StockResult(
        vintage=vintage, table=table.stamp,
        counties=stock_ops.county_rows(stocks, vintage, names),
        total=stock_ops.stock_row(ws.root_region, "合计", vintage, stocks),
        by_class=stock_ops.class_rows(stocks))
    if draws > 0:
        samples = uncertainty.sample_densities(table, draws, seed)
        weights = stock_ops.entry_areas(stocks, len(table.entries))
        result.uncertainty = uncertainty.total_range(weights, samples, seed)
    return result


def _find_batch(ws: Workspace, actor: Actor, from_year: int, to_year: int,
                batch_id: int | None) -> int:
    if batch_id is not None:
        batch = get_batch(ws, actor, batch_id)
        if (batch.from_year, batch.to_year) != (from_year, to_year):
            raise CarbonInputMissing(f"batch {batch_id} compares {batch.from_year}→"
                                     f"{batch.to_year}, not {from_year}→{to_year}")
        return batch_id
    for b in list_batches(ws, actor):  # newest first
        if b.source == "dltb_diff" and (b.from_year, b.to_year) == (from_year, to_year):
            return b.id
    raise CarbonInputMissing(
        f"no change-detection batch {from_year}→{to_year}: run `onemap change` first",
        user_message=f"尚无 {from_year}→{to_year} 变化检测批次，请先运行变化检测")


def carbon_change(ws: Workspace, actor: Actor, from_year: int, to_year: int, *,
                  batch_id: int | None = None, table: DensityTable | None = None,
                  draws: int = 0, seed: int = uncertainty.DEFAULT_SEED,
                  workers: int = 1) -> ChangeResult:
    """Stock change between two vintages (碳储量变化), attributed to the batch's conversions.

    Uses the newest stored ``dltb_diff`` batch comparing the two vintages unless
    ``batch_id`` names one; its counties the actor may read are accounted.
    """
    ws.authorize(actor, Action.READ, what=WHAT)
    table = table or default_density_table()
    bid = _find_batch(ws, actor, from_year, to_year, batch_id)
    batch = get_batch(ws, actor, bid)  # scoped: the actor's counties of the batch
    patches = read_patches(ws, actor, bid)
    conv = change_ops.conversions(pd.DataFrame({
        "county": patches["county"].astype(str), "from_code": patches["from_code"].astype(str),
        "to_code": patches["to_code"].astype(str),
        "area_m2": patches["area_m2"].astype(float)}), table)
    counties = sorted(batch.counties)
    have = {y: {p.county for p in ws.partitions("dltb", y)} for y in (from_year, to_year)}
    s_from = stock_table(ws, from_year, [c for c in counties if c in have[from_year]], table,
                         workers)
    s_to = stock_table(ws, to_year, [c for c in counties if c in have[to_year]], table, workers)
    names = county_names(ws)

    def total(stocks: pd.DataFrame, county: str | None = None) -> float:
        part = stocks if county is None else stocks[stocks["county"] == county]
        return float(part["total"].sum())

    rows = [change_ops.county_change(c, names.get(c, ""), total(s_from, c), total(s_to, c),
                                     conv[conv["county"] == c]) for c in counties]
    result = ChangeResult(
        from_year=from_year, to_year=to_year, batch_id=bid, table=table.stamp, counties=rows,
        total=change_ops.county_change(ws.root_region, "合计", total(s_from), total(s_to), conv),
        by_group=change_ops.group_rows(conv), matrix=change_ops.conversion_rows(conv),
        construction_loss_share=change_ops.construction_loss_share(conv))
    if draws > 0:
        samples = uncertainty.sample_densities(table, draws, seed)
        n = len(table.entries)
        weights = stock_ops.entry_areas(s_to, n) - stock_ops.entry_areas(s_from, n)
        result.uncertainty = uncertainty.total_range(weights, samples, seed)
    return result


def export_stock(ws: Workspace, actor: Actor, vintage: int, **kw: object) -> StockResult:
    """:func:`carbon_stock` for a download (``EXPORT``, audited ``carbon.export``)."""
    ws.authorize(actor, Action.EXPORT, what=WHAT)
    result = carbon_stock(ws, actor, vintage, **kw)  # type: ignore[arg-type]
    ws.audit(actor.username, "carbon.export", f"stock/{vintage}",
             {"counties": [r.region for r in result.counties], "table": result.table.version})
    return result


def export_change(ws: Workspace, actor: Actor, from_year: int, to_year: int,
                  **kw: object) -> ChangeResult:
    """:func:`carbon_change` for a download (``EXPORT``, audited ``carbon.export``)."""
    ws.authorize(actor, Action.EXPORT, what=WHAT)
    result = carbon_change(ws, actor, from_year, to_year, **kw)  # type: ignore[arg-type]
    ws.audit(actor.username, "carbon.export", f"change/{from_year}-{to_year}",
             {"batch": result.batch_id, "counties": [r.region for r in result.counties]})
    return result


def post_indicators(ws: Workspace, actor: Actor, stocks: list[StockResult]) -> int:
    """Record stock and change (万吨碳) per county and in total as indicator statistics.

    The seam to the annual indicators report: values go in as the statistics inputs
    ``carbon_stock`` and ``carbon_change`` through
    :func:`onemap.indicators.statistics.import_statistics` (``EDIT``, all or nothing,
    audited), and the report's carbon section reads them back with their trend.
    """
    from onemap.indicators.statistics import import_statistics

    ordered = sorted(stocks, key=lambda s: s.vintage)
    rows: list[tuple[str, str, int, float]] = []
    for i, s in enumerate(ordered):
        regions = {r.region: r.total_tc for r in s.counties} | {s.total.region: s.total.total_tc}
        rows += [("carbon_stock", k, s.vintage, v / 1e4) for k, v in regions.items()]
        if i:
            before = {r.region: r.total_tc for r in ordered[i - 1].counties} | {
                ordered[i - 1].total.region: ordered[i - 1].total.total_tc}
            rows += [("carbon_change", k, s.vintage, (v - before[k]) / 1e4)
                     for k, v in regions.items() if k in before]
    with tempfile.TemporaryDirectory(prefix="onemap-carbon-") as tmp:
        path = Path(tmp) / f"carbon-{ordered[-1].table.name}-{ordered[-1].table.version}.csv"
        pd.DataFrame(rows, columns=["id", "region", "year", "value"]).to_csv(path, index=False)
        result = import_statistics(ws, path, actor=actor, entered_by="onemap carbon")
    return result.added


# -- restoration projects ------------------------------------------------------------------------
def _mine_ids(ws: Workspace) -> set[str] | None:
    if not ws.has_layer(MINES):
        return None
    frame = ws.read_layer(MINES)
    col = next((c for c in MINE_ID_COLUMNS if c in frame.columns), None)
    return set(frame[col].astype(str)) if col else set()


def _baseline_vintage(vintages: list[int], start: int) -> int | None:
    before = [v for v in vintages if v < start]
    return before[-1] if before else (vintages[0] if vintages else None)


def _check_vintage(vintages: list[int], end: int) -> int | None:
    after = [v for v in vintages if v >= end]
    return after[0] if after else None


def _compositions(ws: Workspace, county: str, projects: pd.DataFrame,
                  wanted: dict[str, int | None]) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    for vintage in sorted({v for v in wanted.values() if v is not None}):
        part = projects[[wanted[str(p)] == vintage for p in projects["XMBH"]]]
        bbox = tuple(float(x) for x in part.total_bounds)
        dltb = ws.read_layer("dltb", vintage, counties=[county], bbox=bbox,  # type: ignore[arg-type]
                             columns=["DLBM"])
        out |= project_ops.compositions(dltb, part)
    return out


def list_projects(ws: Workspace, actor: Actor, *, table: DensityTable | None = None,
                  rank_by: str = "gain_per_wan", min_share: float = 0.8,
                  county: str | None = None) -> ProjectList:
    """List the ranked restoration project library (生态保护修复项目储备库) of the actor's counties.

    Each project's baseline is the DLTB vintage before its start year, its realised
    outcome the first vintage at or after its end year (overlay with ellipsoidal areas).
    """
    ws.authorize(actor, Action.READ, what="restoration projects")
    if rank_by not in project_ops.RANKINGS:
        raise InvalidInput(f"rank_by must be one of {', '.join(project_ops.RANKINGS)}")
    table = table or default_density_table()
    items = []
    if ws.has_layer(PROJECTS):
        if county:
            ws.authorize(actor, Action.READ, county, what="restoration projects")
        mines = _mine_ids(ws)
        vintages = ws.vintages("dltb")
        for part in ws.partitions(PROJECTS):
            if (county and part.county != county) or not ws.allows(actor, Action.READ,
                                                                    part.county):
                continue
            frame = ws.read_partition(part).reset_index(drop=True)
            frame["XMBH"] = frame["XMBH"].astype(str)
            base_v = {str(r.XMBH): _baseline_vintage(vintages, int(r.KSNF))
                      for r in frame.itertuples()}
            check_v = {str(r.XMBH): _check_vintage(vintages, int(r.JSNF))
                       for r in frame.itertuples()}
            items += project_ops.project_outcomes(
                frame, _compositions(ws, part.county, frame, base_v),
                _compositions(ws, part.county, frame, check_v), table,
                baseline_vintage=base_v, check_vintage=check_v, mines=mines,
                min_share=min_share)
    ranked = project_ops.rank_projects(items, rank_by)
    return ProjectList(table=table.stamp, rank_by=rank_by, projects=ranked,
                       total_budget_wan=float(sum(p.budget_wan for p in ranked)),
                       expected_gain_tc=float(sum(p.expected_gain_tc for p in ranked)),
                       realised_gain_tc=float(sum(p.realised_gain_tc or 0.0 for p in ranked)))


def export_projects(ws: Workspace, actor: Actor, **kw: object) -> ProjectList:
    """:func:`list_projects` for a download (``EXPORT``, audited ``carbon.export``)."""
    ws.authorize(actor, Action.EXPORT, what="restoration projects")
    listing = list_projects(ws, actor, **kw)  # type: ignore[arg-type]
    ws.audit(actor.username, "carbon.export", "projects",
             {"projects": [p.id for p in listing.projects]})
    return listing


def carbon_map(ws: Workspace, actor: Actor, vintage: int, *, from_year: int | None = None,
               table: DensityTable | None = None, tolerance_deg: float = 0.002) -> CarbonMap:
    """County choropleth of the stock (t C/ha) and, with ``from_year``, its change.

    Geometry comes from the admin_county layer, simplified by ``tolerance_deg``; only the
    counties the actor may read are in it.
    """
    table = table or default_density_table()
    stock = carbon_stock(ws, actor, vintage, table=table)
    before = (carbon_stock(ws, actor, from_year, table=table,
                           counties=[r.region for r in stock.counties])
              if from_year is not None and from_year in ws.vintages("dltb") else None)
    prior = {r.region: r.total_tc for r in before.counties} if before else {}
    geoms: dict[str, object] = {}
    if ws.has_layer("admin_county"):
        frame = ws.read_layer("admin_county", columns=["XZQDM"])
        simple = shapely.simplify(frame.geometry.to_numpy(), tolerance_deg,
                                  preserve_topology=True)
        geoms = {str(c)[:6]: json.loads(g)
                 for c, g in zip(frame["XZQDM"], shapely.to_geojson(simple), strict=True)}
    features = []
    for r in stock.counties:
        change = r.total_tc - prior[r.region] if r.region in prior else None
        features.append({"type": "Feature", "id": r.region, "geometry": geoms.get(r.region),
                         "properties": {
                             "county": r.region, "name": r.name,
                             "density_tc_per_ha": r.density_tc_per_ha, "total_tc": r.total_tc,
                             "area_ha": r.area_ha, "change_tc": change,
                             "change_tc_per_ha": change / r.area_ha
                             if change is not None and r.area_ha else None}})
    return CarbonMap(vintage=vintage, from_year=from_year if before else None,
                     table=table.stamp, features=features)


def density_table(ws: Workspace, actor: Actor) -> DensityTable:
    """Return the packaged density table with the source of every number (``READ``)."""
    ws.authorize(actor, Action.READ, what=WHAT)
    return default_density_table()
