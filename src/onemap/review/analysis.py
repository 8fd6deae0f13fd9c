"""Per-parcel overlay figures of a site against land use and control layers (pure).

Input frames are in EPSG:4490 and already narrowed to the site's surroundings
(the service selects partitions by bbox); this module only does geometry and
sums. Every area is ellipsoidal (m² on CGCS2000, geodesic edges).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import shapely

from onemap.geometry.area import ellipsoidal_area
from onemap.geometry.overlay import intersect_pairs
from onemap.review.errors import SiteRejected
from onemap.review.models import HazardPointHit, ParcelFigures, ProjectInfo
from onemap.standards.crs import gauss_kruger_epsg, transformer, zone_for_longitude
from onemap.standards.landuse import DRY, FIELD_RIDGE, IRRIGATED, PADDY, construction_codes

if TYPE_CHECKING:
    from collections.abc import Mapping

    import geopandas as gpd

# Polygon control layers whose overlap area is reported (layer kind → figure name).
AREA_KINDS: dict[str, str] = {
    "pbf": "pbf_m2",
    "eco_redline": "eco_redline_m2",
    "udb": "udb_inside_m2",
    "hsf": "hsf_m2",
    "hazard_zone": "hazard_zone_m2",
    "mining_right": "mining_right_m2",
    "approval": "approval_m2",
    "land_supply": "land_supply_m2",
    "facility_agri": "facility_agri_m2",
}
RESERVE = "nature_reserve"
CONTROL_KINDS: tuple[str, ...] = (*AREA_KINDS, RESERVE, "hazard_point")
# Feature identifiers reported per overlapped kind (批准文号, 供地编号, 许可证号 ...).
ID_FIELDS: dict[str, str] = {
    "approval": "PZWH", "land_supply": "GDBH", "mining_right": "XKZH",
    "nature_reserve": "BHQMC", "eco_redline": "HXMC", "udb": "MC", "hsf": "XMMC",
    "facility_agri": "BABH",
}
FIGURE_NAMES: frozenset[str] = frozenset({
    "area_m2", "farmland_m2", "paddy_m2", "irrigated_m2", "dry_m2", "field_ridge_m2",
    "construction_m2", "new_construction_m2", "uncovered_m2", "reserve_core_m2",
    "reserve_general_m2", "udb_outside_m2", "hazard_points", "counties", "townships",
    "missing_layers", "national_key_project", "state_council_approved",
    *AREA_KINDS.values(),
})
_MIN_AREA = 1e-6  # m²; smaller intersections are numerical dust
_DUST_M2 = 0.01  # m²; remainders (area - covered) below this are rounding noise


def check_parcels(parcels: gpd.GeoDataFrame) -> None:
    """Reject empty, non-polygonal, invalid or mutually overlapping parcels."""
    if len(parcels) == 0:
        raise SiteRejected("the site has no parcels (用地范围为空)")
    geoms = parcels.geometry.to_numpy()
    ids = parcels["parcel_id"].astype(str).tolist()
    for pid, g in zip(ids, geoms, strict=True):
        if g is None or g.is_empty or g.geom_type not in ("Polygon", "MultiPolygon"):
            raise SiteRejected(f"parcel {pid} is not a polygon", feature_id=pid)
        if not g.is_valid:
            reason = shapely.is_valid_reason(g)
            raise SiteRejected(f"parcel {pid} is not a valid polygon: {reason}", feature_id=pid)
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")
    pairs = left < right
    for i, j in zip(left[pairs], right[pairs], strict=True):
        shared = ellipsoidal_area(shapely.intersection(geoms[i], geoms[j]))[0]
        if shared > 1.0:
            raise SiteRejected(f"parcels {ids[i]} and {ids[j]} overlap by {shared:.2f} m²",
                               feature_id=ids[j])


def _hits(geom: shapely.Geometry, layer: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Rows of ``layer`` whose geometry intersects ``geom``."""
    if len(layer) == 0:
        return layer
    geoms = layer.geometry.to_numpy()
    idx = np.flatnonzero(shapely.intersects(geoms, geom))
    return layer.iloc[idx]


def _covered_area(geom: shapely.Geometry, area: float, cands: np.ndarray) -> float:
    """Area of ``geom`` inside the union of ``cands`` (m²), without double counting."""
    if len(cands) == 0:
        return 0.0
    pairs = intersect_pairs([geom], cands, left_area=[area], with_geometry=True)
    if pairs.inside.any():
        return area
    assert pairs.geometry is not None
    pieces = pairs.geometry[pairs.area > 0]
    if len(pieces) == 0:
        return 0.0
    merged = pieces[0] if len(pieces) == 1 else shapely.union_all(pieces)
    value = float(ellipsoidal_area(merged)[0])
    return min(value, area) if value > _MIN_AREA else 0.0


def _ridge_share(sub: pd.DataFrame) -> np.ndarray:
    """KCXS where the deducted class is 田坎 (or unstated), clipped to [0, 1]."""
    if "KCXS" not in sub.columns:
        return np.zeros(len(sub))
    k = pd.to_numeric(sub["KCXS"], errors="coerce").fillna(0.0).to_numpy(dtype=float)
    if "KCDLBM" in sub.columns:
        code = sub["KCDLBM"].astype("string").fillna("").str.strip().to_numpy(dtype=object)
        k = np.where((code == FIELD_RIDGE) | (code == ""), k, 0.0)
    clipped: np.ndarray = np.clip(k, 0.0, 1.0)
    return clipped


def _add(target: dict[str, float], keys: np.ndarray, values: np.ndarray) -> None:
    for key, value in zip(keys.tolist(), values.tolist(), strict=True):
        if value > _MIN_AREA:
            target[str(key)] = target.get(str(key), 0.0) + float(value)


def _landuse(fig: ParcelFigures, geom: shapely.Geometry, dltb: gpd.GeoDataFrame) -> None:
    pairs = intersect_pairs(dltb.geometry.to_numpy(), [geom])
    keep = pairs.left[pairs.area > 0]
    if len(keep) == 0:
        fig.uncovered_m2 = fig.area_m2
        return
    sub = dltb.iloc[keep]
    gross = pairs.area[pairs.area > 0]
    ridge = gross * _ridge_share(sub)
    codes = sub["DLBM"].astype(str).str.strip().to_numpy(dtype=object)
    _add(fig.landuse, codes, gross - ridge)
    if ridge.sum() > 0:
        fig.landuse[FIELD_RIDGE] = fig.landuse.get(FIELD_RIDGE, 0.0) + float(ridge.sum())
    fig.landuse = dict(sorted(fig.landuse.items()))
    fig.uncovered_m2 = max(0.0, fig.area_m2 - float(gross.sum()))
    if fig.uncovered_m2 < _DUST_M2:
        fig.uncovered_m2 = 0.0
    fig.paddy_m2 = fig.landuse.get(PADDY, 0.0)
    fig.irrigated_m2 = fig.landuse.get(IRRIGATED, 0.0)
    fig.dry_m2 = fig.landuse.get(DRY, 0.0)
    fig.farmland_m2 = fig.paddy_m2 + fig.irrigated_m2 + fig.dry_m2
    fig.field_ridge_m2 = fig.landuse.get(FIELD_RIDGE, 0.0)
    built = construction_codes()
    fig.construction_m2 = sum(a for c, a in fig.landuse.items() if c in built)
    farm = np.isin(codes, [PADDY, IRRIGATED, DRY])
    if farm.any():
        grade = (pd.to_numeric(sub["GDDB"], errors="coerce") if "GDDB" in sub.columns
                 else pd.Series(np.nan, index=sub.index)).to_numpy(dtype=float)
        keys = np.array(["" if np.isnan(g) or g <= 0 else str(int(g)) for g in grade[farm]],
                        dtype=object)
        _add(fig.farmland_by_grade, keys, (gross - ridge)[farm])
    if "county" in sub.columns:
        _add(fig.counties, sub["county"].astype(str).to_numpy(dtype=object), gross)
    if "ZLDWDM" in sub.columns:
        town = sub["ZLDWDM"].astype(str).str.strip().str[:9].to_numpy(dtype=object)
        _add(fig.townships, town, gross)


def _admin_areas(geom: shapely.Geometry, layer: gpd.GeoDataFrame, width: int) -> dict[str, float]:
    sub = _hits(geom, layer)
    if len(sub) == 0:
        return {}
    out: dict[str, float] = {}
    areas = ellipsoidal_area(shapely.intersection(sub.geometry.to_numpy(), geom))
    _add(out, sub["XZQDM"].astype(str).str[:width].to_numpy(dtype=object), areas)
    return out


def _ids(sub: gpd.GeoDataFrame, kind: str) -> list[str]:
    field = ID_FIELDS.get(kind)
    if field is None or field not in sub.columns:
        return []
    return sorted({str(v) for v in sub[field].dropna().tolist() if str(v).strip()})


def _controls(fig: ParcelFigures, geom: shapely.Geometry,
              layers: Mapping[str, gpd.GeoDataFrame]) -> None:
    for kind in AREA_KINDS:
        if kind not in layers:
            continue
        sub = _hits(geom, layers[kind])
        fig.overlaps[kind] = _covered_area(geom, fig.area_m2, sub.geometry.to_numpy())
        if fig.overlaps[kind] > 0 and (ids := _ids(sub, kind)):
            fig.related[kind] = ids
    if "udb" in layers:
        fig.udb_outside_m2 = max(0.0, fig.area_m2 - fig.overlaps["udb"])
        if fig.udb_outside_m2 < _DUST_M2:
            fig.udb_outside_m2 = 0.0
    if RESERVE in layers:
        sub = _hits(geom, layers[RESERVE])
        zone = sub["ZONE"].astype(str).str.lower() if len(sub) else pd.Series(dtype=str)
        core = zone.str.contains("core|核心", regex=True).to_numpy(dtype=bool)
        geoms = sub.geometry.to_numpy()
        fig.overlaps["nature_reserve_core"] = _covered_area(geom, fig.area_m2, geoms[core])
        fig.overlaps["nature_reserve_general"] = _covered_area(geom, fig.area_m2, geoms[~core])
        fig.overlaps[RESERVE] = _covered_area(geom, fig.area_m2, geoms)
        if fig.overlaps[RESERVE] > 0 and (ids := _ids(sub, RESERVE)):
            fig.related[RESERVE] = ids


def _hazard_points(geom: shapely.Geometry, points: gpd.GeoDataFrame,
                   buffer_m: float) -> list[HazardPointHit]:
    if len(points) == 0:
        return []
    minx, miny, maxx, maxy = geom.bounds
    lat = max(abs(miny), abs(maxy))
    dlat = buffer_m / 110_000.0 * 1.05
    dlon = dlat / max(np.cos(np.radians(lat)), 0.05)
    box = shapely.box(minx - dlon, miny - dlat, maxx + dlon, maxy + dlat)
    sub = _hits(box, points)
    if len(sub) == 0:
        return []
    to_plane = transformer(4490, gauss_kruger_epsg(zone_for_longitude((minx + maxx) / 2)))
    plane_geom = shapely.transform(geom, lambda xy: np.column_stack(
        to_plane.transform(xy[:, 0], xy[:, 1])))
    pts = shapely.transform(sub.geometry.to_numpy(), lambda xy: np.column_stack(
        to_plane.transform(xy[:, 0], xy[:, 1])))
    dist = shapely.distance(pts, plane_geom)
    ids = (sub["ZHDBH"].astype(str) if "ZHDBH" in sub.columns
           else pd.Series(sub.index.astype(str), index=sub.index)).tolist()
    kinds = sub["ZHLX"].astype(str).tolist() if "ZHLX" in sub.columns else [""] * len(sub)
    return sorted((HazardPointHit(id=i, kind=k, distance_m=round(float(d), 2))
                   for i, k, d in zip(ids, kinds, dist, strict=True) if d <= buffer_m),
                  key=lambda h: (h.distance_m, h.id))


def analyse_parcel(parcel_id: str, name: str, geom: shapely.Geometry,
                   layers: Mapping[str, gpd.GeoDataFrame], *,
                   hazard_buffer_m: float) -> ParcelFigures:
    """Return the overlay figures of one parcel against ``layers`` (kind → frame)."""
    fig = ParcelFigures(parcel_id=parcel_id, name=name,
                        area_m2=float(ellipsoidal_area(geom)[0]))
    if "dltb" in layers:
        _landuse(fig, geom, layers["dltb"])
    else:
        fig.uncovered_m2 = fig.area_m2
    _controls(fig, geom, layers)
    if "hazard_point" in layers:
        fig.hazard_points = _hazard_points(geom, layers["hazard_point"], hazard_buffer_m)
    if "admin_county" in layers and len(layers["admin_county"]):
        fig.counties = _admin_areas(geom, layers["admin_county"], 6)
    if "admin_township" in layers and len(layers["admin_township"]):
        fig.townships = _admin_areas(geom, layers["admin_township"], 9)
    return fig


def _merge(into: dict[str, float], other: Mapping[str, float]) -> None:
    for k, v in other.items():
        into[k] = into.get(k, 0.0) + v


def sum_parcels(parcels: list[ParcelFigures]) -> ParcelFigures:
    """Return the site total of per-parcel figures (parcels do not overlap)."""
    total = ParcelFigures(parcel_id="合计", name="合计 total", area_m2=0.0)
    scalar = ("area_m2", "uncovered_m2", "farmland_m2", "paddy_m2", "irrigated_m2", "dry_m2",
              "field_ridge_m2", "construction_m2", "udb_outside_m2")
    hazards: dict[str, HazardPointHit] = {}
    for p in parcels:
        for name in scalar:
            setattr(total, name, getattr(total, name) + getattr(p, name))
        for attr in ("landuse", "farmland_by_grade", "overlaps", "counties", "townships"):
            _merge(getattr(total, attr), getattr(p, attr))
        for kind, ids in p.related.items():
            total.related[kind] = sorted({*total.related.get(kind, []), *ids})
        for h in p.hazard_points:
            if h.id not in hazards or h.distance_m < hazards[h.id].distance_m:
                hazards[h.id] = h
    total.landuse = dict(sorted(total.landuse.items()))
    total.hazard_points = sorted(hazards.values(), key=lambda h: (h.distance_m, h.id))
    return total


def rule_figures(totals: ParcelFigures, project: ProjectInfo,
                 missing_layers: list[str]) -> dict[str, float]:
    """Return the flat figures rule conditions read (names in :data:`FIGURE_NAMES`)."""
    ov = totals.overlaps
    out: dict[str, float] = {
        "area_m2": totals.area_m2,
        "farmland_m2": totals.farmland_m2,
        "paddy_m2": totals.paddy_m2,
        "irrigated_m2": totals.irrigated_m2,
        "dry_m2": totals.dry_m2,
        "field_ridge_m2": totals.field_ridge_m2,
        "construction_m2": totals.construction_m2,
        "new_construction_m2": max(0.0, totals.area_m2 - totals.construction_m2),
        "uncovered_m2": totals.uncovered_m2,
        "reserve_core_m2": ov.get("nature_reserve_core", 0.0),
        "reserve_general_m2": ov.get("nature_reserve_general", 0.0),
        "udb_outside_m2": totals.udb_outside_m2,
        "hazard_points": float(len(totals.hazard_points)),
        "counties": float(len(totals.counties)),
        "townships": float(len(totals.townships)),
        "missing_layers": float(len(missing_layers)),
        "national_key_project": float(project.national_key),
        "state_council_approved": float(project.state_council_approved),
    }
    for kind, name in AREA_KINDS.items():
        out[name] = ov.get(kind, 0.0)
    return out
