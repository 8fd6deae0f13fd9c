"""进出平衡 balances from ledger entries (pure): per county and year, province roll-up."""

from __future__ import annotations

from typing import TYPE_CHECKING

from onemap.ledgers.models import BalanceRow
from onemap.standards.units import convert_area, round_half_up

if TYPE_CHECKING:
    import pandas as pd


def _row(county: str, year: int, out_m2: float, in_m2: float, entries: int) -> BalanceRow:
    bal = in_m2 - out_m2

    def ha(v: float) -> float:
        return round_half_up(convert_area(v, "ha"), 4)

    def mu(v: float) -> float:
        return round_half_up(convert_area(v, "mu"), 2)

    return BalanceRow(county=county, year=year, out_m2=out_m2, in_m2=in_m2, balance_m2=bal,
                      out_ha=ha(out_m2), in_ha=ha(in_m2), balance_ha=ha(bal), out_mu=mu(out_m2),
                      in_mu=mu(in_m2), balance_mu=mu(bal), entries=entries,
                      warning=out_m2 > in_m2 + 1e-6)


def balances(entries: pd.DataFrame) -> list[BalanceRow]:
    """Sum entries (county, year, direction, area_m2) into one row per county and year.

    Examples
    --------
    >>> e = pd.DataFrame({"county": ["360111"] * 3, "year": [2020] * 3,
    ...                   "direction": ["out", "in", "out"], "area_m2": [800.0, 1000.0, 400.0]})
    >>> r = balances(e)[0]
    >>> r.out_m2, r.in_m2, r.balance_m2, r.warning
    (1200.0, 1000.0, -200.0, True)
    """
    if len(entries) == 0:
        return []
    wide = (entries.pivot_table(index=["county", "year"], columns="direction", values="area_m2",
                                aggfunc="sum", fill_value=0.0)
            .reindex(columns=["in", "out"], fill_value=0.0))
    counts = entries.groupby(["county", "year"]).size()
    return [_row(str(c), int(y), float(r["out"]), float(r["in"]), int(counts[(c, y)]))
            for (c, y), r in wide.sort_index().iterrows()]


def roll_up(rows: list[BalanceRow], region: str) -> list[BalanceRow]:
    """Province (or city) totals per year; the warning flags the sum, not single counties."""
    years = sorted({r.year for r in rows})
    out = []
    for y in years:
        sel = [r for r in rows if r.year == y]
        out.append(_row(region, y, sum(r.out_m2 for r in sel), sum(r.in_m2 for r in sel),
                        sum(r.entries for r in sel)))
    return out
