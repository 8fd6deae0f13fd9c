"""DLTB 采矿用地 (0602) outside every valid right: suspected 无证开采 / 越界开采.

A 0602 polygon of the land survey whose area outside every right in force is at least
the threshold is suspected: 越界开采 (beyond the licence) when it touches or overlaps a
valid right, 无证开采 (unlicensed) otherwise. Pure module: frames in, models out.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import numpy as np
import shapely

from onemap.geometry.area import ellipsoidal_area
from onemap.geometry.overlay import intersect_pairs
from onemap.mining.models import SuspectedPatch
from onemap.standards.units import M2_PER_HA, M2_PER_MU

if TYPE_CHECKING:
    import geopandas as gpd

MINING_LAND = "0602"  # 采矿用地
REASON_UNLICENSED = "KC01"  # 无证开采
REASON_BEYOND = "KC02"  # 越界开采
NEAR_M = 1e-6  # degrees (≈ 0.1 m): a patch this close to a right touches it


def suspected_patches(dltb: gpd.GeoDataFrame, valid_rights: gpd.GeoDataFrame, *,
                      min_area_m2: float) -> list[SuspectedPatch]:
    """Return the 0602 polygons of ``dltb`` not covered by ``valid_rights``.

    Parameters
    ----------
    dltb : GeoDataFrame
        DLTB polygons (``BSM``, ``DLBM``, ``county``) in EPSG:4490.
    valid_rights : GeoDataFrame
        Mining rights in force (``right_no``), EPSG:4490.
    min_area_m2 : float
        Smallest uncovered area reported.

    Notes
    -----
    Areas are ellipsoidal on CGCS2000 (m²); the uncovered area is the polygon minus the
    union of the rights it meets.
    """
    mines = dltb[dltb["DLBM"].astype(str) == MINING_LAND].reset_index(drop=True)
    if len(mines) == 0:
        return []
    geoms = mines.geometry.to_numpy()
    rights = valid_rights.geometry.to_numpy()
    numbers = valid_rights["right_no"].to_numpy()
    area = ellipsoidal_area(geoms)
    near = shapely.buffer(rights, NEAR_M) if len(rights) else rights
    pairs = intersect_pairs(geoms, near) if len(rights) else None
    out = []
    for i in range(len(mines)):
        hits = pairs.right[pairs.left == i] if pairs is not None else np.zeros(0, dtype=int)
        outside = geoms[i]
        if len(hits):
            outside = shapely.difference(geoms[i], shapely.union_all(rights[hits]))
        out_m2 = float(ellipsoidal_area([outside])[0]) if len(hits) else float(area[i])
        if out_m2 < min_area_m2:
            continue
        beyond = len(hits) > 0
        out.append(SuspectedPatch(
            bsm=str(mines["BSM"].iloc[i]), county=str(mines["county"].iloc[i]),
            kind="beyond_licence" if beyond else "unlicensed",
            reason_code=REASON_BEYOND if beyond else REASON_UNLICENSED,
            area_m2=out_m2, area_ha=out_m2 / M2_PER_HA, area_mu=out_m2 / M2_PER_MU,
            near_right=str(numbers[hits[0]]) if beyond else "",
            geometry=json.loads(shapely.to_geojson(outside))))
    return out
