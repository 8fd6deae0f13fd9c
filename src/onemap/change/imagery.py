"""Imagery change patches (监测图斑) → change patches, instead of a vintage diff.

Pure. A monitoring patch carries its before/after classes (QSX 前时相地类 / HSX 后时相地类)
or none; a missing class is taken from the DLTB vintage before (or after) as the class
covering most of the patch. Monitoring patches are issued to be verified one by one, so
no sliver filter applies to them.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from onemap.change.diff import GEOGRAPHIC_CRS, PATCH_COLUMNS
from onemap.change.overlay import dominant_class
from onemap.geometry.area import ellipsoidal_area


def patches_from_monitoring(monitoring: gpd.GeoDataFrame, *, county: str,
                            before: gpd.GeoDataFrame | None = None,
                            after: gpd.GeoDataFrame | None = None,
                            id_prefix: str = "") -> gpd.GeoDataFrame:
    """Turn one county's monitoring patches into change patches (:data:`PATCH_COLUMNS`).

    Parameters
    ----------
    monitoring
        Layer ``monitoring_patch``: JCBH, QSX, HSX (either may be empty) and geometry.
    before, after
        DLTB of the vintages before and after, used when QSX / HSX are missing and to
        find the township (ZLDWDM). Either may be None.
    """
    mon = monitoring.reset_index(drop=True)
    geoms = np.asarray(mon.geometry.to_numpy(), dtype=object)
    qsx = _codes(mon, "QSX")
    hsx = _codes(mon, "HSX")
    township = [""] * len(mon)
    for frame, codes in ((before, qsx), (after, hsx)):
        if frame is None or len(frame) == 0:
            continue
        zl = frame["ZLDWDM"] if "ZLDWDM" in frame.columns else pd.Series([""] * len(frame))
        dom, dom_zl = dominant_class(geoms, np.asarray(frame.geometry.to_numpy(), dtype=object),
                                     frame["DLBM"].astype(str).to_numpy(),
                                     zl.fillna("").astype(str).to_numpy())
        for i in range(len(mon)):
            if not codes[i]:
                codes[i] = dom[i]
            if not township[i] and dom_zl[i]:
                township[i] = dom_zl[i][:9]
    refs = _codes(mon, "JCBH")
    refs = [r or f"{county}-{i + 1}" for i, r in enumerate(refs)]
    frame = pd.DataFrame({
        "id": [f"{id_prefix}{i + 1:05d}" for i in range(len(mon))],
        "county": county, "township": township, "from_code": qsx, "to_code": hsx,
        "area_m2": ellipsoidal_area(geoms) if len(geoms) else np.array([]),
        "old_bsm": "", "new_bsm": "", "source_ref": refs,
    })
    return gpd.GeoDataFrame(frame[PATCH_COLUMNS], geometry=list(geoms), crs=GEOGRAPHIC_CRS)


def _codes(frame: pd.DataFrame, column: str) -> list[str]:
    if column not in frame.columns:
        return [""] * len(frame)
    values = frame[column].fillna("").astype(str).str.strip()
    return ["" if v in ("nan", "None") else v for v in values]
