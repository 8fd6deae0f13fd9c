"""批供用 figures of one county from its approvals, supply parcels and DLTB (pure).

* 批而未供 — approved land (批准建设用地) not covered by supply (土地供应), per approval
  batch and age at the end of the year: < 2, 2–5, > 5 years;
* 供而未用 / 闲置土地 — a supplied parcel whose land is still not built-up in DLTB one
  year after its agreed start date (约定动工日期) is suspected idle, after two years idle,
  with the 土地闲置费 basis of 20 % of its price; "built-up" means at least a third of
  the parcel is construction land (the 1/3 development share of the 闲置土地处置办法);
* 增存挂钩 — quota earned = ratio × (批而未供 disposed in the year, i.e. the year's
  supply on earlier approvals, + 闲置 disposed, i.e. parcels idle at the end of the year
  before that are built-up now).

Areas are ellipsoidal m² (CGCS2000) from :mod:`onemap.geometry.overlay`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import shapely
from shapely.geometry import mapping

from onemap.geometry.area import ellipsoidal_area
from onemap.geometry.overlay import intersect_pairs
from onemap.standards.landuse import construction_codes
from onemap.supply.errors import BadSupplyRecord
from onemap.supply.models import (
    AGE_BUCKETS,
    Area,
    CountySupply,
    SupplyParcel,
    UnsuppliedApproval,
)

if TYPE_CHECKING:
    import geopandas as gpd

DEVELOPED_SHARE = 1 / 3  # 动工开发面积不足三分之一 counts as not developed
IDLE_FEE_RATE = 0.20  # 土地闲置费: 20 % of the land price
_DUST = 0.01  # m²


@dataclass(frozen=True)
class CountyInputs:
    """The layers of one county the kernel reads (EPSG:4490)."""

    county: str
    approvals: gpd.GeoDataFrame
    supply: gpd.GeoDataFrame
    dltb: gpd.GeoDataFrame
    dltb_previous: gpd.GeoDataFrame | None


def parse_date(value: object, what: str, feature: str) -> date | None:
    """Read a YYYY-MM-DD (or YYYYMMDD) attribute; ``None`` when empty."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    text = str(value).strip()
    if not text or text.lower() in {"nan", "none", "nat"}:
        return None
    text = text[:10].replace("/", "-")
    if len(text) == 8 and text.isdigit():
        text = f"{text[:4]}-{text[4:6]}-{text[6:]}"
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise BadSupplyRecord(f"{what} {value!r} is not a date", feature_id=feature) from None


def add_years(d: date, years: int) -> date:
    """``d`` plus whole calendar years (29 February → 28 February)."""
    try:
        return d.replace(year=d.year + years)
    except ValueError:
        return d.replace(year=d.year + years, day=28)


def covered_m2(left: np.ndarray, right: np.ndarray, left_area: np.ndarray) -> np.ndarray:
    """Area of each ``left`` polygon inside the union of ``right`` (m², no double count)."""
    out = np.zeros(len(left))
    if len(left) == 0 or len(right) == 0:
        return out
    pairs = intersect_pairs(left, right, left_area=left_area, with_geometry=True)
    assert pairs.geometry is not None
    for i in np.unique(pairs.left):
        sel = (pairs.left == i) & (pairs.area > 0)
        if not sel.any():
            continue
        if pairs.inside[sel].any():
            out[i] = left_area[i]
            continue
        pieces = pairs.geometry[sel]
        out[i] = (pairs.area[sel][0] if len(pieces) == 1
                  else float(ellipsoidal_area(shapely.union_all(pieces))[0]))
    clipped: np.ndarray = np.minimum(out, left_area)
    return clipped


def built_share(parcels: np.ndarray, area: np.ndarray, dltb: gpd.GeoDataFrame) -> np.ndarray:
    """Share of each parcel that is construction land in ``dltb`` (DLTB does not overlap)."""
    if len(parcels) == 0:
        return np.zeros(0)
    built = dltb[dltb["DLBM"].astype(str).str.strip().isin(construction_codes())]
    if len(built) == 0:
        return np.zeros(len(parcels))
    pairs = intersect_pairs(parcels, built.geometry.to_numpy(), left_area=area)
    sums = np.bincount(pairs.left, weights=pairs.area, minlength=len(parcels))
    share: np.ndarray = np.clip(sums / np.maximum(area, 1e-9), 0.0, 1.0)
    return share


def age_bucket(years: float) -> str:
    """``<2``, ``2-5`` or ``>5`` (years since approval)."""
    return "<2" if years < 2 else ("2-5" if years <= 5 else ">5")


def _dated(frame: gpd.GeoDataFrame, column: str, id_column: str, as_of: date) -> pd.Series:
    dates = [parse_date(v, column, str(i)) for v, i in
             zip(frame[column] if column in frame.columns else [None] * len(frame),
                 frame[id_column].astype(str), strict=True)]
    return pd.Series(dates, index=frame.index, dtype=object).where(
        [d is not None and d <= as_of for d in dates], None)


def unsupplied_approvals(inp: CountyInputs, as_of: date
                         ) -> tuple[list[UnsuppliedApproval], dict[str, float]]:
    """批而未供 per approval batch (approved by ``as_of``) and the county's totals."""
    a = inp.approvals
    a_dates = _dated(a, "PZRQ", "PZWH", as_of)
    a = a[a_dates.notna()]
    s = inp.supply
    s_dates = _dated(s, "GDRQ", "GDBH", as_of)
    s = s[s_dates.notna()]
    geoms = a.geometry.to_numpy()
    area = ellipsoidal_area(geoms)
    cov = covered_m2(geoms, s.geometry.to_numpy(), area)
    rows: list[UnsuppliedApproval] = []
    totals = {"approved": float(area.sum()), "supplied": float(cov.sum())}
    for b in AGE_BUCKETS:
        totals[b] = 0.0
    for pzwh, d, ar, cv in zip(a["PZWH"].astype(str), a_dates[a_dates.notna()], area, cov,
                               strict=True):
        rest = max(0.0, float(ar - cv))
        if rest <= _DUST:
            continue
        years = (as_of - d).days / 365.25
        bucket = age_bucket(years)
        totals[bucket] += rest
        rows.append(UnsuppliedApproval(
            county=inp.county, pzwh=pzwh, approved_on=d, age_years=round(years, 3),
            age=bucket, approved=Area.of(float(ar)), supplied=Area.of(float(cv)),
            unsupplied=Area.of(rest)))
    return rows, totals


def _status(agreed: date | None, as_of: date, share: float) -> str:
    if agreed is None or as_of < add_years(agreed, 1):
        return "not_due"
    if share >= DEVELOPED_SHARE:
        return "developed"
    return "idle" if as_of >= add_years(agreed, 2) else "suspected_idle"


def supply_parcels(inp: CountyInputs, as_of: date, *, with_geometry: bool = True
                   ) -> list[SupplyParcel]:
    """Every parcel supplied by ``as_of`` with its 闲置 status against DLTB."""
    s = inp.supply
    s_dates = _dated(s, "GDRQ", "GDBH", as_of)
    s = s[s_dates.notna()]
    geoms = s.geometry.to_numpy()
    area = ellipsoidal_area(geoms)
    share = built_share(geoms, area, inp.dltb)
    out = []
    prices = (pd.to_numeric(s["CJJG"], errors="coerce") if "CJJG" in s.columns
              else pd.Series(np.nan, index=s.index))
    agreed_col = s["YDDGRQ"] if "YDDGRQ" in s.columns else pd.Series(None, index=s.index)
    for k, (gdbh, gd, agreed_raw) in enumerate(zip(s["GDBH"].astype(str),
                                                   s_dates[s_dates.notna()], agreed_col,
                                                   strict=True)):
        agreed = parse_date(agreed_raw, "YDDGRQ", gdbh)
        status = _status(agreed, as_of, float(share[k]))
        price = None if np.isnan(prices.iloc[k]) else float(prices.iloc[k])
        out.append(SupplyParcel(
            county=inp.county, gdbh=gdbh, supplied_on=gd, agreed_start=agreed,
            area=Area.of(float(area[k])), built_share=round(float(share[k]), 6),
            status=status,
            price_wan=price,
            idle_fee_basis_wan=(round(price * IDLE_FEE_RATE, 4)
                                if status == "idle" and price is not None else None),
            geometry=dict(mapping(geoms[k])) if with_geometry else None))
    return out


def disposed_unsupplied_m2(inp: CountyInputs, year: int) -> float:
    """批而未供 disposed in ``year``: that year's supply on land approved before it."""
    s = inp.supply
    start, end = date(year, 1, 1), date(year, 12, 31)
    s_dates = _dated(s, "GDRQ", "GDBH", end)
    s = s[[d is not None and d >= start for d in s_dates]]
    a = inp.approvals
    a_dates = _dated(a, "PZRQ", "PZWH", end)
    a = a[[d is not None and d < start for d in a_dates]]
    if len(s) == 0 or len(a) == 0:
        return 0.0
    geoms = s.geometry.to_numpy()
    return float(covered_m2(geoms, a.geometry.to_numpy(), ellipsoidal_area(geoms)).sum())


def disposed_idle_m2(inp: CountyInputs, year: int, parcels: list[SupplyParcel]) -> float:
    """闲置 disposed in ``year``: idle at the end of the year before, built-up now."""
    if inp.dltb_previous is None:
        return 0.0
    before = CountyInputs(inp.county, inp.approvals, inp.supply, inp.dltb_previous, None)
    was = {p.gdbh for p in supply_parcels(before, date(year - 1, 12, 31), with_geometry=False)
           if p.status in ("idle", "suspected_idle")}
    return sum(p.area.m2 for p in parcels if p.gdbh in was and p.status == "developed")


def county_supply(inp: CountyInputs, year: int, link_ratio: float, *,
                  with_geometry: bool = True,
                  ) -> tuple[CountySupply, list[UnsuppliedApproval], list[SupplyParcel]]:
    """Compute the 批供用 figures of one county for ``year`` (status at 31 December)."""
    as_of = date(year, 12, 31)
    unsupplied, totals = unsupplied_approvals(inp, as_of)
    parcels = supply_parcels(inp, as_of, with_geometry=with_geometry)
    d_unsup = disposed_unsupplied_m2(inp, year)
    d_idle = disposed_idle_m2(inp, year, parcels)
    susp = [p for p in parcels if p.status == "suspected_idle"]
    idle = [p for p in parcels if p.status == "idle"]
    row = CountySupply(
        county=inp.county, approved=Area.of(totals["approved"]),
        supplied=Area.of(totals["supplied"]),
        unsupplied=Area.of(sum(totals[b] for b in AGE_BUCKETS)),
        unsupplied_by_age={b: Area.of(totals[b]) for b in AGE_BUCKETS},
        unsupplied_batches=len(unsupplied),
        suspected_idle=Area.of(sum(p.area.m2 for p in susp)),
        suspected_idle_parcels=len(susp),
        idle=Area.of(sum(p.area.m2 for p in idle)), idle_parcels=len(idle),
        idle_fee_basis_wan=round(sum(p.idle_fee_basis_wan or 0.0 for p in idle), 4),
        disposed_unsupplied=Area.of(d_unsup), disposed_idle=Area.of(d_idle),
        earned_quota=Area.of(link_ratio * (d_unsup + d_idle)))
    return row, unsupplied, parcels


def roll_up(rows: list[CountySupply], code: str, name: str) -> CountySupply:
    """Sum county rows into one (province or city)."""
    def total(attr: str) -> Area:
        return Area.of(sum(getattr(r, attr).m2 for r in rows))

    return CountySupply(
        county=code, name=name, approved=total("approved"), supplied=total("supplied"),
        unsupplied=total("unsupplied"),
        unsupplied_by_age={b: Area.of(sum(r.unsupplied_by_age[b].m2 for r in rows))
                           for b in AGE_BUCKETS},
        unsupplied_batches=sum(r.unsupplied_batches for r in rows),
        suspected_idle=total("suspected_idle"),
        suspected_idle_parcels=sum(r.suspected_idle_parcels for r in rows),
        idle=total("idle"), idle_parcels=sum(r.idle_parcels for r in rows),
        idle_fee_basis_wan=round(sum(r.idle_fee_basis_wan for r in rows), 4),
        disposed_unsupplied=total("disposed_unsupplied"), disposed_idle=total("disposed_idle"),
        earned_quota=total("earned_quota"))
