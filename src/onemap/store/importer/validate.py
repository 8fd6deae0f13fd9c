"""Import step 3, validate: geometry, land-use codes, county claims, then the actor's scope.

:func:`validate` checks one normalised chunk: empty or wrong-type geometry, invalid
geometry (repaired with ``make_valid`` and reported, or rejected when nothing is left),
unknown 地类编码, and each feature's county claim held against the workspace's county
boundaries (:mod:`onemap.store.counties`; without an ``admin_county`` layer the claim in
the attributes is used as it is). :func:`check_scope` refuses the chunk when any
county its features go to lies outside the actor's scope, naming counties and features.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from onemap.errors import ScopeViolation
from onemap.standards.landuse import land_classes
from onemap.store.counties import (
    BOUNDARY_TOLERANCE_M,
    check_claims,
    claimed_counties,
    county_shares,
)
from onemap.store.formats.models import ImportRequest, RejectedFeature, RepairedFeature
from onemap.store.importer.normalise import NormalisedChunk, Reasons, add_reasons
from onemap.store.kinds import COUNTY_COLUMN, LayerKind
from onemap.store.policy import Action

if TYPE_CHECKING:
    from onemap.store.access import Actor
    from onemap.store.workspace import Workspace

CODE_FIELDS = ("DLBM", "KCDLBM")  # land-use code fields checked against the 三调 classes
ID_FIELDS = ("BSM", "DKBH", "PZWH", "GDBH", "XKZH", "ZHDBH", "JCBH", "XZQDM")
UNCHECKED_KINDS = ("admin_province", "admin_city", "admin_county")  # above or = the county
MAX_LISTED = 5
_POLYGONAL = ("Polygon", "MultiPolygon")
_PUNTAL = ("Point", "MultiPoint")
_TYPE_NAMES = np.array(["Point", "LineString", "LinearRing", "Polygon", "MultiPoint",
                        "MultiLineString", "MultiPolygon", "GeometryCollection"], dtype=object)


@dataclass(frozen=True)
class CountyBoundaries:
    """County polygons (EPSG:4490) and their 6-digit codes, to hold county claims against."""

    geoms: np.ndarray
    codes: np.ndarray

    @classmethod
    def of(cls, ws: Workspace, spec: LayerKind) -> CountyBoundaries | None:
        """Return the workspace's ``admin_county`` boundaries, or None.

        None when the workspace has no such layer, or for kinds whose features are
        counties or larger regions.
        """
        if spec.name in UNCHECKED_KINDS or not ws.has_layer("admin_county"):
            return None
        admin = ws.read_layer("admin_county", columns=["XZQDM", COUNTY_COLUMN])
        codes = admin[COUNTY_COLUMN] if COUNTY_COLUMN in admin else admin["XZQDM"].str[:6]
        return cls(geoms=admin.geometry.to_numpy(),
                   codes=codes.astype(str).to_numpy(dtype=object))


@dataclass
class CheckedChunk:
    """A validated chunk: features with their county, and who was rejected or repaired."""

    frame: gpd.GeoDataFrame
    rejected: list[RejectedFeature]
    repaired: list[RepairedFeature]
    offset: int

    def accepted(self) -> gpd.GeoDataFrame:
        """Return the features that were not rejected."""
        keep = np.ones(len(self.frame), dtype=bool)
        keep[[r.index - self.offset for r in self.rejected]] = False
        return self.frame[keep].copy()


def validate(chunk: NormalisedChunk, spec: LayerKind, boundaries: CountyBoundaries | None,
             fallback: str) -> CheckedChunk:
    """Check one chunk (see the module docstring).

    ``fallback`` is the county of features that claim none and lie in no known county
    (the workspace's root region).
    """
    reasons = {i: list(r) for i, r in chunk.reasons.items()}
    geoms, repairs = check_geometry(chunk.frame.geometry.to_numpy(), spec, reasons)
    frame = chunk.frame.set_geometry(gpd.GeoSeries(geoms, index=chunk.frame.index,
                                                   crs=chunk.frame.crs))
    check_codes(frame, reasons)
    counties, claims = locate(frame, spec, boundaries, fallback, reasons)
    frame[COUNTY_COLUMN] = counties
    off, lines = chunk.offset, chunk.lines
    rejected = [RejectedFeature(index=off + i, feature_id=feature_id(frame, i, off + i),
                                line=lines[i] if lines else None, reasons=r, **claims.get(i, {}))
                for i, r in sorted(reasons.items())]
    repaired = [RepairedFeature(index=off + i, feature_id=feature_id(frame, i, off + i),
                                line=lines[i] if lines else None, reason=why)
                for i, why in repairs if i not in reasons]
    return CheckedChunk(frame=frame, rejected=rejected, repaired=repaired, offset=off)


def feature_id(frame: pd.DataFrame, i: int, number: int) -> str:
    """Name the feature at position ``i`` of ``frame`` as users know it.

    That is its position ``number`` in the file, plus its BSM / DKBH / ... if present.
    """
    n = number
    for col in ID_FIELDS:
        if col in frame.columns:
            value = frame[col].iloc[i]
            return f"{n} ({col} {value})" if not pd.isna(value) and value != "" else str(n)
    return str(n)


# -- county claims --------------------------------------------------------------------
def locate(frame: gpd.GeoDataFrame, spec: LayerKind, boundaries: CountyBoundaries | None,
           fallback: str, reasons: Reasons) -> tuple[pd.Series, dict[int, dict[str, str | None]]]:
    """Return every feature's county and, for claims the geometry contradicts, both counties.

    Contradicted claims get a reason naming the claimed county and the county that
    holds most of the feature (``{position: {"claimed_county", "located_county"}}``).
    """
    claimed, field = claimed_counties(frame, spec)
    if boundaries is None:
        return claimed.fillna(fallback), {}
    usable = np.array([i not in reasons for i in range(len(frame))], dtype=bool)
    geoms = np.where(usable, frame.geometry.to_numpy(), None)
    shares = county_shares(geoms, boundaries.geoms, boundaries.codes)
    check = check_claims(claimed, shares, set(boundaries.codes.tolist()))
    polygonal = np.isin(shapely.get_type_id(geoms), (3, 6))  # Polygon, MultiPolygon
    claims: dict[int, dict[str, str | None]] = {}
    for i in np.flatnonzero(check.failed & usable):
        c, f, where = str(claimed.iloc[i]), str(field.iloc[i]), check.located[i]
        reasons.setdefault(int(i), []).append(_claim_reason(
            c, f, where, float(check.located_share[i]), float(check.claimed_share[i]),
            bool(polygonal[i])))
        claims[int(i)] = {"claimed_county": c, "located_county": where}
    return check.county.fillna(fallback), claims


def _claim_reason(claimed: str, field: str, located: str | None, share: float,
                  claimed_share: float, polygonal: bool) -> str:
    said = f"{field} claims county {claimed}"
    if not polygonal:
        where = f"lies in {located}" if located else "lies in no county of the workspace"
        return (f"{said} but the point {where}, more than {BOUNDARY_TOLERANCE_M:g} m outside "
                f"{claimed} (县级行政区不符 county claim contradicted by the boundary)")
    if located is None:
        where = "lies outside every county boundary of the workspace"
    else:
        where = f"lies mostly in {located} ({share:.0%} of its area)"
    return (f"{said} but {where}; {claimed_share:.0%} inside {claimed} "
            "(县级行政区不符 county claim contradicted by the boundary)")


# -- scope ----------------------------------------------------------------------------
def check_scope(ws: Workspace, actor: Actor, frame: gpd.GeoDataFrame,
                request: ImportRequest, *, offset: int = 0,
                classification: str = "internal") -> None:
    """Refuse (:class:`ScopeViolation`, audited) features in counties outside ``actor``'s scope.

    ``frame`` is indexed by position in its chunk, whose first feature is number
    ``offset`` in the file. The refusal names every such county and up to
    :data:`MAX_LISTED` features of each.
    """
    target = f"layer {request.kind}/{request.vintage}"
    refused: dict[str, list[str]] = {}
    for county, rows in frame.groupby(COUNTY_COLUMN, sort=True).indices.items():
        if not ws.allows(actor, Action.EDIT, str(county), classification=classification):
            refused[str(county)] = [feature_id(frame, int(r), offset + int(frame.index[r]))
                                    for r in rows[:MAX_LISTED]]
    if not refused:
        return
    listed = "; ".join(f"{c}: features {', '.join(ids)}" for c, ids in refused.items())
    counties = sorted(refused)
    try:
        ws.authorize(actor, Action.EDIT, counties[0], classification=classification,
                     what=f"{target} ({listed})")
    except ScopeViolation as exc:
        raise ScopeViolation(
            exc.reason, action=Action.EDIT.value, region=", ".join(counties), counties=counties,
            features=[i for ids in refused.values() for i in ids],
            user_message=f"无权导入这些区域的数据 (outside your region scope: "
                         f"{', '.join(counties)}): {listed}") from None
    raise ScopeViolation(f"{actor.username} may not edit {target} in {', '.join(counties)}",
                         counties=counties)


# -- geometry and codes -----------------------------------------------------------------
def check_codes(frame: pd.DataFrame, reasons: Reasons) -> None:
    """Reject land-use codes (DLBM, KCDLBM) that are not 三调 / GB/T 21010 classes."""
    known = set(land_classes())
    for name in CODE_FIELDS:
        if name not in frame.columns:
            continue
        codes = frame[name].astype("string")
        bad = (codes.notna() & ~codes.isin(known)).to_numpy()
        for i in np.flatnonzero(bad):
            code = str(codes.iloc[i])
            hint = ""
            if code.isdigit() and len(code) < 4 and code.zfill(4) in known:
                hint = f"; leading zero lost? {code.zfill(4)!r} is a class (store codes as text)"
            reasons.setdefault(int(i), []).append(
                f"unknown land-use code {name}={code!r} (not a 三调 / GB/T 21010 class{hint})")


def _is_valid(geoms: np.ndarray) -> np.ndarray:
    """``shapely.is_valid`` split over threads (GEOS releases the GIL) for large arrays."""
    workers = min(os.cpu_count() or 1, 8)
    if workers < 2 or len(geoms) < 20_000:
        return np.asarray(shapely.is_valid(geoms), dtype=bool)
    with ThreadPoolExecutor(workers) as pool:
        parts = list(pool.map(shapely.is_valid, np.array_split(geoms, workers)))
    return np.concatenate(parts).astype(bool)


def check_geometry(geoms: np.ndarray, spec: LayerKind, reasons: Reasons
                   ) -> tuple[np.ndarray, list[tuple[int, str]]]:
    """Return the geometries (2D, invalid ones repaired) and ``(position, why)`` of repairs."""
    geoms = shapely.force_2d(geoms) if shapely.has_z(geoms).any() else geoms.copy()
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    add_reasons(reasons, missing, lambda i: "empty geometry")
    allowed = None if spec.name == "generic" else (
        _POLYGONAL if spec.geometry == "polygon" else _PUNTAL)
    types = shapely.get_type_id(geoms)
    if allowed is not None:
        wrong = ~missing & ~np.isin(_TYPE_NAMES[np.clip(types, 0, 7)], allowed)
        add_reasons(reasons, wrong, lambda i: f"geometry is a {_TYPE_NAMES[types[i]]}, layer "
                    f"kind {spec.name} needs {spec.geometry}s")
    invalid = ~missing & ~_is_valid(geoms)
    repairs: list[tuple[int, str]] = []
    for i in np.flatnonzero(invalid):
        why = shapely.is_valid_reason(geoms[i])
        fixed = shapely.make_valid(geoms[i])
        if spec.geometry == "polygon" and spec.name != "generic":
            parts = [g for g in shapely.get_parts(fixed) if g.geom_type in _POLYGONAL]
            fixed = shapely.union_all(parts) if parts else shapely.Polygon()
        if fixed.is_empty or (spec.geometry == "polygon" and fixed.area == 0):
            reasons.setdefault(int(i), []).append(f"invalid geometry ({why}) cannot be repaired")
        else:
            geoms[i] = fixed
            repairs.append((int(i), f"invalid geometry repaired with make_valid: {why}"))
    return geoms, repairs
