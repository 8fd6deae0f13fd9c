"""Vintage diff (年度变更比对): two DLTB frames of one county → change patches.

Pure: frames in, frames out, no file or database access.

Most polygons do not change between two vintages, so the diff first matches
polygons by the hash of their WKB geometry (bit-identical geometry) and skips
every polygon whose geometry *and* class are unchanged. A polygon whose geometry is
unchanged but whose class changed becomes a patch as it stands. Only the rest, the
polygons whose geometry changed, are intersected (old × new through an STRtree),
and only pairs of differing class are cut. Pieces of the same new polygon and the
same old class are merged, split into contiguous parts, and filtered by the sliver
rules (minimum area per class family, minimum width by a negative-buffer test).

The frames may carry decoded shapely geometries (a GeoDataFrame) or raw WKB bytes in
their ``geometry`` column (as read straight from GeoParquet): with raw WKB only the
changed polygons are ever decoded.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from onemap.change.models import SliverRules
from onemap.geometry.area import ellipsoidal_area
from onemap.standards.landuse import construction_codes, farmland_codes

GEOGRAPHIC_CRS = "EPSG:4490"
PATCH_COLUMNS = ["id", "county", "township", "from_code", "to_code", "area_m2", "old_bsm",
                 "new_bsm", "source_ref"]
FACILITY = "1202"  # 设施农用地: mapped at the construction-land unit


@dataclass
class DiffStats:
    """What the diff did (figures for the batch and the benchmark)."""

    old_polygons: int = 0
    new_polygons: int = 0
    unchanged: int = 0
    relabelled: int = 0
    old_changed: int = 0
    new_changed: int = 0
    pairs_tested: int = 0
    pairs_cut: int = 0
    pieces: int = 0
    slivers_small: int = 0
    slivers_narrow: int = 0
    sliver_area_m2: float = 0.0
    patches: int = 0
    extra: dict[str, float] = field(default_factory=dict)

    def add(self, other: DiffStats) -> None:
        """Accumulate another county's figures."""
        for name, value in vars(other).items():
            if isinstance(value, int | float) and not isinstance(value, bool):
                setattr(self, name, getattr(self, name) + value)


def geometry_keys(geometry: npt.ArrayLike) -> npt.NDArray[np.int64]:
    """Return a 64-bit key per geometry: the hash of its WKB (equal geometry → equal key).

    ``geometry`` holds shapely geometries or WKB bytes. Keys are only comparable within
    one process (Python's bytes hash is salted per process).
    """
    arr = np.asarray(geometry, dtype=object)
    if len(arr) and not isinstance(arr[0], bytes | bytearray):
        arr = shapely.to_wkb(arr)
    return np.fromiter((hash(b) for b in arr), dtype=np.int64, count=len(arr))


def _decode(geometry: npt.ArrayLike) -> npt.NDArray[np.object_]:
    arr = np.asarray(geometry, dtype=object)
    if len(arr) and isinstance(arr[0], bytes | bytearray):
        return np.asarray(shapely.from_wkb(arr), dtype=object)
    return arr


def _column(frame: pd.DataFrame, name: str) -> npt.NDArray[np.object_]:
    if name not in frame.columns:
        return np.full(len(frame), "", dtype=object)
    out: npt.NDArray[np.object_] = frame[name].fillna("").astype(str).to_numpy(dtype=object)
    return out


def min_area_for(from_codes: npt.ArrayLike, to_codes: npt.ArrayLike,
                 rules: SliverRules) -> npt.NDArray[np.float64]:
    """Minimum mapping area (m²) of each change by its class family.

    Construction land (建设用地) or 设施农用地 as the new use: ``min_area_construction_m2``;
    farmland (耕地) gained or lost: ``min_area_farmland_m2``; anything else:
    ``min_area_other_m2``.
    """
    f = pd.Series(np.asarray(from_codes, dtype=object))
    t = pd.Series(np.asarray(to_codes, dtype=object))
    build = t.isin(construction_codes() | {FACILITY}).to_numpy()
    farm = (f.isin(farmland_codes()) | t.isin(farmland_codes())).to_numpy()
    out = np.full(len(f), rules.min_area_other_m2)
    out[farm] = rules.min_area_farmland_m2
    out[build] = rules.min_area_construction_m2
    return out


def narrow_mask(geoms: npt.ArrayLike, min_width_m: float) -> npt.NDArray[np.bool_]:
    """Return True where a polygon is narrower than ``min_width_m`` everywhere.

    The polygon is moved to a local metric frame around its centroid (metres per degree
    of the CGCS2000 ellipsoid at that latitude) and buffered by −width/2: nothing left
    means no part of it is as wide as the minimum.
    """
    arr = np.asarray(geoms, dtype=object)
    if min_width_m <= 0 or len(arr) == 0:
        return np.zeros(len(arr), dtype=bool)
    centre = shapely.get_coordinates(shapely.centroid(arr))
    coords, idx = shapely.get_coordinates(arr, return_index=True)
    lat = np.radians(centre[idx, 1])
    m_lat = 111132.954 - 559.822 * np.cos(2 * lat) + 1.175 * np.cos(4 * lat)
    m_lon = 111412.84 * np.cos(lat) - 93.5 * np.cos(3 * lat)
    local = np.column_stack([(coords[:, 0] - centre[idx, 0]) * m_lon,
                             (coords[:, 1] - centre[idx, 1]) * m_lat])
    moved = shapely.set_coordinates(np.array(arr, copy=True), local)
    return np.asarray(shapely.is_empty(shapely.buffer(moved, -min_width_m / 2.0)), dtype=bool)


def _match(old_keys: npt.NDArray[np.int64], old_cls: npt.NDArray[np.object_],
           new_keys: npt.NDArray[np.int64], new_cls: npt.NDArray[np.object_],
           ) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_], npt.NDArray[np.intp],
                      npt.NDArray[np.intp]]:
    """Return (old unchanged, new unchanged, relabel old idx, relabel new idx)."""
    new_pos = pd.Series(np.arange(len(new_keys)), index=new_keys)
    new_pos = new_pos[~new_pos.index.duplicated(keep="first")]
    hit = new_pos.reindex(old_keys).to_numpy()
    matched = ~np.isnan(hit)
    old_i = np.flatnonzero(matched)
    new_i = hit[matched].astype(np.intp)
    same = old_cls[old_i] == new_cls[new_i]
    old_same = np.zeros(len(old_keys), dtype=bool)
    new_same = np.zeros(len(new_keys), dtype=bool)
    old_same[old_i] = True  # relabelled polygons also leave the intersection step
    new_same[new_i] = True
    return old_same, new_same, old_i[~same], new_i[~same]


def diff_vintages(old: pd.DataFrame, new: pd.DataFrame, *, county: str,
                  sliver: SliverRules | None = None, id_prefix: str = "",
                  class_column: str = "DLBM") -> tuple[gpd.GeoDataFrame, DiffStats]:
    """Diff two DLTB vintages of one county into change patches (变化图斑).

    Parameters
    ----------
    old, new
        The county's polygons in each vintage: ``geometry`` (shapely or WKB bytes,
        lon/lat CGCS2000), the class column (``DLBM``), optionally ``BSM`` and ``ZLDWDM``.
    county
        6-digit county code written on every patch.
    sliver
        Minimum areas and width; defaults to :class:`SliverRules`.
    id_prefix
        Patch ids are ``{id_prefix}{n:05d}`` in a deterministic order.

    Returns
    -------
    (patches, stats)
        A GeoDataFrame with :data:`PATCH_COLUMNS` and geometry (EPSG:4490), one row per
        contiguous changed area of one old class and one new polygon, areas in m² on the
        CGCS2000 ellipsoid; and the figures of the run.
    """
    rules = sliver or SliverRules()
    st = DiffStats(old_polygons=len(old), new_polygons=len(new))
    old_cls, new_cls = _column(old, class_column), _column(new, class_column)
    old_same, new_same, rel_old, rel_new = _match(
        geometry_keys(old["geometry"].to_numpy()), old_cls,
        geometry_keys(new["geometry"].to_numpy()), new_cls)
    st.unchanged = int(old_same.sum()) - len(rel_old)
    st.relabelled = len(rel_old)
    old_rest, new_rest = np.flatnonzero(~old_same), np.flatnonzero(~new_same)
    st.old_changed, st.new_changed = len(old_rest), len(new_rest)

    old_geom_rest = _decode(old["geometry"].to_numpy()[old_rest])
    new_geom_rest = _decode(new["geometry"].to_numpy()[new_rest])
    pairs_new, pairs_old, pieces = _cut(old_geom_rest, old_cls[old_rest],
                                        new_geom_rest, new_cls[new_rest], st)
    rel_geom = _decode(new["geometry"].to_numpy()[rel_new])
    piece_new = np.concatenate([new_rest[pairs_new], rel_new]).astype(np.intp)
    piece_old = np.concatenate([old_rest[pairs_old], rel_old]).astype(np.intp)
    piece_geom = np.concatenate([pieces, rel_geom]) if len(rel_geom) else pieces
    frame = _merge(piece_new, piece_old, piece_geom, old_cls, new_cls,
                   _column(old, "BSM"), _column(new, "BSM"), _column(new, "ZLDWDM"))
    frame = _filter_slivers(frame, rules, st)
    frame["county"] = county
    frame = frame.sort_values(["new_bsm", "from_code", "area_m2"],
                              ascending=[True, True, False], kind="stable")
    frame["id"] = [f"{id_prefix}{i + 1:05d}" for i in range(len(frame))]
    st.patches = len(frame)
    out = gpd.GeoDataFrame(frame[PATCH_COLUMNS].reset_index(drop=True),
                           geometry=list(frame["geometry"]), crs=GEOGRAPHIC_CRS)
    return out, st


def _cut(old_g: npt.NDArray[np.object_], old_c: npt.NDArray[np.object_],
         new_g: npt.NDArray[np.object_], new_c: npt.NDArray[np.object_], st: DiffStats,
         ) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp], npt.NDArray[np.object_]]:
    """Intersect changed new × changed old polygons of differing class; polygonal pieces."""
    empty = np.array([], dtype=np.intp)
    if len(old_g) == 0 or len(new_g) == 0:
        return empty, empty, np.array([], dtype=object)
    tree = shapely.STRtree(old_g)
    ni, oi = tree.query(new_g, predicate="intersects")
    st.pairs_tested += len(ni)
    differ = new_c[ni] != old_c[oi]
    ni, oi = ni[differ], oi[differ]
    st.pairs_cut += len(ni)
    inter = shapely.intersection(new_g[ni], old_g[oi])
    parts, owner = shapely.get_parts(inter, return_index=True)
    keep = shapely.get_type_id(parts) == shapely.GeometryType.POLYGON
    parts, owner = parts[keep], owner[keep]
    ok = ~shapely.is_empty(parts)
    parts, owner = parts[ok], owner[ok]
    # one (multi)polygon per pair again
    if len(parts):
        uniq, first = np.unique(owner, return_index=True)
        counts = np.diff(np.append(first, len(owner)))
        geoms = np.empty(len(uniq), dtype=object)
        single = counts == 1
        geoms[single] = parts[first[single]]
        for k in np.flatnonzero(~single):
            geoms[k] = shapely.multipolygons(parts[first[k]:first[k] + counts[k]])
        return ni[uniq], oi[uniq], geoms
    return empty, empty, np.array([], dtype=object)


def _merge(piece_new: npt.NDArray[np.intp], piece_old: npt.NDArray[np.intp],
           piece_geom: npt.NDArray[np.object_], old_cls: npt.NDArray[np.object_],
           new_cls: npt.NDArray[np.object_], old_bsm: npt.NDArray[np.object_],
           new_bsm: npt.NDArray[np.object_], new_zl: npt.NDArray[np.object_],
           ) -> pd.DataFrame:
    """Merge pieces by (new polygon, old class) and split into contiguous parts."""
    cols = ["from_code", "to_code", "old_bsm", "new_bsm", "source_ref", "township",
            "geometry", "area_m2"]
    if len(piece_geom) == 0:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in cols})
    from_codes = old_cls[piece_old]
    key = pd.MultiIndex.from_arrays([piece_new, from_codes])
    group = pd.factorize(key, sort=True)[0]
    order = np.argsort(group, kind="stable")
    starts = np.flatnonzero(np.diff(group[order], prepend=-1))
    counts = np.diff(np.append(starts, len(order)))
    rows: list[tuple[int, str, str, object]] = []
    for start, count in zip(starts, counts, strict=True):
        members = order[start:start + count]
        first = members[0]
        merged = (piece_geom[first] if count == 1
                  else shapely.union_all(piece_geom[members]))
        olds = (str(old_bsm[piece_old[first]]) if count == 1 else
                ",".join(sorted({str(old_bsm[o]) for o in piece_old[members]} - {""})))
        parts = ([merged] if shapely.get_type_id(merged) == shapely.GeometryType.POLYGON
                 else shapely.get_parts(merged))
        for part in parts:
            if shapely.get_type_id(part) == shapely.GeometryType.POLYGON:
                rows.append((int(piece_new[first]), str(from_codes[first]), olds, part))
    n_idx = np.array([r[0] for r in rows], dtype=np.intp)
    geoms = np.array([r[3] for r in rows], dtype=object)
    return pd.DataFrame({
        "from_code": [r[1] for r in rows],
        "to_code": new_cls[n_idx],
        "old_bsm": [r[2] for r in rows],
        "new_bsm": new_bsm[n_idx],
        "source_ref": new_bsm[n_idx],
        "township": [z[:9] for z in new_zl[n_idx]],
        "geometry": geoms,
        "area_m2": ellipsoidal_area(geoms) if len(geoms) else np.array([]),
    })


def _filter_slivers(frame: pd.DataFrame, rules: SliverRules, st: DiffStats) -> pd.DataFrame:
    """Drop patches below their family's minimum area or narrower than the minimum width."""
    if frame.empty:
        return frame
    minimum = min_area_for(frame["from_code"], frame["to_code"], rules)
    area = frame["area_m2"].to_numpy(dtype=float)
    small = area < minimum
    narrow = np.zeros(len(frame), dtype=bool)
    narrow[~small] = narrow_mask(frame["geometry"].to_numpy()[~small], rules.min_width_m)
    st.slivers_small += int(small.sum())
    st.slivers_narrow += int(narrow.sum())
    st.sliver_area_m2 += float(area[small | narrow].sum())
    st.pieces += len(frame)
    return frame[~(small | narrow)].copy()
