"""The register (登记簿) of registration units, computed by the overlay kernel per county.

For one county partition of a DLTB vintage and the units that meet it:

* 自然状况 (natural status): one overlay-kernel call (:func:`overlay_by_class`) of
  DLTB × units, the DLTB class being *resource type | ownership* (``QSXZ`` 1x 国有,
  2x/3x 集体), so the same call also yields 关联信息 (collective land inside the unit);
* 公共管制 (public controls): one overlay-kernel call of the control lines held
  (永久基本农田, 生态保护红线, 城镇开发边界, 自然保护地) × units;
* the mining rights (采矿权) that touch a unit: one ``intersect_pairs`` call.

County tables are summed (:func:`merge_area_tables`), so a unit crossing counties gets
each county's share. Pure module: arrays in, tables and models out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
import pandas as pd

from onemap.geometry.overlay import intersect_pairs, summarise_pairs
from onemap.registry.models import (
    ControlRow,
    MiningLink,
    NaturalStatusRow,
    Register,
    Reregistration,
    ResourceChange,
    Unit,
)
from onemap.standards.registration import resource_type_of, resource_types
from onemap.standards.units import convert_area

if TYPE_CHECKING:
    from datetime import datetime

CONTROL_KINDS = {"pbf": "永久基本农田", "eco_redline": "生态保护红线", "udb": "城镇开发边界",
                 "nature_reserve": "自然保护地"}
STATE, COLLECTIVE, OTHER = "state", "collective", "other"
MIN_CONTROL_M2 = 0.01  # a control line only touching the unit is no public control
_SEP = "|"


def ownership_of(qsxz: npt.ArrayLike) -> npt.NDArray[np.object_]:
    """Map 权属性质 codes to state / collective / other (三调: 10/20 国有, 30/40 集体).

    Examples
    --------
    >>> ownership_of(["10", "20", "30", "40", ""]).tolist()
    ['state', 'state', 'collective', 'collective', 'other']
    """
    text = pd.Series(np.asarray(qsxz, dtype=object)).fillna("").astype(str).str.strip()
    out = np.where(text.str[:1].isin(["1", "2"]), STATE,
                   np.where(text.str[:1].isin(["3", "4"]), COLLECTIVE, OTHER))
    return out.astype(object)


def resource_classes(dlbm: npt.ArrayLike) -> npt.NDArray[np.object_]:
    """Resource type of every DLTB polygon (a lookup per distinct code).

    Examples
    --------
    >>> resource_classes(["0301", "1101", "0301"]).tolist()
    ['林地', '水域', '林地']
    """
    codes = pd.Series(np.asarray(dlbm, dtype=object)).astype(str)
    lookup = {c: resource_type_of(c) for c in codes.unique()}
    out: npt.NDArray[np.object_] = codes.map(lookup).to_numpy(dtype=object)
    return out


def overlay_by_class(left: npt.ArrayLike, left_class: npt.ArrayLike, right: npt.ArrayLike,
                     right_key: npt.ArrayLike) -> pd.DataFrame:
    """Overlap areas summed by (left class, right key), like ``area_by_class``.

    The overlay kernel's GEOS route (``intersect_pairs(..., with_geometry=True)``):
    units and control lines are large polygons with thousands of vertices, for which
    GEOS clipping of the crossing pairs is several times faster than the boundary
    integral (``bench/bench_registry.py``); pairs wholly inside take the left
    polygon's own area either way.

    Examples
    --------
    >>> import shapely
    >>> t = overlay_by_class([shapely.box(0, 0, 1, 1)], ["a"], [shapely.box(0.5, 0, 2, 1)], ["k"])
    >>> t[["class", "key", "pairs"]].values.tolist()
    [['a', 'k', 1]]
    """
    pairs = intersect_pairs(left, right, with_geometry=True)
    return summarise_pairs(np.asarray(left_class, dtype=object)[pairs.left],
                           np.asarray(right_key, dtype=object)[pairs.right], pairs.area)


@dataclass(frozen=True)
class CountyInputs:
    """One county's DLTB polygons, the units meeting them, and its control layers."""

    dltb: npt.NDArray[np.object_]
    dlbm: npt.ArrayLike
    qsxz: npt.ArrayLike
    units: npt.NDArray[np.object_]
    numbers: npt.ArrayLike
    controls: dict[str, npt.NDArray[np.object_]] = field(default_factory=dict)
    mining: npt.NDArray[np.object_] | None = None
    licences: npt.ArrayLike = ()


@dataclass(frozen=True)
class CountyTables:
    """The per-county tables: natural status, controls, mining links (areas in m²)."""

    natural: pd.DataFrame  # class (resource|ownership), key (unit), area_m2, pairs
    controls: pd.DataFrame  # class (control kind), key (unit), area_m2, pairs
    mining: pd.DataFrame  # unit, licence, area_m2


def county_register(inputs: CountyInputs) -> CountyTables:
    """Overlay one county: natural status, public controls and mining rights per unit.

    Examples
    --------
    >>> import shapely
    >>> cells = np.array([shapely.box(115, 28, 115.01, 28.01),
    ...                   shapely.box(115.01, 28, 115.02, 28.01)])
    >>> unit = np.array([shapely.box(115.005, 28, 115.02, 28.01)])
    >>> t = county_register(CountyInputs(cells, ["0301", "1101"], ["10", "30"], unit, ["u"]))
    >>> t.natural[["class", "key"]].values.tolist()
    [['林地|state', 'u'], ['水域|collective', 'u']]
    """
    classes = np.char.add(np.char.add(resource_classes(inputs.dlbm).astype(str), _SEP),
                          ownership_of(inputs.qsxz).astype(str)).astype(object)
    natural = overlay_by_class(inputs.dltb, classes, inputs.units, inputs.numbers)
    kinds = [k for k, g in inputs.controls.items() if len(g)]
    if kinds:
        geoms = np.concatenate([inputs.controls[k] for k in kinds])
        labels = np.repeat(np.asarray(kinds, dtype=object),
                           [len(inputs.controls[k]) for k in kinds])
        controls = overlay_by_class(inputs.units, inputs.numbers, geoms, labels).rename(
            columns={"class": "key", "key": "class"})[["class", "key", "area_m2", "pairs"]]
    else:
        controls = pd.DataFrame({"class": [], "key": [], "area_m2": [], "pairs": []})
    mining = pd.DataFrame({"unit": [], "licence": [], "area_m2": []})
    if inputs.mining is not None and len(inputs.mining) and len(inputs.units):
        pairs = intersect_pairs(inputs.mining, inputs.units, with_geometry=True)
        mining = pd.DataFrame({"unit": np.asarray(inputs.numbers, dtype=object)[pairs.right],
                               "licence": np.asarray(inputs.licences, dtype=object)[pairs.left],
                               "area_m2": pairs.area})
    return CountyTables(natural=natural, controls=controls, mining=mining)


def _row_areas(m2: float) -> dict[str, float]:
    return {"area_m2": m2, "area_ha": convert_area(m2, "ha"), "area_mu": convert_area(m2, "mu")}


def natural_rows(table: pd.DataFrame) -> list[NaturalStatusRow]:
    """Natural status rows of one unit from its ``class``/``area_m2`` rows, in type order."""
    split = table["class"].astype(str).str.split(_SEP, n=1, expand=True) if len(table) else None
    if split is None:
        return []
    frame = pd.DataFrame({"resource": split[0], "own": split[1],
                          "area": table["area_m2"].to_numpy()})
    order = {r: i for i, r in enumerate(resource_types())}
    out = []
    for res, part in sorted(frame.groupby("resource"), key=lambda g: order.get(g[0], 99)):
        total = float(part["area"].sum())
        out.append(NaturalStatusRow(
            resource=str(res), **_row_areas(total),
            state_m2=float(part.loc[part["own"] == STATE, "area"].sum()),
            collective_m2=float(part.loc[part["own"] == COLLECTIVE, "area"].sum())))
    return out


def assemble_register(unit: Unit, vintage: int, natural: pd.DataFrame,
                      controls: pd.DataFrame, mining: pd.DataFrame, names: dict[str, str],
                      *, computed_at: datetime, missing: list[str]) -> Register:
    """Build one unit's :class:`Register` from its rows of the merged tables."""
    rows = natural_rows(natural)
    total = sum(r.area_m2 for r in rows)
    ctrl = [ControlRow(control=str(r["class"]), control_zh=CONTROL_KINDS.get(str(r["class"]),
                                                                             str(r["class"])),
                       **_row_areas(float(r["area_m2"])),
                       share=float(r["area_m2"]) / unit.area_m2 if unit.area_m2 else 0.0)
            for r in controls.sort_values("class").to_dict("records")
            if float(r["area_m2"]) >= MIN_CONTROL_M2]
    links = [MiningLink(licence=str(lic), name=names.get(str(lic), ""), area_m2=float(a))
             for lic, a in mining.groupby("licence")["area_m2"].sum().items()]
    return Register(unit=unit, vintage=vintage, natural_status=rows, controls=ctrl,
                    mining_rights=links, collective_m2=sum(r.collective_m2 for r in rows),
                    total_m2=total, complete=not missing, missing_counties=missing,
                    computed_at=computed_at)


def status_changes(before: Register, after: Register, threshold: float) -> Reregistration | None:
    """Return the unit's change between two registers if it exceeds ``threshold``.

    The change is half the sum of absolute differences over resource types (the area
    that moved from one type to another), as a share of the unit's area.
    """
    a = {r.resource: r.area_m2 for r in before.natural_status}
    b = {r.resource: r.area_m2 for r in after.natural_status}
    order = {r: i for i, r in enumerate(resource_types())}
    changes = [ResourceChange(resource=r, before_m2=a.get(r, 0.0), after_m2=b.get(r, 0.0),
                              change_m2=b.get(r, 0.0) - a.get(r, 0.0))
               for r in sorted(set(a) | set(b), key=lambda x: order.get(x, 99))]
    moved = sum(abs(c.change_m2) for c in changes) / 2
    share = moved / after.unit.area_m2 if after.unit.area_m2 else 0.0
    if share <= threshold:
        return None
    return Reregistration(unit=after.unit.number, name=after.unit.name, county=after.unit.county,
                          changed_m2=moved, changed_share=share,
                          changes=[c for c in changes if abs(c.change_m2) > 0.005])
