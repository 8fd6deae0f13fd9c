"""Spatial indicators from workspace layers: one read per county partition, any executor.

All indicators that read the same layer vintage are computed in one pass over its
county partitions: a :class:`CountyJob` carries the file paths and the list of
(method, classes) tasks, :func:`county_kernel` reads the partition once (the
previous vintage too when a change indicator needs it) and returns one area per
task. Results are reduced to cities and the province and converted to units.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pyarrow.parquet as pq
import shapely

from onemap.indicators import compute as k
from onemap.indicators.models import Indicator, IndicatorValue, LayerRef, ValueSource
from onemap.indicators.records import Key

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping

    import numpy as np
    import pandas as pd

    from onemap.compute.base import Executor
    from onemap.store.workspace import Workspace

Item = tuple[Key, float | None, ValueSource]
DLTB_COLUMNS = ["DLBM", "TBMJ", "KCMJ", "TBDLMJ"]
Task = tuple[str, tuple[str, ...]]


@dataclass(frozen=True)
class CountyJob:
    """One county partition and the tasks computed from it (picklable)."""

    county: str
    path: str
    prev_path: str
    tasks: tuple[Task, ...]


def read_columns(path: str, columns: list[str], geometry: bool) -> tuple[pd.DataFrame,
                                                                          np.ndarray | None]:
    """Read attribute columns (those present) and optionally the WKB geometries of a file.

    Plain Arrow reads: for small county files this avoids most of the per-file cost
    of a full GeoDataFrame read.
    """
    names = pq.read_schema(path).names
    wanted = [c for c in columns if c in names]
    table = pq.read_table(path, columns=[*wanted, "geometry"] if geometry else wanted)
    geoms = None
    if geometry:
        geoms = shapely.from_wkb(table.column("geometry").to_numpy(zero_copy_only=False))
        table = table.drop(["geometry"])
    return table.to_pandas(), geoms


def county_kernel(job: CountyJob) -> list[float]:
    """Return one area in m² per task of ``job`` (NaN where an input is missing)."""
    methods = {m for m, _ in job.tasks}
    frame, geoms = read_columns(job.path, DLTB_COLUMNS,
                                bool(methods & {"layer_area", "class_change"}))
    prev = None
    if "class_change" in methods and job.prev_path:
        prev = read_columns(job.prev_path, ["DLBM"], True)
    out = []
    for method, classes in job.tasks:
        if method in ("class_area", "intensity_decline"):
            out.append(k.class_area_m2(frame, classes))
        elif method == "layer_area":
            out.append(k.polygon_area_m2(geoms if geoms is not None else []))
        elif prev is None or prev[1] is None or geoms is None:
            out.append(math.nan)
        else:
            out.append(k.class_change_m2(prev[1], prev[0].DLBM, geoms, frame.DLBM, classes))
    return out


def spatial_years(ws: Workspace, ind: Indicator) -> list[int]:
    """Return the years a spatial indicator can be computed for from the layers held."""
    vintages = ws.vintages(ind.computation.layers[0])
    if ind.computation.method == "class_change":
        return vintages[1:]
    return vintages


def _ref(ws: Workspace, kind: str, vintage: int) -> LayerRef:
    return LayerRef(kind=kind, vintage=vintage, revision=ws.layer(kind, vintage).revision)


def layer_amounts(ws: Workspace, kind: str, year: int, tasks: list[Task],
                  executor: Executor | None = None,
                  keep: Callable[[str], bool] | None = None,
                  ) -> tuple[list[dict[str, float]], int | None]:
    """Run ``tasks`` over every county partition of ``kind``/``year`` in one pass.

    Returns one county → m² mapping per task and the previous vintage used by
    change tasks (None when there is none or no change task). ``keep`` limits the
    counties read (e.g. to those a reader may see).
    """
    prev_year = None
    prev: dict[str, str] = {}
    if any(m == "class_change" for m, _ in tasks):
        earlier = [v for v in ws.vintages(kind) if v < year]
        prev_year = earlier[-1] if earlier else None
        if prev_year is not None:
            prev = {p.county: str(ws.root / p.path) for p in ws.partitions(kind, prev_year)}
    jobs = [CountyJob(p.county, str(ws.root / p.path), prev.get(p.county, ""), tuple(tasks))
            for p in ws.partitions(kind, year) if keep is None or keep(p.county)]
    results = executor.map(county_kernel, jobs) if executor is not None else [
        county_kernel(j) for j in jobs]
    out: list[dict[str, float]] = [{} for _ in tasks]
    for job, values in zip(jobs, results, strict=True):
        for i, v in enumerate(values):
            if not math.isnan(v):
                out[i][job.county] = v
    return out, prev_year


def stat_series(values: Mapping[Key, IndicatorValue], stat: str) -> dict[tuple[str, int], float]:
    """Statistic values per (region, year), cities/province filled by sums of counties."""
    direct = {(r, y): v.value for (s, r, y), v in values.items() if s == stat
              and v.value is not None}
    summed: dict[tuple[str, int], float] = {}
    for (region, year), value in direct.items():
        if k.level_of(region) == "county":
            for parent in k.parents(region):
                summed[(parent, year)] = summed.get((parent, year), 0.0) + value
    return {**summed, **direct}


def _intensity_items(ind: Indicator, amounts: dict[int, dict[str, float]],
                     stats: dict[tuple[str, int], float], refs: dict[int, list[LayerRef]],
                     ) -> list[Item]:
    base = ind.baseline_year
    if base not in amounts:
        return []
    base_regions = k.reduce_regions(amounts[base])
    items: list[Item] = []
    for year, county_m2 in amounts.items():
        for region, area in k.reduce_regions(county_m2).items():
            gdp, base_gdp = stats.get((region, year)), stats.get((region, base))
            if gdp is None or base_gdp is None or region not in base_regions:
                continue
            value = k.intensity_decline(area, gdp, base_regions[region], base_gdp)
            src = ValueSource(kind="layers", layers=refs[year] + refs[base],
                              inputs=list(ind.computation.statistics),
                              note="Σ TBDLMJ (建设用地) / GDP vs baseline year")
            items.append(((ind.id, region, year), value, src))
    return items


def compute_items(ws: Workspace, wanted: Mapping[str, Iterable[int]],
                  catalog: Mapping[str, Indicator], values: Mapping[Key, IndicatorValue],
                  executor: Executor | None = None,
                  keep: Callable[[str], bool] | None = None) -> list[Item]:
    """Compute spatial indicators (id → years) at county, city and province level.

    Every layer vintage involved is read once per county, whatever the number of
    indicators reading it. ``values`` supplies the statistics (GDP) of rates. With
    ``keep`` only those counties are read: the city and province sums are then partial.
    """
    plan: dict[tuple[str, int], list[str]] = defaultdict(list)
    for ind_id, years in wanted.items():
        ind = catalog[ind_id]
        todo = set(years)
        if ind.computation.method == "intensity_decline" and todo:
            todo.add(ind.baseline_year)
        for y in sorted(todo):
            if ws.has_layer(ind.computation.layers[0], y):
                plan[(ind.computation.layers[0], y)].append(ind_id)
    amounts: dict[str, dict[int, dict[str, float]]] = defaultdict(dict)
    refs: dict[str, dict[int, list[LayerRef]]] = defaultdict(dict)
    for (kind, year), ids in sorted(plan.items()):
        tasks: list[Task] = [(str(catalog[i].computation.method),
                              tuple(catalog[i].computation.classes)) for i in ids]
        per_task, prev_year = layer_amounts(ws, kind, year, tasks, executor, keep)
        for ind_id, county_m2 in zip(ids, per_task, strict=True):
            change = catalog[ind_id].computation.method == "class_change"
            if change and prev_year is None:
                continue
            amounts[ind_id][year] = county_m2
            refs[ind_id][year] = ([_ref(ws, kind, prev_year)] if change and prev_year
                                  else []) + [_ref(ws, kind, year)]
    items: list[Item] = []
    for ind_id, by_year in amounts.items():
        ind = catalog[ind_id]
        if ind.computation.method == "intensity_decline":
            stats = stat_series(values, ind.computation.statistics[0])
            items += [it for it in _intensity_items(ind, by_year, stats, refs[ind_id])
                      if it[0][2] in set(wanted[ind_id])]
            continue
        for year, county_m2 in by_year.items():
            src = ValueSource(kind="layers", layers=refs[ind_id][year])
            for region, m2 in k.reduce_regions(county_m2).items():
                items.append(((ind_id, region, year), k.from_m2(m2, ind.unit), src))
    return items
