"""登记全覆盖 (registration coverage): territory inside units by stage and resource type.

One overlay-kernel call per county (:func:`~onemap.registry.register.overlay_by_class`):
DLTB (by resource type) × the nested unions of the units at each stage or beyond, so
"covered at stage ≥ 公告" is one right-hand polygon. The gap (未登记区域) is the county
minus every unit. Pure module.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from onemap.geometry.area import ellipsoidal_area
from onemap.registry.register import overlay_by_class, resource_classes
from onemap.standards.registration import STAGES

TOTAL = "合计"


def stage_unions(units: npt.ArrayLike, stages: list[str]) -> tuple[list[object], list[str]]:
    """Union of the units at each stage or beyond (预划 = every unit); empty stages dropped.

    Examples
    --------
    >>> a, b = shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1)
    >>> geoms, keys = stage_unions([a, b], ["预划", "登簿"])
    >>> keys, [round(g.area, 3) for g in geoms]
    (['预划', '地籍调查', '审核', '公告', '登簿'], [2.0, 1.0, 1.0, 1.0, 1.0])
    """
    geoms = np.asarray(units, dtype=object)
    rank = np.array([STAGES.index(s) for s in stages])
    out, keys = [], []
    for i, stage in enumerate(STAGES):
        chosen = geoms[rank >= i] if len(rank) else geoms[:0]
        if len(chosen):
            out.append(shapely.union_all(chosen))
            keys.append(stage)
    return out, keys


def county_coverage(dltb: npt.ArrayLike, dlbm: npt.ArrayLike, units: npt.ArrayLike,
                    stages: list[str]) -> pd.DataFrame:
    """Territory and covered area per resource type and stage of one county (m²).

    Returns columns ``resource``, ``stage`` (``territory`` for the whole county) and
    ``area_m2``.

    Examples
    --------
    >>> cells = [shapely.box(115, 28, 115.01, 28.01), shapely.box(115.01, 28, 115.02, 28.01)]
    >>> t = county_coverage(cells, ["0301", "1101"], [cells[0]], ["登簿"])
    >>> a = t.groupby(["resource", "stage"])["area_m2"].sum().round(1)
    >>> a["林地"]["登簿"] == a["林地"]["territory"], a["水域"]["登簿"]
    (np.True_, np.float64(0.0))
    """
    geoms = np.asarray(dltb, dtype=object)
    resource = resource_classes(dlbm)
    own = pd.DataFrame({"resource": resource, "area_m2": ellipsoidal_area(geoms)})
    territory = own.groupby("resource", as_index=False)["area_m2"].sum()
    territory["stage"] = "territory"
    unions, keys = stage_unions(units, stages)
    if not unions:
        return territory[["resource", "stage", "area_m2"]]
    covered = overlay_by_class(geoms, resource, np.asarray(unions, dtype=object), keys)
    covered = covered.rename(columns={"class": "resource", "key": "stage"})
    return pd.concat([territory[["resource", "stage", "area_m2"]],
                      covered[["resource", "stage", "area_m2"]]], ignore_index=True)


def gap_geometry(county: object, units: npt.ArrayLike) -> object:
    """Return the part of the county no unit covers (a polygon, possibly empty).

    Examples
    --------
    >>> round(gap_geometry(shapely.box(0, 0, 2, 1), [shapely.box(0, 0, 1, 1)]).area, 3)
    1.0
    """
    geoms = np.asarray(units, dtype=object)
    if not len(geoms):
        return county
    return shapely.difference(county, shapely.union_all(geoms))
