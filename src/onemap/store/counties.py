"""Assign each feature to the county partition (县级行政区) it belongs to."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from onemap.store.kinds import COUNTY_COLUMN, LayerKind


def county_from_codes(values: pd.Series) -> pd.Series:
    """Take the first 6 digits of administrative codes (ZLDWDM, XZQDM); invalid → NA."""
    text = values.astype("string").str.strip().str[:6]
    ok = text.str.fullmatch(r"\d{6}").fillna(False).astype(bool)
    return text.where(ok, pd.NA)


def assign_counties(
    gdf: gpd.GeoDataFrame,
    kind: LayerKind,
    admin_counties: gpd.GeoDataFrame | None,
    fallback: str,
) -> pd.Series:
    """Return the county code of every row.

    Order: an existing ``county`` column, then the kind's code fields (first 6
    digits), then the admin county whose polygon holds the feature's
    representative point, then ``fallback`` (the workspace's root region).
    """
    county = pd.Series(pd.NA, index=gdf.index, dtype="string")
    sources = [COUNTY_COLUMN, *kind.county_fields]
    for name in sources:
        if name in gdf.columns:
            county = county.fillna(county_from_codes(gdf[name]))
    missing = county.isna().to_numpy()
    if missing.any() and admin_counties is not None and len(admin_counties):
        points = shapely.point_on_surface(gdf.geometry.to_numpy()[missing])
        tree = shapely.STRtree(admin_counties.geometry.to_numpy())
        pt_idx, poly_idx = tree.query(points, predicate="intersects")
        found = np.full(len(points), None, dtype=object)
        codes = admin_counties["XZQDM"].astype(str).str[:6].to_numpy()
        found[pt_idx[::-1]] = codes[poly_idx[::-1]]  # first match wins
        values = county.to_numpy(dtype=object)
        values[np.flatnonzero(missing)] = found
        county = pd.Series(values, index=gdf.index, dtype="string")
    return county.fillna(fallback)
