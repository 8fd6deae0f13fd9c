"""Stock change (碳储量变化) between vintages from the change patches of a detection batch. Pure.

The net change of a county is stock(to) − stock(from) of the two DLTB vintages. The part
explained by land-use conversions comes from the patches the ``change`` capability
found (:mod:`onemap.change.diff`; not recomputed here): each patch of area *a* turning
class *f* into class *t* changes the stock by *a* × (density(t) − density(f)). What is
left, ``residual``, is change below the minimum mapping unit (slivers the diff drops),
boundary noise, and forest-type overrides the patches do not carry.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from onemap.carbon.densities import entry_values, lookup_entries
from onemap.carbon.models import (
    CO2_PER_C,
    ConversionRow,
    CountyChange,
    GroupChange,
)
from onemap.carbon.stock import M2_PER_HA
from onemap.standards.landuse import construction_codes, land_classes
from onemap.standards.units import convert_area

if TYPE_CHECKING:
    from onemap.carbon.models import DensityTable

CONSTRUCTION = "建设用地"


def class_group(code: str) -> str:
    """Conversion-type group of a class: 建设用地 for construction land, else its level-1 name.

    Examples
    --------
    >>> class_group("0301"), class_group("0702"), class_group("0101"), class_group("1106")
    ('林地', '建设用地', '耕地', '湿地')
    """
    if code in construction_codes():
        return CONSTRUCTION
    cls = land_classes().get(code)
    return cls.level1_name_zh if cls else "未知"


def total_density(table: DensityTable, counties: pd.Series, codes: pd.Series,
                  ) -> np.ndarray:
    """Σ pools density (t C/ha) of each (county, code) pair."""
    if len(codes) == 0:
        return np.zeros(0)
    keys = pd.DataFrame({"county": counties.astype(str).to_numpy(),
                         "code": codes.astype(str).to_numpy()})
    return np.asarray(entry_values(table)[lookup_entries(table, keys)].sum(axis=1))


def conversions(patches: pd.DataFrame, table: DensityTable) -> pd.DataFrame:
    """Stock change of every (county, from, to) conversion of a patch table.

    ``patches`` has ``county``, ``from_code``, ``to_code`` and ``area_m2`` (m², CGCS2000).
    Patches with an unknown class on either side are left out (their change stays in the
    residual). Returns county, from_code, to_code, area_m2, patches and change_tc.
    """
    cols = ["county", "from_code", "to_code", "area_m2", "patches", "change_tc"]
    known = set(land_classes())
    part = patches[patches["from_code"].isin(known) & patches["to_code"].isin(known)]
    if part.empty:
        return pd.DataFrame({c: pd.Series(dtype=float if c in ("area_m2", "change_tc")
                                          else object) for c in cols})
    grouped = (part.groupby(["county", "from_code", "to_code"], sort=True)["area_m2"]
               .agg(area_m2="sum", patches="count").reset_index())
    d_to = total_density(table, grouped["county"], grouped["to_code"])
    d_from = total_density(table, grouped["county"], grouped["from_code"])
    grouped["change_tc"] = grouped["area_m2"].to_numpy() / M2_PER_HA * (d_to - d_from)
    return grouped[cols]


def conversion_rows(conv: pd.DataFrame) -> list[ConversionRow]:
    """Return the from × to matrix (t C) as models."""
    return [ConversionRow(
        county=r.county, from_code=r.from_code, to_code=r.to_code,
        from_group=class_group(r.from_code), to_group=class_group(r.to_code),
        area_m2=float(r.area_m2), area_ha=convert_area(float(r.area_m2), "ha"),
        patches=int(r.patches), change_tc=float(r.change_tc),
        change_tco2e=float(r.change_tc) * CO2_PER_C) for r in conv.itertuples(index=False)]


def group_rows(conv: pd.DataFrame) -> list[GroupChange]:
    """Stock change by conversion type (林地→建设用地 …), largest loss first."""
    if conv.empty:
        return []
    frame = conv.assign(from_group=conv["from_code"].map(class_group),
                        to_group=conv["to_code"].map(class_group))
    grouped = (frame.groupby(["from_group", "to_group"], sort=True)[["area_m2", "change_tc"]]
               .sum().reset_index().sort_values("change_tc", kind="stable"))
    return [GroupChange(from_group=r.from_group, to_group=r.to_group,
                        area_ha=convert_area(float(r.area_m2), "ha"),
                        change_tc=float(r.change_tc),
                        change_tco2e=float(r.change_tc) * CO2_PER_C)
            for r in grouped.itertuples(index=False)]


def county_change(region: str, name: str, stock_from: float, stock_to: float,
                  conv: pd.DataFrame) -> CountyChange:
    """Net change of a region with its gains, losses and unexplained residual."""
    change = conv["change_tc"].to_numpy(dtype=float) if len(conv) else np.zeros(0)
    gains = float(change[change > 0].sum())
    losses = float(change[change < 0].sum())
    net = stock_to - stock_from
    return CountyChange(region=region, name=name, stock_from_tc=stock_from,
                        stock_to_tc=stock_to, net_tc=net, net_tco2e=net * CO2_PER_C,
                        gains_tc=gains, losses_tc=losses, attributed_tc=gains + losses,
                        residual_tc=net - (gains + losses))


def construction_loss_share(conv: pd.DataFrame) -> float:
    """Share of the losses (negative conversions) whose new class is 建设用地 (0..1).

    Examples
    --------
    >>> conv = pd.DataFrame({"to_code": ["0702", "0101", "0301"],
    ...                      "change_tc": [-30.0, -10.0, 5.0]})
    >>> construction_loss_share(conv)
    0.75
    """
    if conv.empty:
        return 0.0
    loss = conv[conv["change_tc"] < 0]
    total = float(-loss["change_tc"].sum())
    if total == 0:
        return 0.0
    built = loss["to_code"].isin(construction_codes())
    return float(-loss.loc[built, "change_tc"].sum()) / total
