"""Carbon stock (碳储量): Σ area × density over four pools, by county and land class. Pure.

The InVEST carbon model's pools: above-ground biomass (地上生物量), below-ground biomass
(地下生物量), soil organic carbon (土壤有机碳) and dead organic matter (死有机质). Polygon
areas are first summed by (county, class[, forest type]) with one vectorised group-by,
then each sum is multiplied by its densities: the result equals Σ over polygons of
area × density, with one multiplication per class instead of per polygon.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
import pandas as pd

from onemap.carbon.densities import entry_values, lookup_entries
from onemap.carbon.models import CO2_PER_C, POOLS, ClassStock, StockRow
from onemap.standards.landuse import land_classes
from onemap.standards.units import convert_area

if TYPE_CHECKING:
    from onemap.carbon.models import DensityTable

KEYS = ["county", "code", "forest_type"]
M2_PER_HA = 10_000.0


def class_areas(counties: npt.ArrayLike, codes: npt.ArrayLike, areas_m2: npt.ArrayLike,
                forest_types: npt.ArrayLike | None = None) -> pd.DataFrame:
    """Sum polygon areas (m²) by county, land class and forest type ('' when none).

    Examples
    --------
    >>> class_areas(["360111", "360111", "360121"], ["0101", "0101", "0301"],
    ...             [10.0, 5.0, 2.0]).values.tolist()
    [['360111', '0101', '', 15.0], ['360121', '0301', '', 2.0]]
    """
    n = len(np.asarray(areas_m2))
    frame = pd.DataFrame({
        "county": np.asarray(counties, dtype=object).astype(str),
        "code": np.asarray(codes, dtype=object).astype(str),
        "forest_type": (np.full(n, "", dtype=object) if forest_types is None else
                        pd.Series(np.asarray(forest_types, dtype=object)).fillna("")
                        .astype(str).to_numpy()),
        "area_m2": np.asarray(areas_m2, dtype=np.float64)})
    return frame.groupby(KEYS, sort=True, as_index=False)["area_m2"].sum()


def merge_areas(tables: list[pd.DataFrame]) -> pd.DataFrame:
    """Reduce per-county area tables to one (sums by county, class and forest type)."""
    tables = [t for t in tables if len(t)]
    if not tables:
        return pd.DataFrame({"county": [], "code": [], "forest_type": [], "area_m2": []})
    return (pd.concat(tables, ignore_index=True)
            .groupby(KEYS, sort=True, as_index=False)["area_m2"].sum())


def pool_stocks(areas: pd.DataFrame, table: DensityTable) -> pd.DataFrame:
    """Add the entry index and the stock (t C) of each pool to an area table.

    Columns added: ``entry_<pool>`` and ``<pool>`` (t C) for every pool, and ``total``.
    """
    out = areas.reset_index(drop=True).copy()
    entries = (lookup_entries(table, out) if len(out)
               else np.empty((0, len(POOLS)), dtype=np.intp))
    values = entry_values(table)
    ha = out["area_m2"].to_numpy(dtype=np.float64) / M2_PER_HA
    for p, pool in enumerate(POOLS):
        out[f"entry_{pool}"] = entries[:, p]
        out[pool] = ha * values[entries[:, p]] if len(out) else np.zeros(0)
    out["total"] = out[list(POOLS)].sum(axis=1) if len(out) else np.zeros(0)
    return out


def stock_row(region: str, name: str, vintage: int, part: pd.DataFrame) -> StockRow:
    """Sum a (part of a) :func:`pool_stocks` table into one :class:`StockRow`."""
    area = float(part["area_m2"].sum())
    pools = {pool: float(part[pool].sum()) for pool in POOLS}
    total = float(sum(pools.values()))
    return StockRow(region=region, name=name, vintage=vintage, area_m2=area,
                    area_ha=convert_area(area, "ha"), area_mu=convert_area(area, "mu"),
                    pools_tc=pools, total_tc=total, total_tco2e=total * CO2_PER_C,
                    density_tc_per_ha=total / (area / M2_PER_HA) if area else 0.0)


def county_rows(stocks: pd.DataFrame, vintage: int,
                names: dict[str, str] | None = None) -> list[StockRow]:
    """One :class:`StockRow` per county of a :func:`pool_stocks` table (sorted by code)."""
    names = names or {}
    return [stock_row(str(c), names.get(str(c), ""), vintage, part)
            for c, part in stocks.groupby("county", sort=True)]


def class_rows(stocks: pd.DataFrame) -> list[ClassStock]:
    """Stock by land class over every county of the table (sorted by code)."""
    classes = land_classes()
    out = []
    for code, part in stocks.groupby("code", sort=True):
        area = float(part["area_m2"].sum())
        total = float(part["total"].sum())
        out.append(ClassStock(code=str(code), name=classes[str(code)].name_zh
                              if str(code) in classes else "",
                              area_ha=convert_area(area, "ha"), total_tc=total,
                              density_tc_per_ha=total / (area / M2_PER_HA) if area else 0.0))
    return out


def entry_areas(stocks: pd.DataFrame, n_entries: int) -> npt.NDArray[np.float64]:
    """Hectares weighted on each density entry (Σ over pools): the Monte Carlo's weights."""
    out = np.zeros(n_entries, dtype=np.float64)
    ha = stocks["area_m2"].to_numpy(dtype=np.float64) / M2_PER_HA
    for pool in POOLS:
        np.add.at(out, stocks[f"entry_{pool}"].to_numpy(dtype=np.intp), ha)
    return out
