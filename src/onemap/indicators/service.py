"""Indicator service: compute spatial indicators from layers, keep them fresh, evaluate.

* :func:`refresh_spatial_indicators` recomputes the indicators that read a layer
  kind when a vintage of it is loaded (``EDIT`` at the root region: the values of every
  region change);
* a value records the layer revisions it was computed from; :func:`current_values`
  gives a read the fresh values: stale ones (layers changed since, or a new vintage
  without values) are recomputed, and stored only when the reader may ``EDIT`` at the
  root region (the write is theirs, audited); for anyone else they are computed in
  memory for the read over the reader's counties and nothing is written;
* :func:`evaluate` joins values, quotas and the catalog into warnings.

Indicator data is internal (``READ``: anonymous users are refused), and values computed
from a layer the reader may not read (secret, unpublished) are withheld from them.
Statistics (import, entry, quotas) are in :mod:`onemap.indicators.statistics`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from onemap.indicators import compute as k
from onemap.indicators.catalog import ensure_catalog, list_indicators
from onemap.indicators.errors import UnknownIndicator
from onemap.indicators.evaluate import evaluate_series, withheld_evaluation
from onemap.indicators.models import (
    Evaluation,
    EvaluationSet,
    Indicator,
    IndicatorExport,
    IndicatorValue,
    ReportMode,
    ValueRecord,
    ValueSource,
)
from onemap.indicators.records import Key, append_values, current_map, now, read_quotas
from onemap.indicators.spatial import compute_items, spatial_years, stat_series
from onemap.standards.regions import region_prefix
from onemap.store.policy import Action

if TYPE_CHECKING:
    from onemap.compute.base import Executor
    from onemap.store.access import Actor
    from onemap.store.workspace import Workspace

Progress = Callable[[int, int, str], None]
Item = tuple[Key, float | None, ValueSource]
WHAT = "plan indicators"
NOT_STORED = "onemap (recomputed for this read, not stored)"


def _affected_years(ind: Indicator, years: list[int], vintage: int | None) -> list[int]:
    if vintage is None:
        return years
    later = [y for y in years if y > vintage][:1]
    affected = {vintage, *later} if ind.computation.method == "class_change" else {vintage}
    if ind.computation.method == "intensity_decline" and vintage == ind.baseline_year:
        affected = set(years)
    return [y for y in years if y in affected]


def refresh_spatial_indicators(ws: Workspace, kind: str | None = None,
                               vintage: int | None = None, *, actor: Actor,
                               progress: Progress | None = None,
                               executor: Executor | None = None) -> int:
    """Recompute the spatial indicators that read ``kind`` (all when None); return rows added.

    Call it after loading a new vintage of a source layer. With ``vintage`` only the
    years that vintage affects are recomputed (for a change indicator: that vintage
    and the next one). Each layer vintage is read once per county. The values of every
    region change: ``EDIT`` at the workspace's root region.
    """
    ws.authorize(actor, Action.EDIT, ws.root_region, what=WHAT)
    ensure_catalog(ws, actor=actor)
    catalog = {i.id: i for i in list_indicators(ws)}
    wanted = {i.id: _affected_years(i, spatial_years(ws, i), vintage)
              for i in catalog.values() if i.computation.spatial
              and ws.has_layer(i.computation.layers[0])
              and (kind is None or kind in i.computation.layers)}
    items = compute_items(ws, wanted, catalog, current_map(ws), executor)
    added = append_values(ws, items, recorded_by=actor.username, note="recomputed from layers")
    added += refresh_derived(ws, actor=actor, layers=False)
    if progress:
        progress(len(wanted), len(wanted), ",".join(wanted))
    if added:
        ws.audit(actor.username, "indicators.refresh", f"{kind or '*'}/{vintage or '*'}",
                 {"rows": added})
    return added


def refresh_derived(ws: Workspace, *, actor: Actor, layers: bool = True) -> int:
    """Recompute the indicators derived from statistics (e.g. water use per unit GDP).

    With ``layers`` also construction land per unit GDP, which reads DLTB attributes.
    """
    catalog = {i.id: i for i in list_indicators(ws)}
    values = current_map(ws)
    items: list[Item] = []
    for ind in catalog.values():
        comp = ind.computation
        if comp.method == "statistic_intensity_decline":
            num = stat_series(values, comp.statistics[0])
            den = stat_series(values, comp.statistics[1])
            for (region, year), amount in num.items():
                base = (region, ind.baseline_year)
                if (region, year) in den and base in num and base in den:
                    value = k.intensity_decline(amount, den[(region, year)], num[base], den[base])
                    items.append(((ind.id, region, year), value, ValueSource(
                        kind="derived", inputs=list(comp.statistics))))
    rates = {i.id: spatial_years(ws, i) for i in catalog.values()
             if layers and i.computation.method == "intensity_decline"
             and ws.has_layer(i.computation.layers[0])}
    if rates:
        items += compute_items(ws, rates, catalog, values)
    return append_values(ws, items, recorded_by=actor.username, note="derived")


def stale_indicators(ws: Workspace) -> list[tuple[str, int]]:
    """Return (indicator, year) pairs whose stored layer revisions differ from the catalog's."""
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


def _stale_by_id(ws: Workspace) -> dict[str, list[int]]:
    by_id: dict[str, list[int]] = {}
    for ind_id, year in stale_indicators(ws):
        by_id.setdefault(ind_id, []).append(year)
    return by_id


def current_values(ws: Workspace, actor: Actor) -> dict[Key, IndicatorValue]:
    """Return the current values as ``actor`` reads them, stale ones recomputed.

    An actor who may ``EDIT`` at the root region stores the recomputed values (a write
    of theirs, audited as ``indicators.refresh``); for anyone else they are computed in
    memory over the counties the actor may read, and nothing is written.
    """
    by_id = _stale_by_id(ws)
    if not by_id:
        return current_map(ws)
    catalog = {i.id: i for i in list_indicators(ws)}
    values = current_map(ws)
    if ws.allows(actor, Action.EDIT, ws.root_region):
        items = compute_items(ws, by_id, catalog, values)
        added = append_values(ws, items, recorded_by=actor.username,
                              note="recomputed on read (stale)")
        ws.audit(actor.username, "indicators.refresh", ",".join(sorted(by_id)),
                 {"rows": added, "stale": sum(len(y) for y in by_id.values()),
                  "on": "read"})
        return current_map(ws)
    items = compute_items(ws, by_id, catalog, values,
                          keep=lambda county: ws.allows(actor, Action.READ, county))
    at = now()
    for (series, region, year), value, source in items:
        if not ws.allows(actor, Action.READ, region):
            continue  # a partial sum of the actor's counties, not this region's value
        old = values.get((series, region, year))
        history = [*old.history, ValueRecord(value=old.value, source=old.source,
                                             recorded_at=old.recorded_at,
                                             recorded_by=old.recorded_by)] if old else []
        values[(series, region, year)] = IndicatorValue(
            id=series, region=region, year=year, value=value, source=source,
            recorded_at=at, recorded_by=NOT_STORED, history=history)
    return values


def _hidden_layers(ws: Workspace, actor: Actor) -> set[tuple[str, int]]:
    """Layer vintages ``actor`` may not read (secret, unpublished): their values are withheld."""
    return {(i.kind, i.vintage) for i in ws.list_layers()
            if not ws.allows(actor, Action.READ, classification=i.classification,
                             published=i.published)}


def _withheld(value: IndicatorValue, hidden: set[tuple[str, int]]) -> bool:
    return any((r.kind, r.vintage) in hidden for r in value.source.layers)


def list_values(ws: Workspace, *, actor: Actor, indicator: str | None = None,
                region: str | None = None, year: int | None = None) -> list[IndicatorValue]:
    """Return current values with history that ``actor`` may read (fresh, see above)."""
    ws.authorize(actor, Action.READ, region, what=WHAT)
    hidden = _hidden_layers(ws, actor)
    values = current_values(ws, actor)
    return [v for key, v in sorted(values.items())
            if (indicator is None or key[0] == indicator)
            and (region is None or key[1] == region) and (year is None or key[2] == year)
            and ws.allows(actor, Action.READ, key[1]) and not _withheld(v, hidden)]


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


def _applies(ind: Indicator, code: str) -> bool:
    """Tell whether ``ind`` applies to region ``code`` (no regions: the whole workspace)."""
    return not ind.regions or any(code.startswith(region_prefix(r)) for r in ind.regions)


def evaluate(ws: Workspace, year: int, *, actor: Actor, indicator: str | None = None,
             region: str | None = None, level: str | None = None, mode: ReportMode = "annual",
             lang: str = "zh") -> EvaluationSet:
    """Evaluate every indicator × region in ``actor``'s scope for ``year``.

    An indicator whose values in a region come from a layer ``actor`` may not read is
    listed as withheld there, without a value.
    """
    ws.authorize(actor, Action.READ, region, what=WHAT)
    catalog = list_indicators(ws)
    if indicator is not None:
        catalog = [i for i in catalog if i.id == indicator]
        if not catalog:
            raise UnknownIndicator(f"no indicator {indicator!r} in the catalog")
    values = current_values(ws, actor)
    hidden = _hidden_layers(ws, actor)
    quotas = read_quotas(ws)
    names = region_names(ws)
    root = ws.root_region
    out: list[Evaluation] = []
    for ind in catalog:
        series = _series_by_region(ind, values)
        secret = {key[1] for key, v in values.items() if key[0] == ind.id
                  and _withheld(v, hidden)}
        regions = set(series) | secret | {r for (i, r) in quotas if i == ind.id}
        for code in sorted(regions, key=lambda c: (k.level_of(c) != "province",
                                                   k.level_of(c) != "city", c)):
            if not ws.allows(actor, Action.READ, code) or (region and code != region) or (
                    level and k.level_of(code) != level) or not _applies(ind, code):
                continue
            quota = quotas.get((ind.id, code))
            target = quota.value if quota else _default_target(ind, code, root)
            if code in secret:
                out.append(withheld_evaluation(ind, year, region=code, target=target,
                                               region_name=names.get(code, ""), lang=lang))
                continue
            baseline = None
            if code == root and ind.baseline_year not in series.get(code, {}):
                baseline = ind.baseline_value
            out.append(evaluate_series(ind, series.get(code, {}), year, region=code,
                                       target=target, baseline=baseline,
                                       region_name=names.get(code, ""), lang=lang))
    return EvaluationSet(year=year, mode=mode, generated_at=now(), evaluations=out)


def export_report(ws: Workspace, year: int, *, actor: Actor, fmt: str,
                  mode: ReportMode = "annual", lang: str = "zh") -> IndicatorExport:
    """Return what a report or XLSX download holds (``EXPORT``, audited).

    The one function the API's ``report.pdf`` / ``values.xlsx`` and the CLI's
    ``indicators report`` call: ``fmt`` is ``pdf``, ``html`` or ``xlsx`` (which also
    lists every value). Audited as ``indicators.export`` (xlsx) or ``indicators.report``.
    """
    ws.authorize(actor, Action.EXPORT, what=WHAT)
    evs = evaluate(ws, year, actor=actor, mode=mode, lang=lang)
    values = list_values(ws, actor=actor) if fmt == "xlsx" else []
    ws.audit(actor.username, "indicators.export" if fmt == "xlsx" else "indicators.report",
             f"{fmt} {year}", {"year": year, "mode": mode, "lang": lang, "format": fmt,
                               "evaluations": len(evs.evaluations), "values": len(values)})
    return IndicatorExport(evaluations=evs, values=values)
