"""Seeded, plausible statistics inputs for the demo province (synthetic, not official data).

``load_demo_statistics(ws, seed)`` computes the spatial indicators from the demo
layers, then records, for every county held in the workspace:

* ``gdp`` (亿元, 2019-2023): 2019 level proportional to the county's construction land
  (≈ 0.9-1.6 亿元 per 10 ha), growth 3 % in 2020 and 5-9 % a year after;
* ``water_use`` (亿立方米): ≈ 15-30 m³ per 万元 of GDP in 2019, growing 0-2 % a year;
* (``abandoned_open_pit_mines_restored`` is no longer seeded here: its values come from
  the demo's abandoned-mine register, :mod:`onemap.demo.mining`);
* quotas per county: 耕地保有量 and 永久基本农田 at 97-101 % / 98-100 % of the 2020
  value, 生态保护红线 at 99.5-100 %, high-standard farmland at the plan's ratio
  3079 / 2305.7 of the 2020 area, mines restored 1840 / 100 each, new construction land
  2-8 times the 2019-2020 change; city and province quotas are the county sums;

and at province level the survey and plan-record series (deposits found, 1:10000 map
sheets, 1:50000 geology km², share of water-saving counties, rural industry quota
share, PBF reserve). Every value is marked as imported from "onemap demo statistics".
The same seed gives the same inputs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from pydantic import BaseModel

from onemap.indicators.catalog import ensure_catalog
from onemap.indicators.models import ValueSource
from onemap.indicators.records import Key, append_quota, append_values, current_map
from onemap.indicators.service import refresh_derived, refresh_spatial_indicators

if TYPE_CHECKING:
    from collections.abc import Mapping

    from onemap.store.access import Actor
    from onemap.store.workspace import Workspace

ENTERED_BY = "演示统计数据 demo statistics (synthetic)"
PROVINCE_SERIES: dict[str, dict[int, float]] = {
    "new_large_medium_deposits": {2021: 5, 2022: 4, 2023: 6},
    "basic_map_update_1to10k": {2021: 1300, 2022: 1250, 2023: 1100},
    "regional_geology_1to50k": {2021: 1150, 2022: 980, 2023: 1020},
    "water_saving_counties_share": {2020: 22.0, 2021: 27.0, 2022: 31.0, 2023: 34.0},
    "rural_construction_quota_share": {2020: 5.0, 2021: 6.0, 2022: 7.0, 2023: 7.5},
    "pbf_reserve_area": {2020: 61.90},
}
MINES_PER_COUNTY = 1840 / 100
Item = tuple[Key, float | None, ValueSource]


class DemoStatistics(BaseModel):
    """What :func:`load_demo_statistics` recorded."""

    seed: int
    counties: int
    values: int
    quotas: int
    spatial_rows: int


def _county_codes(ws: Workspace) -> list[str]:
    return sorted(p.county for p in ws.partitions("dltb"))


def load_demo_statistics(ws: Workspace, seed: int = 2019, *, actor: Actor,
                         years: tuple[int, ...] = (2019, 2020, 2021, 2022, 2023),
                         ) -> DemoStatistics:
    """Record seeded statistics, quotas and province series for a demo workspace."""
    ensure_catalog(ws, actor=actor)
    spatial = refresh_spatial_indicators(ws, actor=actor)
    rng = np.random.default_rng(seed)
    current = current_map(ws)
    src = ValueSource(kind="import", file=f"onemap demo statistics (seed {seed})",
                      entered_by=ENTERED_BY)
    items: list[Item] = []
    quotas: list[tuple[str, str, float]] = []
    codes = _county_codes(ws)
    for code in codes:
        items += _county_series(code, current, rng, years, src)
        quotas += _county_quotas(code, current, rng)
    for series, by_year in PROVINCE_SERIES.items():
        items += [((series, ws.config.root_region, y), float(v), src)
                  for y, v in by_year.items() if y <= max(years)]
    added = append_values(ws, items, recorded_by=actor.username, note="demo statistics")
    totals: dict[tuple[str, str], float] = {}
    for ind, code, value in quotas:
        append_quota(ws, ind, code, value, actor.username)
        for parent in (code[:4] + "00", ws.config.root_region):
            totals[(ind, parent)] = totals.get((ind, parent), 0.0) + value
    for (ind, parent), value in totals.items():
        append_quota(ws, ind, parent, round(value, 4), actor.username)
    added += refresh_derived(ws, actor=actor)
    ws.audit(actor.username, "indicators.demo_statistics", f"seed {seed}",
             {"values": added, "quotas": len(quotas) + len(totals)})
    return DemoStatistics(seed=seed, counties=len(codes), values=added,
                          quotas=len(quotas) + len(totals), spatial_rows=spatial)


def _construction_m2(current: Mapping[Key, object], code: str) -> float:
    farmland = current.get(("farmland_retained", code, 2019))
    value = getattr(farmland, "value", None) or 10.0
    return float(value) * 0.15 * 666_666.67 * 10.0  # ≈ 15 % of the farmland, in m²


def _county_series(code: str, current: Mapping[Key, object], rng: np.random.Generator,
                   years: tuple[int, ...], src: ValueSource) -> list[Item]:
    out: list[Item] = []
    gdp = _construction_m2(current, code) / 1e5 * rng.uniform(0.9, 1.6)  # 亿元
    water = gdp * rng.uniform(15, 30) / 1e4 * 10  # 亿 m³ ≈ m³ per 万元 × GDP
    for y in sorted(years):
        if y > min(years):
            gdp *= 1.03 if y == 2020 else 1 + rng.uniform(0.05, 0.09)
            water *= 1 + rng.uniform(0.0, 0.02)
        out.append((("gdp", code, y), round(gdp, 2), src))
        out.append((("water_use", code, y), round(water, 4), src))
    # abandoned_open_pit_mines_restored comes from the mining register (demo/mining.py);
    # the draws stay so every other seeded series keeps its values
    mean = MINES_PER_COUNTY / 5 * rng.uniform(0.6, 1.3)
    for y in years:
        if y > 2020:
            rng.poisson(mean)
    return out


def _value(current: Mapping[Key, object], ind: str, code: str, year: int) -> float | None:
    v = current.get((ind, code, year))
    return getattr(v, "value", None)


def _county_quotas(code: str, current: Mapping[Key, object],
                   rng: np.random.Generator) -> list[tuple[str, str, float]]:
    out = [("abandoned_open_pit_mines_restored", code, MINES_PER_COUNTY)]
    factors = {"farmland_retained": (0.97, 1.01), "pbf_area": (0.98, 1.0),
               "eco_redline_area": (0.995, 1.0)}
    for ind, (lo, hi) in factors.items():
        v = _value(current, ind, code, 2020)
        if v is not None:
            out.append((ind, code, round(v * rng.uniform(lo, hi), 4)))
    hsf = _value(current, "high_standard_farmland", code, 2020)
    if hsf is not None:
        out.append(("high_standard_farmland", code, round(hsf * 3079 / 2305.7, 4)))
    change = _value(current, "new_construction_land", code, 2020)
    if change is not None:
        out.append(("new_construction_land", code, round(max(change, 0.01) *
                                                         rng.uniform(2, 8), 4)))
    return out
