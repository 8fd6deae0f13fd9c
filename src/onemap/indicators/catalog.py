"""The indicator catalog (指标体系): read the plan table, keep it editable in the workspace.

The plan table (``standards/data/plan-indicators.csv``, a copy of the shared
reference) says what each indicator is and its target; how onemap obtains it
(:class:`~onemap.indicators.models.Computation`) is declared here once per id.
"""

from __future__ import annotations

import csv
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from onemap.indicators.errors import IndicatorInputError, UnknownIndicator
from onemap.indicators.models import Computation, Indicator, StatisticInput
from onemap.indicators.schema import IndicatorRow
from onemap.standards.landuse import construction_codes, farmland_codes
from onemap.store.db import utc_now as _now
from onemap.store.policy import Action

if TYPE_CHECKING:
    from collections.abc import Mapping

    from onemap.store.access import Actor
    from onemap.store.workspace import Workspace

WHAT = "the indicator catalog"


def _construction() -> list[str]:
    return sorted(construction_codes())


def default_computations() -> dict[str, Computation]:
    """Return how each indicator of the plan table is computed (id → computation)."""
    stat = Computation(method="statistic")
    cumulative = Computation(method="statistic", accumulate=True)
    share = Computation(method="statistic", additive=False)
    return {
        "farmland_retained": Computation(method="class_area", layers=["dltb"],
                                         classes=sorted(farmland_codes())),
        "pbf_area": Computation(method="layer_area", layers=["pbf"]),
        "pbf_reserve_area": stat,
        "high_standard_farmland": Computation(method="layer_area", layers=["hsf"]),
        "construction_land_per_gdp_decline": Computation(
            method="intensity_decline", layers=["dltb"], classes=_construction(),
            statistics=["gdp"], additive=False),
        "water_per_gdp_decline": Computation(method="statistic_intensity_decline",
                                             statistics=["water_use", "gdp"], additive=False),
        "new_large_medium_deposits": cumulative,
        "eco_redline_area": Computation(method="layer_area", layers=["eco_redline"]),
        "abandoned_open_pit_mines_restored": cumulative,
        "new_construction_land": Computation(method="class_change", layers=["dltb"],
                                             classes=_construction(), accumulate=True),
        "basic_map_update_1to10k": cumulative,
        "regional_geology_1to50k": cumulative,
        "water_saving_counties_share": share,
        "rural_construction_quota_share": share,
        "registration_coverage": share,  # posted by onemap.registry (登簿 share of territory)
    }


STATISTIC_INPUTS: dict[str, StatisticInput] = {
    s.id: s for s in [
        StatisticInput(id="gdp", name_zh="地区生产总值", name_en="Gross domestic product",
                       unit="亿元"),
        StatisticInput(id="water_use", name_zh="用水总量", name_en="Total water use",
                       unit="亿立方米"),
        StatisticInput(id="carbon_stock", name_zh="碳储量", name_en="Carbon stock",
                       unit="万吨碳"),  # posted by onemap.carbon.service.post_indicators
        StatisticInput(id="carbon_change", name_zh="碳储量变化", name_en="Carbon stock change",
                       unit="万吨碳"),
        *(StatisticInput(id=f"hazard_warning_{k}", name_zh=f"地质灾害气象预警{zh}",
                         name_en=f"Geohazard warning {k.upper()}", unit="ratio")
          for k, zh in (("pod", "命中率"), ("far", "空报率"), ("csi", "临界成功指数"),
                        ("tss", "真技巧评分"))),  # posted by onemap.hazards.evaluation
    ]
}


def _num(text: str) -> float | None:
    text = (text or "").strip()
    return float(text) if text else None


def read_plan_table(path: str | Path | None = None) -> list[Indicator]:
    """Read the plan indicator table (CSV) into catalog entries.

    Parameters
    ----------
    path : path, optional
        A CSV with the columns of ``plan-indicators.csv``; the packaged copy by default.
        Ids without a declared computation are taken as statistics inputs.
    """
    if path is None:
        text = (resources.files("onemap.standards") / "data" / "plan-indicators.csv") \
            .read_text(encoding="utf-8")
    else:
        text = Path(path).read_text(encoding="utf-8-sig")
    comps = default_computations()
    out = []
    for row in csv.DictReader(text.splitlines()):
        ind_id = row["id"].strip()
        out.append(Indicator(
            id=ind_id, name_zh=row["name_zh"], name_en=row["name_en"], unit=row["unit"],
            baseline_year=int(row["baseline_year"]), baseline_value=_num(row["baseline_value"]),
            target_year=int(row["target_year"]), target_value=_num(row["target_value"]),
            target_kind=row["target_kind"].strip(),
            computation=comps.get(ind_id, Computation(method="statistic")),
            source_note=row.get("computable_from", ""), seed_section=row.get("seed_section", "")))
    return out


def load_catalog(ws: Workspace, path: str | Path | None = None, *, actor: Actor,
                 replace: bool = False) -> list[Indicator]:
    """Load the plan table into the workspace catalog; keep edited entries unless ``replace``.

    The catalog holds province targets: ``CONFIGURE`` at the workspace's root region.
    """
    ws.authorize(actor, Action.CONFIGURE, ws.root_region, what=WHAT)
    items = read_plan_table(path)
    _write_entries(ws, items, by=actor.username, replace=replace)
    ws.audit(actor.username, "indicators.catalog.load", str(path or "plan-indicators.csv"),
             {"indicators": len(items), "replace": replace})
    return list_indicators(ws)


def _write_entries(ws: Workspace, items: list[Indicator], *, by: str, replace: bool) -> None:
    with ws.session() as s:
        have = {r.id: r for r in s.scalars(select(IndicatorRow))}
        for ind in items:
            row = have.get(ind.id)
            if row is None:
                s.add(IndicatorRow(id=ind.id, data=ind.model_dump(mode="json"),
                                   updated_at=_now(), updated_by=by))
            elif replace:
                row.data = ind.model_dump(mode="json")
                row.updated_at, row.updated_by = _now(), by


def _stored(ws: Workspace) -> bool:
    with ws.session() as s:
        return s.scalars(select(IndicatorRow.id).limit(1)).first() is not None


def ensure_catalog(ws: Workspace, *, actor: Actor) -> None:
    """Store the packaged plan table when the workspace catalog is still empty.

    Called by writes only (refresh, statistics entry and import, catalog edits, the
    demo), after they authorised ``actor``: values are then recorded against a catalog
    the workspace keeps. Reads never store it; they see the packaged table meanwhile.
    """
    if _stored(ws):
        return
    items = read_plan_table(None)
    _write_entries(ws, items, by=actor.username, replace=False)
    ws.audit(actor.username, "indicators.catalog.load", "plan-indicators.csv",
             {"indicators": len(items), "replace": False, "packaged": True})


def list_indicators(ws: Workspace) -> list[Indicator]:
    """Return the workspace catalog in plan-table order (then by id).

    Until a write stores the catalog (:func:`ensure_catalog`) this is the packaged plan
    table, read without writing anything.
    """
    packaged = read_plan_table()
    order = {ind.id: i for i, ind in enumerate(packaged)}
    with ws.session() as s:
        items = [Indicator.model_validate(r.data) for r in s.scalars(select(IndicatorRow))]
    if not items:
        return packaged
    return sorted(items, key=lambda i: (order.get(i.id, len(order)), i.id))


def get_indicator(ws: Workspace, indicator_id: str) -> Indicator:
    """Return one catalog entry (packaged until stored) or raise :class:`UnknownIndicator`."""
    with ws.session() as s:
        row = s.get(IndicatorRow, indicator_id)
        found = Indicator.model_validate(row.data) if row is not None else None
    if found is None and not _stored(ws):
        found = next((i for i in read_plan_table() if i.id == indicator_id), None)
    if found is None:
        raise UnknownIndicator(f"no indicator {indicator_id!r} in the catalog",
                               user_message=f"指标体系中没有指标 {indicator_id}")
    return found


def read_catalog(ws: Workspace, *, actor: Actor) -> list[Indicator]:
    """Return the catalog for ``actor`` (indicator data is internal: ``READ``)."""
    ws.authorize(actor, Action.READ, what=WHAT)
    return list_indicators(ws)


def read_indicator(ws: Workspace, indicator_id: str, *, actor: Actor) -> Indicator:
    """Return one catalog entry for ``actor`` (``READ``)."""
    ws.authorize(actor, Action.READ, what=WHAT)
    return get_indicator(ws, indicator_id)


def update_indicator(ws: Workspace, indicator_id: str, changes: Mapping[str, Any], *,
                     actor: Actor) -> Indicator:
    """Edit a catalog entry (target, baseline, regions, computation ...) and audit it.

    Province targets: ``CONFIGURE`` at the workspace's root region.
    """
    ws.authorize(actor, Action.CONFIGURE, ws.root_region, what=f"indicator {indicator_id}")
    current = get_indicator(ws, indicator_id)
    if "id" in changes and changes["id"] != indicator_id:
        raise IndicatorInputError("an indicator id cannot be changed")
    try:
        edited = Indicator.model_validate({**current.model_dump(), **dict(changes)})
    except ValueError as exc:
        raise IndicatorInputError(f"invalid indicator edit: {exc}") from None
    ensure_catalog(ws, actor=actor)
    with ws.session() as s:
        row = s.get(IndicatorRow, indicator_id)
        assert row is not None
        row.data = edited.model_dump(mode="json")
        row.updated_at, row.updated_by = _now(), actor.username
    ws.audit(actor.username, "indicators.catalog.edit", indicator_id,
             {k: str(v) for k, v in changes.items()})
    return edited


def series_ids(ws: Workspace) -> dict[str, str]:
    """Return every id values may be recorded for (indicators and statistics) → unit."""
    out = {i.id: i.unit for i in list_indicators(ws)}
    out.update({s.id: s.unit for s in STATISTIC_INPUTS.values()})
    return out
