"""Assign each feature to the county partition (县级行政区) it belongs to, and check claims.

A feature's attributes *claim* a county (the first 6 digits of ``county``, then of the
kind's code fields such as ZLDWDM or XZQDM). Where the workspace holds county
boundaries (``admin_county``), :func:`check_claims` holds the claim against the
geometry: a polygon must have at least :data:`MAJORITY_SHARE` of its ellipsoidal area
inside the claimed county, a point must lie inside it or within
:data:`BOUNDARY_TOLERANCE_M` of its boundary. Features that claim nothing go to the
county holding most of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from onemap.geometry.area import ellipsoidal_area
from onemap.geometry.overlay import intersect_pairs
from onemap.store.kinds import COUNTY_COLUMN, LayerKind

if TYPE_CHECKING:
    import geopandas as gpd

IntArray = npt.NDArray[np.intp]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
ObjArray = npt.NDArray[np.object_]

MAJORITY_SHARE = 0.5
"""A polygon's claim holds when at least this share of its area lies in the claimed county.

Shares are ratios of ellipsoidal areas (CGCS2000); a polygon sharing edges with the
county boundary, as survey polygons do, has 100 % inside. A slack of
:data:`_SHARE_SLACK` (1e-6 of the feature's area, 0.01 m² of a hectare) absorbs the
≈1e-9 relative difference between the clipped and the whole polygon's area for a
polygon split exactly in half.
"""

BOUNDARY_TOLERANCE_M = 1.0
"""Points within this distance (m) of the claimed county hold the claim (a 1 m buffer).

Applied in degrees as ``BOUNDARY_TOLERANCE_M / METRES_PER_DEGREE_MAX`` (≈ 8.95e-6°), so
the accepted band is at most 1 m wide in every direction: 1 m north–south and
1 m × cos(latitude) east–west (0.88 m at 28.6°N). It absorbs coordinates rounded to the
millimetre or snapped to a 1e-9° grid (FileGDB), not misplaced points.
"""

METRES_PER_DEGREE_MAX = 111_700.0  # a degree of latitude is at most this long (at the poles)
_SHARE_SLACK = 1e-6
_POLYGONAL = (3, 6)  # shapely type ids of Polygon and MultiPolygon


def county_from_codes(values: pd.Series) -> pd.Series:
    """Take the first 6 digits of administrative codes (ZLDWDM, XZQDM); invalid → NA."""
    text = values.astype("string").str.strip().str[:6]
    ok = text.str.fullmatch(r"\d{6}").fillna(False).astype(bool)
    return text.where(ok, pd.NA)


def claimed_counties(gdf: pd.DataFrame, kind: LayerKind) -> tuple[pd.Series, pd.Series]:
    """Return the county every row's attributes claim and the field that claims it.

    Fields are read in order, ``county`` first, then ``kind.county_fields``; rows without
    a 6-digit code claim nothing (NA in both).
    """
    county = pd.Series(pd.NA, index=gdf.index, dtype="string")
    field = pd.Series(pd.NA, index=gdf.index, dtype="string")
    for name in (COUNTY_COLUMN, *kind.county_fields):
        if name in gdf.columns:
            codes = county_from_codes(gdf[name])
            new = county.isna() & codes.notna()
            county = county.where(~new, codes)
            field = field.where(~new, name)
    return county, field


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
    county, _ = claimed_counties(gdf, kind)
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


@dataclass(frozen=True)
class CountyShares:
    """How much of each feature lies in each county: sparse (feature, county, share) pairs.

    ``share`` is the fraction of a polygon's ellipsoidal area inside the county; for
    points (and other non-polygonal features, by their representative point) it is 1.0
    for every county that holds the point or lies within :data:`BOUNDARY_TOLERANCE_M`
    of it. Pairs of one feature are in order of preference: larger shares first, a
    county holding a point before one that is only within the tolerance.
    """

    feature: IntArray
    county: ObjArray
    share: FloatArray
    size: int

    def majority(self) -> tuple[ObjArray, FloatArray]:
        """Return each feature's county with the largest share (None: none) and that share."""
        county = np.full(self.size, None, dtype=object)
        share = np.zeros(self.size)
        order = np.lexsort((-self.share, self.feature))  # stable: preference kept on ties
        f = self.feature[order]
        first = order[np.r_[True, f[1:] != f[:-1]]] if len(f) else order
        county[self.feature[first]] = self.county[first]
        share[self.feature[first]] = self.share[first]
        return county, share

    def share_in(self, counties: npt.ArrayLike) -> FloatArray:
        """Return the share of feature ``i`` inside ``counties[i]`` (0 where none)."""
        wanted = np.asarray(counties, dtype=object)
        hit = wanted[self.feature] == self.county
        out = np.zeros(self.size)
        np.maximum.at(out, self.feature[hit], self.share[hit])
        return out


def county_shares(geoms: npt.ArrayLike, county_geoms: npt.ArrayLike,
                  county_codes: npt.ArrayLike) -> CountyShares:
    """Measure the share of every feature inside every county it meets (see CountyShares).

    Polygons covered by a county (the usual case) are found with one bulk STRtree query
    against the prepared county polygons and need no clipping; only polygons crossing
    a boundary are intersected (:func:`onemap.geometry.overlay.intersect_pairs`).

    Examples
    --------
    >>> counties = [shapely.box(116.0, 28.6, 116.1, 28.7), shapely.box(116.1, 28.6, 116.2, 28.7)]
    >>> features = [shapely.box(116.01, 28.61, 116.02, 28.62),  # inside the first
    ...             shapely.box(116.093, 28.65, 116.103, 28.66),  # 70 % in the first
    ...             shapely.Point(116.15, 28.7)]  # on the second's northern edge
    >>> county, share = county_shares(features, counties, ["360111", "360121"]).majority()
    >>> county.tolist(), share.round(2).tolist()
    (['360111', '360111', '360121'], [1.0, 0.7, 1.0])
    """
    geoms = np.asarray(geoms, dtype=object).ravel()
    cgeoms = np.asarray(county_geoms, dtype=object).ravel()
    codes = np.asarray(county_codes, dtype=object).ravel()
    present = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    polygonal = present & np.isin(shapely.get_type_id(geoms), _POLYGONAL)
    parts = [_polygon_shares(geoms, np.flatnonzero(polygonal), cgeoms),
             _point_shares(geoms, np.flatnonzero(present & ~polygonal), cgeoms)]
    feature = np.concatenate([p[0] for p in parts])
    county = np.concatenate([p[1] for p in parts])
    share = np.concatenate([p[2] for p in parts])
    return CountyShares(feature=feature, county=codes[county] if len(county) else
                        np.zeros(0, dtype=object), share=share, size=len(geoms))


def _polygon_shares(geoms: ObjArray, idx: IntArray, counties: ObjArray
                    ) -> tuple[IntArray, IntArray, FloatArray]:
    if not len(idx) or not len(counties):
        return np.zeros(0, np.intp), np.zeros(0, np.intp), np.zeros(0)
    shapely.prepare(counties)
    tree = shapely.STRtree(geoms[idx])
    c_in, f_in = tree.query(counties, predicate="covers")
    rest = np.setdiff1d(np.arange(len(idx)), f_in)
    pairs = intersect_pairs(geoms[idx[rest]], counties)
    own = ellipsoidal_area(geoms[idx[rest[pairs.left]]])
    share = np.divide(pairs.area, own, out=np.zeros(len(own)), where=own > 0)
    keep = share > 0
    return (np.concatenate([idx[f_in], idx[rest[pairs.left[keep]]]]),
            np.concatenate([c_in, pairs.right[keep]]),
            np.concatenate([np.ones(len(f_in)), np.minimum(share[keep], 1.0)]))


def _point_shares(geoms: ObjArray, idx: IntArray, counties: ObjArray
                  ) -> tuple[IntArray, IntArray, FloatArray]:
    if not len(idx) or not len(counties):
        return np.zeros(0, np.intp), np.zeros(0, np.intp), np.zeros(0)
    points = shapely.point_on_surface(geoms[idx])
    tree = shapely.STRtree(points)
    c_in, p_in = tree.query(counties, predicate="covers")
    c_near, p_near = tree.query(counties, predicate="dwithin",
                                distance=BOUNDARY_TOLERANCE_M / METRES_PER_DEGREE_MAX)
    inside = set(zip(p_in.tolist(), c_in.tolist(), strict=True))
    extra = np.array([(p, c) not in inside for p, c in zip(p_near.tolist(), c_near.tolist(),
                                                           strict=True)], dtype=bool)
    p_all = np.concatenate([p_in, p_near[extra]]) if len(extra) else p_in
    c_all = np.concatenate([c_in, c_near[extra]]) if len(extra) else c_in
    return idx[p_all], c_all, np.ones(len(p_all))


@dataclass(frozen=True)
class ClaimCheck:
    """Outcome of :func:`check_claims`, one entry per feature.

    ``county`` is where the feature goes (NA: nowhere known; the caller decides);
    ``failed`` marks claims the geometry contradicts; ``located`` and ``located_share``
    give the county holding most of the feature and its share, ``claimed_share`` the
    share inside the claimed county.
    """

    county: pd.Series
    failed: BoolArray
    located: ObjArray
    located_share: FloatArray
    claimed_share: FloatArray


def check_claims(claimed: pd.Series, shares: CountyShares, known: set[str]) -> ClaimCheck:
    """Hold each feature's claimed county against where its geometry lies.

    A claim of a county in ``known`` (the counties with a boundary) holds when the
    feature's share inside it reaches :data:`MAJORITY_SHARE`. A claim of a county
    without a boundary cannot be verified: it holds unless another county holds the
    majority. Features without a claim go to the county holding most of them.

    Examples
    --------
    >>> counties = [shapely.box(116.0, 28.6, 116.1, 28.7), shapely.box(116.1, 28.6, 116.2, 28.7)]
    >>> shares = county_shares([shapely.box(116.15, 28.61, 116.16, 28.62)] * 3, counties,
    ...                        ["360111", "360121"])
    >>> check = check_claims(pd.Series(["360111", "360121", None], dtype="string"), shares,
    ...                      {"360111", "360121"})
    >>> check.failed.tolist(), check.county.tolist(), check.located.tolist()
    ([True, False, False], ['360111', '360121', '360121'], ['360121', '360121', '360121'])
    """
    located, located_share = shares.majority()
    claims = claimed.astype(object).where(claimed.notna(), None).to_numpy()
    claimed_share = shares.share_in(claims)
    has_claim = claimed.notna().to_numpy()
    is_known = has_claim & claimed.isin(known).fillna(False).to_numpy(dtype=bool)
    threshold = MAJORITY_SHARE - _SHARE_SLACK
    failed = (is_known & (claimed_share < threshold)) | (
        has_claim & ~is_known & (located_share >= threshold))
    county = claimed.where(has_claim, pd.Series(located, index=claimed.index, dtype="string"))
    return ClaimCheck(county=county, failed=failed, located=located,
                      located_share=located_share, claimed_share=claimed_share)
