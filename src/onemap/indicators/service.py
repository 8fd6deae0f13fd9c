"""Indicator service: compute spatial indicators from layers, keep them fresh, evaluate.

* :func:`refresh_spatial_indicators` recomputes the indicators that read a layer
  kind when a vintage of it is loaded (the import and demo paths call it);
* :func:`ensure_fresh` runs on read: a value records the layer revisions it was
  computed from, and any value whose layers changed (or a new vintage without
  values) is recomputed;
* :func:`evaluate` joins values, quotas and the catalog into warnings.
Statistics (import, entry, quotas) are in :mod:`onemap.indicators.statistics`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import pyarrow.parquet as pq

from onemap.compute.base import Executor
from onemap.indicators import compute as k
from onemap.indicators.catalog import ensure_catalog, list_indicators
from onemap.indicators.errors import UnknownIndicator
from onemap.indicators.evaluate import evaluate_series
from onemap.indicators.models import (
    Evaluation,
    EvaluationSet,
    Indicator,
    IndicatorValue,
    LayerRef,
    ReportMode,
    ValueSource,
)
from onemap.indicators.records import Key, append_values, current_map, now, read_quotas, read_values
from onemap.store.access import SYSTEM, Actor
from onemap.store.partitions import read_partition
from onemap.store.workspace import Workspace

Progress = Callable[[int, int, str], None]
Item = tuple[Key, float | None, ValueSource]
DLTB_COLUMNS = ["DLBM", "TBMJ", "KCMJ", "TBDLMJ"]


def _ref(ws: Workspace, kind: str, vintage: int) -> LayerRef:
    return LayerRef(kind=kind, vintage=vintage, revision=ws.layer(kind, vintage).revision)


def spatial_years(ws: Workspace, ind: Indicator) -> list[int]:
    """Return the years a spatial indicator can be computed for from the layers held."""
    vintages = ws.vintages(ind.computation.layers[0])
    if ind.computation.method == "class_change":
        return vintages[1:]
    return vintages


@dataclass(frozen=True)
class CountyJob:
    """One county's input to :func:`county_kernel` (picklable, file paths only)."""

    method: str
    classes: tuple[str, ...]
    path: str
    prev_path: str = ""


def county_kernel(job: CountyJob) -> float:
    """Return one county's indicator area in m² (runs in any executor)."""
    if job.method in ("class_area", "intensity_decline"):
        names = pq.read_schema(job.path).names
        attrs = pq.read_table(job.path, columns=[c for c in DLTB_COLUMNS if c in names])
        return k.class_area_m2(attrs.to_pandas(), job.classes)
    cur = read_partition(Path(job.path), columns=["DLBM"] if job.prev_path else [])
    if job.method == "layer_area":
        return k.polygon_area_m2(cur.geometry)
    prev = read_partition(Path(job.prev_path), columns=["DLBM"])
    return k.class_change_m2(prev.geometry, prev.DLBM, cur.geometry, cur.DLBM, job.classes)


def county_amounts(ws: Workspace, ind: Indicator, year: int,
                   executor: Executor | None = None) -> tuple[dict[str, float], list[LayerRef]]:
    """Return the indicator's area per county in m² for ``year``, and the layers read.

    The per-county kernel runs in ``executor`` (in this process when None).
    """
    comp = ind.computation
    kind = comp.layers[0]
    refs = [_ref(ws, kind, year)]
    classes = tuple(comp.classes)
    jobs: list[CountyJob] = []
    counties: list[str] = []
    if comp.method == "class_change":
        prev_year = max(v for v in ws.vintages(kind) if v < year)
        refs.insert(0, _ref(ws, kind, prev_year))
        prev = {p.county: p for p in ws.partitions(kind, prev_year)}
        for part in ws.partitions(kind, year):
            if part.county in prev:
                jobs.append(CountyJob(comp.method, classes, str(ws.root / part.path),
                                      str(ws.root / prev[part.county].path)))
                counties.append(part.county)
    else:
        for part in ws.partitions(kind, year):
            jobs.append(CountyJob(comp.method, classes, str(ws.root / part.path)))
            counties.append(part.county)
    values = executor.map(county_kernel, jobs) if executor is not None else [
        county_kernel(j) for j in jobs]
    return dict(zip(counties, values, strict=True)), refs


def _stat_series(values: dict[Key, IndicatorValue], stat: str) -> dict[tuple[str, int], float]:
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


def compute_items(ws: Workspace, ind: Indicator, years: Iterable[int],
                  values: dict[Key, IndicatorValue] | None = None,
                  executor: Executor | None = None) -> list[Item]:
    """Compute a spatial indicator for ``years`` at county, city and province level."""
    comp = ind.computation
    years = sorted(set(years))
    if comp.method == "intensity_decline":
        values = values if values is not None else current_map(ws, comp.statistics)
        wanted = [y for y in spatial_years(ws, ind) if y in set(years) or
                  y == ind.baseline_year]
        amounts: dict[int, dict[str, float]] = {}
        used: dict[int, list[LayerRef]] = {}
        for y in wanted:
            amounts[y], used[y] = county_amounts(ws, ind, y, executor)
        return _intensity_items(ind, amounts, _stat_series(values, comp.statistics[0]), used)
    items: list[Item] = []
    for year in years:
        county_m2, refs = county_amounts(ws, ind, year, executor)
        for region, m2 in k.reduce_regions(county_m2).items():
            src = ValueSource(kind="layers", layers=refs)
            items.append(((ind.id, region, year), k.from_m2(m2, ind.unit), src))
    return items


def refresh_spatial_indicators(ws: Workspace, kind: str | None = None,
                               vintage: int | None = None, *, actor: Actor = SYSTEM,
                               progress: Progress | None = None,
                               executor: Executor | None = None) -> int:
    """Recompute the spatial indicators that read ``kind`` (all when None); return rows added.

    Call it after loading a new vintage of a source layer. With ``vintage`` only the
    years that vintage affects are recomputed (for a change indicator: that vintage
    and the next one).
    """
    ensure_catalog(ws)
    todo = [i for i in list_indicators(ws) if i.computation.spatial
            and ws.has_layer(i.computation.layers[0])
            and (kind is None or kind in i.computation.layers)]
    added = 0
    for n, ind in enumerate(todo):
        years = spatial_years(ws, ind)
        if vintage is not None:
            later = [y for y in years if y > vintage][:1]
            affected = {vintage, *later} if ind.computation.method == "class_change" else {
                vintage}
            if ind.computation.method == "intensity_decline" and vintage == ind.baseline_year:
                affected = set(years)
            years = [y for y in years if y in affected]
        added += append_values(ws, compute_items(ws, ind, years, executor=executor),
                               recorded_by=actor.username, note="recomputed from layers")
        added += refresh_derived(ws, actor=actor) if n == len(todo) - 1 else 0
        if progress:
            progress(n + 1, len(todo), ind.id)
    if added:
        ws.audit(actor.username, "indicators.refresh", f"{kind or '*'}/{vintage or '*'}",
                 {"rows": added})
    return added


def refresh_derived(ws: Workspace, *, actor: Actor = SYSTEM) -> int:
    """Recompute indicators derived from statistics (e.g. water use per unit GDP)."""
    added = 0
    values = None
    for ind in list_indicators(ws):
        comp = ind.computation
        if comp.method == "statistic_intensity_decline":
            values = values if values is not None else current_map(ws)
            num = _stat_series(values, comp.statistics[0])
            den = _stat_series(values, comp.statistics[1])
            items: list[Item] = []
            for (region, year), amount in num.items():
                base = (region, ind.baseline_year)
                if (region, year) in den and base in num and base in den:
                    value = k.intensity_decline(amount, den[(region, year)], num[base], den[base])
                    items.append(((ind.id, region, year), value, ValueSource(
                        kind="derived", inputs=list(comp.statistics))))
            added += append_values(ws, items, recorded_by=actor.username, note="derived")
        elif comp.method == "intensity_decline" and ws.has_layer(comp.layers[0]):
            values = values if values is not None else current_map(ws)
            items = compute_items(ws, ind, spatial_years(ws, ind), values)
            added += append_values(ws, items, recorded_by=actor.username, note="derived")
    return added


def stale_indicators(ws: Workspace) -> list[tuple[str, int]]:
    """Return (indicator, year) pairs whose stored layer revisions differ from the catalog's."""
    ensure_catalog(ws)
    current = current_map(ws)
    province = ws.config.root_region
    revisions = {(info.kind, info.vintage): info.revision for info in ws.list_layers()}
    out = []
    for ind in list_indicators(ws):
        comp = ind.computation
        if not comp.spatial or not ws.has_layer(comp.layers[0]):
            continue
        for year in spatial_years(ws, ind):
            stored = [v for (s, _r, y), v in current.items() if s == ind.id and y == year]
            if comp.method == "intensity_decline" and not stored:
                continue  # needs GDP statistics: absent values are not stale
            wanted = {(r.kind, r.vintage): r.revision for v in stored for r in v.source.layers}
            fresh = bool(stored) and all(revisions.get(key) == rev
                                         for key, rev in wanted.items())
            if not fresh or not any(v.region == province for v in stored):
                out.append((ind.id, year))
    return out


def ensure_fresh(ws: Workspace, *, actor: Actor = SYSTEM) -> int:
    """Recompute stale spatial values (the check on read); return rows added."""
    stale = stale_indicators(ws)
    added = 0
    by_id: dict[str, list[int]] = {}
    for ind_id, year in stale:
        by_id.setdefault(ind_id, []).append(year)
    catalog = {i.id: i for i in list_indicators(ws)}
    for ind_id, years in by_id.items():
        added += append_values(ws, compute_items(ws, catalog[ind_id], years),
                               recorded_by=actor.username, note="recomputed on read (stale)")
    return added


def list_values(ws: Workspace, *, actor: Actor, indicator: str | None = None,
                region: str | None = None, year: int | None = None) -> list[IndicatorValue]:
    """Return current values with history within ``actor``'s scope (fresh on read)."""
    ensure_fresh(ws)
    out = read_values(ws, [indicator] if indicator else None, region, year)
    return [v for v in out if actor.covers(v.region)]


def region_names(ws: Workspace) -> dict[str, str]:
    """Return region code → name from the admin layers of the workspace."""
    names: dict[str, str] = {}
    for kind in ("admin_province", "admin_city", "admin_county"):
        if ws.has_layer(kind):
            frame = ws.read_layer(kind, columns=["XZQDM", "XZQMC"])
            for code, name in zip(frame.XZQDM.astype(str), frame.XZQMC, strict=True):
                if isinstance(name, str):
                    names.setdefault(code[:6], name)
    return names


def _series_by_region(ind: Indicator, values: dict[Key, IndicatorValue],
                      ) -> dict[str, dict[int, float]]:
    out: dict[str, dict[int, float]] = {}
    for (s, region, year), v in values.items():
        if s == ind.id and v.value is not None:
            out.setdefault(region, {})[year] = v.value
    if ind.computation.method == "statistic" and ind.computation.additive:
        summed: dict[str, dict[int, float]] = {}
        for region, series in out.items():
            if k.level_of(region) == "county":
                for parent in k.parents(region):
                    for y, val in series.items():
                        summed.setdefault(parent, {})
                        summed[parent][y] = summed[parent].get(y, 0.0) + val
        for region, series in summed.items():
            out[region] = {**series, **out.get(region, {})}
    return out


def _default_target(ind: Indicator, code: str, root: str) -> float | None:
    """Return the plan's target for a region without a quota.

    The plan's target applies to the province; rates (non-additive) to every region.
    """
    if ind.uses_quota:
        return ind.target_value if code == root else None
    if code == root or not ind.computation.additive:
        return ind.target_value
    return None


def evaluate(ws: Workspace, year: int, *, actor: Actor, indicator: str | None = None,
             region: str | None = None, level: str | None = None, mode: ReportMode = "annual",
             lang: str = "zh") -> EvaluationSet:
    """Evaluate every indicator × region in ``actor``'s scope for ``year``."""
    ensure_fresh(ws)
    catalog = list_indicators(ws)
    if indicator is not None:
        catalog = [i for i in catalog if i.id == indicator]
        if not catalog:
            raise UnknownIndicator(f"no indicator {indicator!r} in the catalog")
    values = current_map(ws)
    quotas = read_quotas(ws)
    names = region_names(ws)
    root = ws.config.root_region
    out: list[Evaluation] = []
    for ind in catalog:
        series = _series_by_region(ind, values)
        regions = set(series) | {r for (i, r) in quotas if i == ind.id}
        for code in sorted(regions, key=lambda c: (k.level_of(c) != "province",
                                                   k.level_of(c) != "city", c)):
            if not actor.covers(code) or (region and code != region) or (
                    level and k.level_of(code) != level):
                continue
            if not any(code.startswith(r.rstrip("0")[:2]) for r in ind.regions):
                continue
            quota = quotas.get((ind.id, code))
            target = quota.value if quota else _default_target(ind, code, root)
            baseline = None
            if code == root and ind.baseline_year not in series.get(code, {}):
                baseline = ind.baseline_value
            out.append(evaluate_series(ind, series.get(code, {}), year, region=code,
                                       target=target, baseline=baseline,
                                       region_name=names.get(code, ""), lang=lang))
    return EvaluationSet(year=year, mode=mode, generated_at=now(), evaluations=out)
