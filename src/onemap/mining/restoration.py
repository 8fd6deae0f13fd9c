"""Restoration check of abandoned mines (历史遗留矿山治理核查) against a later DLTB vintage.

A mine reported restored is confirmed when, in the first DLTB vintage after its
restoration year, at least ``min_share`` of its area is 耕地 (01), 林地 (03) or 草地
(04). Pure module: frames in, models out.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from onemap.geometry.area import ellipsoidal_area
from onemap.geometry.overlay import intersect_pairs
from onemap.mining.models import RestorationCheck

if TYPE_CHECKING:
    import geopandas as gpd

RESTORED_GROUPS = {"01": "farmland_m2", "03": "forest_m2", "04": "grass_m2"}
VERDICT_ZH = {"restored": "已恢复为耕地/林地/草地", "not_restored": "未恢复（地类不符）",
              "no_vintage": "待核查（无后续年度变更调查）"}


def check_restoration(mines: gpd.GeoDataFrame, dltb: gpd.GeoDataFrame | None,
                      vintage: int | None, *, min_share: float) -> list[RestorationCheck]:
    """Check each mine of ``mines`` (``mine_id``, ``county``, ``restored_year``) in ``dltb``.

    ``dltb`` is the vintage after the mines' restoration year (None: there is none, so
    every mine is ``no_vintage``). Areas are ellipsoidal m² on CGCS2000.
    """
    out = []
    geoms = mines.geometry.to_numpy()
    sums = np.zeros((len(mines), 4))
    if dltb is not None and len(mines):
        groups = dltb["DLBM"].astype(str).str[:2].to_numpy()
        pairs = intersect_pairs(geoms, dltb.geometry.to_numpy())
        col = np.array([list(RESTORED_GROUPS).index(g) if g in RESTORED_GROUPS else 3
                        for g in groups[pairs.right]], dtype=int)
        np.add.at(sums, (pairs.left, col), pairs.area)
    area = ellipsoidal_area(geoms) if len(mines) else np.zeros(0)
    for i, m in enumerate(mines.itertuples(index=False)):
        year = None if m.restored_year is None or m.restored_year != m.restored_year \
            else int(m.restored_year)
        share = float(sums[i, :3].sum() / area[i]) if area[i] > 0 else 0.0
        verdict = ("no_vintage" if dltb is None else
                   "restored" if share >= min_share else "not_restored")
        out.append(RestorationCheck(
            mine_id=m.mine_id, county=m.county, restored_year=year, vintage=vintage,
            farmland_m2=float(sums[i, 0]), forest_m2=float(sums[i, 1]),
            grass_m2=float(sums[i, 2]), other_m2=float(sums[i, 3]), restored_share=share,
            verdict=verdict, verdict_zh=VERDICT_ZH[verdict]))
    return out
