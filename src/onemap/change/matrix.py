"""Change statistics (变化统计): from × to matrix by county, in m², 公顷 and 亩. Pure."""

from __future__ import annotations

from typing import TYPE_CHECKING

from onemap.change.models import MatrixCell
from onemap.standards.units import convert_area, round_half_up

if TYPE_CHECKING:
    import pandas as pd


def change_matrix(patches: pd.DataFrame) -> list[MatrixCell]:
    """Sum patch areas by county, from-code and to-code (rows sorted by those keys).

    Examples
    --------
    >>> frame = pd.DataFrame({"county": ["360111", "360111"], "from_code": ["0101", "0101"],
    ...                       "to_code": ["0702", "0702"], "area_m2": [1000.0, 500.0]})
    >>> cell = change_matrix(frame)[0]
    >>> cell.area_m2, cell.area_ha, cell.area_mu, cell.patches
    (1500.0, 0.15, 2.25, 2)
    """
    if len(patches) == 0:
        return []
    grouped = (patches.groupby(["county", "from_code", "to_code"], sort=True)["area_m2"]
               .agg(["sum", "count"]).reset_index())
    return [MatrixCell(county=r.county, from_code=r.from_code, to_code=r.to_code,
                       area_m2=float(r.sum), area_ha=round_half_up(convert_area(r.sum, "ha"), 4),
                       area_mu=round_half_up(convert_area(r.sum, "mu"), 2), patches=int(r.count))
            for r in grouped.itertuples(index=False)]
