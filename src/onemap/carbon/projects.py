"""Restoration projects (生态保护修复项目储备库): expected and realised outcome, ranking. Pure.

A project has a polygon, a type (矿山修复, 土地整治, 湿地修复, 水土流失治理 …), a budget
(万元), start and end years and the land class it should produce (预期地类). Its baseline
is the DLTB vintage before it starts; its realised outcome is the first DLTB vintage at or
after its end year (the annual update survey of that year): the share of its area in the
expected class and the carbon gain between the two compositions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from onemap.carbon.change import total_density
from onemap.carbon.models import ProjectOutcome
from onemap.carbon.stock import M2_PER_HA
from onemap.geometry.area import ellipsoidal_area
from onemap.geometry.overlay import area_by_class
from onemap.standards.units import convert_area

if TYPE_CHECKING:
    from onemap.carbon.models import DensityTable

ACHIEVED, PARTIAL, MISSED, PENDING = "达成", "部分达成", "未达成", "待核验"
PROJECT_TYPES = ("矿山修复", "土地整治", "湿地修复", "水土流失治理", "森林质量提升", "河湖生态修复")
RANKINGS = ("gain_per_wan", "gain", "area", "budget")


def compositions(dltb: pd.DataFrame, projects: pd.DataFrame) -> dict[str, dict[str, float]]:
    """Land-class composition (class → m²) of every project polygon in a DLTB vintage.

    ``dltb`` has ``geometry`` and ``DLBM``; ``projects`` ``geometry`` and ``XMBH``. Areas
    are ellipsoidal m² on CGCS2000 (:func:`onemap.geometry.overlay.area_by_class`).
    """
    out: dict[str, dict[str, float]] = {str(p): {} for p in projects["XMBH"]}
    if len(dltb) == 0 or len(projects) == 0:
        return out
    table = area_by_class(dltb.geometry.to_numpy(), dltb["DLBM"].astype(str).to_numpy(),
                          projects.geometry.to_numpy(), projects["XMBH"].astype(str).to_numpy())
    for code, key, area in zip(table["class"], table["key"], table["area_m2"], strict=True):
        if area > 0:
            out[str(key)][str(code)] = float(area)
    return out


def _stock(table: DensityTable, county: str, comp: dict[str, float]) -> float:
    if not comp:
        return 0.0
    codes = pd.Series(list(comp))
    dens = total_density(table, pd.Series([county] * len(codes)), codes)
    return float((np.array(list(comp.values())) / M2_PER_HA * dens).sum())


def _status(share: float | None, min_share: float) -> str:
    if share is None:
        return PENDING
    if share >= min_share:
        return ACHIEVED
    return PARTIAL if share >= min_share / 2 else MISSED


def _mine_link(mine_id: str, mines: set[str] | None) -> str:
    if not mine_id:
        return ""
    if mines is None:
        return "no register"
    return "found" if mine_id in mines else "missing"


def project_outcomes(projects: pd.DataFrame, baseline: dict[str, dict[str, float]],
                     realised: dict[str, dict[str, float]], table: DensityTable, *,
                     baseline_vintage: dict[str, int | None],
                     check_vintage: dict[str, int | None], mines: set[str] | None = None,
                     min_share: float = 0.8) -> list[ProjectOutcome]:
    """Outcome of every project (one row of ``projects`` each, standard field names).

    ``realised`` holds only projects whose check vintage exists; ``mines`` the ids of the
    abandoned-mine register (None: the workspace has none).
    """
    areas: list[float] = (list(ellipsoidal_area(projects.geometry.to_numpy()))
                          if len(projects) else [])
    out = []
    for row, area in zip(projects.to_dict("records"), areas, strict=True):
        pid, county, expected = str(row["XMBH"]), str(row["county"]), str(row["YQDL"])
        base = baseline.get(pid, {})
        base_stock = _stock(table, county, base)
        gain = _stock(table, county, {expected: sum(base.values()) or float(area)}) - base_stock
        after = realised.get(pid) if check_vintage.get(pid) is not None else None
        share = (after.get(expected, 0.0) / sum(after.values())
                 if after and sum(after.values()) > 0 else (0.0 if after is not None else None))
        budget = float(row.get("TZJE") or 0.0)
        out.append(ProjectOutcome(
            id=pid, name=str(row.get("XMMC") or ""), type=str(row.get("XMLX") or ""),
            county=county, budget_wan=budget, start_year=int(row["KSNF"]),
            end_year=int(row["JSNF"]), area_m2=float(area),
            area_ha=convert_area(float(area), "ha"), area_mu=convert_area(float(area), "mu"),
            expected_code=expected, baseline=base, baseline_vintage=baseline_vintage.get(pid),
            expected_gain_tc=gain, check_vintage=check_vintage.get(pid),
            realised=after or {}, realised_share=share,
            realised_gain_tc=(_stock(table, county, after) - base_stock
                              if after is not None else None),
            status=_status(share, min_share),
            abandoned_mine_id=str(row.get("FQKSBH") or ""),
            mine_link=_mine_link(str(row.get("FQKSBH") or ""), mines),
            gain_per_wan_tc=gain / budget if budget > 0 else 0.0))
    return out


def rank_projects(items: list[ProjectOutcome], by: str = "gain_per_wan") -> list[ProjectOutcome]:
    """Sort projects best first and number them (ties keep the project number order)."""
    keys = {"gain_per_wan": lambda p: p.gain_per_wan_tc, "gain": lambda p: p.expected_gain_tc,
            "area": lambda p: p.area_m2, "budget": lambda p: p.budget_wan}
    ordered = sorted(sorted(items, key=lambda p: p.id), key=keys[by], reverse=True)
    return [p.model_copy(update={"rank": i + 1}) for i, p in enumerate(ordered)]
