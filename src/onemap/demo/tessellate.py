"""Tessellate one county into survey-like polygons (地类图斑 geometry).

Points are drawn with a density that follows terrain (dense in plains and towns,
sparse in mountains); their Voronoi cells are clipped to the county; rivers,
roads and railways cut through as strips and are split at cell edges; pieces
that are too small or too thin are merged into the neighbour sharing the longest
edge. The result tiles the county exactly (1e-7° snapping grid).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import shapely

from onemap.demo.allocate import density_factor, density_features
from onemap.demo.boundaries import GRID
from onemap.demo.context import COS0, ProvinceContext, from_local, metres_to_local, to_local

M_PER_DEG = 110_600.0
MAX_EDGE_DEG = 0.002  # longest polygon edge (≈ 200 m)


def local_area_m2(geoms: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Approximate planar area (m²) of lon/lat geometries (for thresholds only)."""
    area = shapely.area(np.asarray(geoms, dtype=object)) * COS0 * M_PER_DEG**2
    return np.asarray(area, dtype=np.float64)


def _sample_points(ctx: ProvinceContext, county: shapely.Geometry, per_km2: float,
                   rng: np.random.Generator) -> npt.NDArray[np.float64]:
    minx, miny, maxx, maxy = county.bounds
    probe_x = rng.uniform(minx, maxx, 400)
    probe_y = rng.uniform(miny, maxy, 400)
    fp = density_features(ctx.terrain, ctx.seats, probe_x, probe_y)
    fmax = float(np.max(density_factor(fp))) * 1.5
    bbox_km2 = (maxx - minx) * (maxy - miny) * COS0 * (M_PER_DEG / 1000) ** 2
    n = int(bbox_km2 * per_km2 * fmax / ctx.calibration.density_mean) + 8
    x = rng.uniform(minx, maxx, n)
    y = rng.uniform(miny, maxy, n)
    u = rng.uniform(0, 1, n)
    inside = shapely.contains_xy(county, x, y)
    x, y, u = x[inside], y[inside], u[inside]
    fd = density_features(ctx.terrain, ctx.seats, x, y)
    keep = u < density_factor(fd) / fmax
    pts = np.column_stack([x[keep], y[keep]])
    if len(pts) < 3:  # tiny county: a few points on its surface
        pts = np.vstack([pts, shapely.get_coordinates(shapely.point_on_surface(county))])
        pts = np.vstack([pts, pts + 1e-4, pts - 1e-4])[:max(3, len(pts))]
    return pts


def voronoi_cells(county: shapely.Geometry, pts: npt.NDArray[np.float64]) -> list[Any]:
    """Return Voronoi cells of ``pts`` clipped to ``county`` (grid-snapped, single parts)."""
    local_pts = shapely.multipoints(pts * np.array([COS0, 1.0]))
    env = shapely.buffer(shapely.envelope(to_local(county)), 0.05)
    cells = shapely.get_parts(shapely.voronoi_polygons(local_pts, extend_to=env))
    # ≤ 200 m edges: TBMJ is a geodesic area, and a 10 km edge bulges ~1 m from its chord,
    # so a later cut of a long edge would change areas by thousands of m²
    cells = shapely.set_precision(shapely.segmentize(from_local(cells), MAX_EDGE_DEG), GRID)
    shapely.prepare(county)
    inside = shapely.contains(county, cells)
    out = list(cells[inside])
    edge = cells[~inside]
    clipped = shapely.intersection(edge, county)  # exact: new vertices stay on the border
    out.extend(_polygon_parts(clipped))
    return out


def _polygon_parts(geoms: npt.ArrayLike) -> list[Any]:
    parts = shapely.get_parts(np.asarray(geoms, dtype=object))
    return [p for p in parts if p.geom_type == "Polygon" and not p.is_empty]


def cut_strips(cells: list[Any], strips: dict[str, shapely.Geometry],
               county: shapely.Geometry) -> tuple[list[Any], list[str]]:
    """Cut river/road/rail strips out of the cells; return pieces and their strip kind."""
    pieces = list(cells)
    kinds = [""] * len(pieces)
    for kind, strip in strips.items():
        parts = _polygon_parts([shapely.intersection(strip, county)])
        if not parts:
            continue
        local = shapely.MultiPolygon(parts)
        tree = shapely.STRtree(pieces)
        hit = tree.query(local, predicate="intersects")
        hit = [int(i) for i in hit if kinds[int(i)] == ""]
        new_pieces, new_kinds = [], []
        hit_set = set(hit)
        for i in hit:
            inter = shapely.intersection(pieces[i], local)
            rest = shapely.difference(pieces[i], local)
            for p in _polygon_parts([rest]):
                new_pieces.append(p)
                new_kinds.append("")
            for p in _polygon_parts([inter]):
                new_pieces.append(p)
                new_kinds.append(kind)
        pieces = [p for i, p in enumerate(pieces) if i not in hit_set] + new_pieces
        kinds = [k for i, k in enumerate(kinds) if i not in hit_set] + new_kinds
    return pieces, kinds


def eliminate_small(pieces: list[Any], kinds: list[str], min_area_m2: float,
                    min_width_m: float = 8.0) -> tuple[list[Any], list[str]]:
    """Merge pieces smaller or thinner than the limits into their longest-edge neighbour."""
    geoms = np.asarray(pieces, dtype=object)
    area = local_area_m2(geoms)
    perim = shapely.length(geoms) * np.sqrt(COS0) * M_PER_DEG
    ordinary = np.array([k == "" for k in kinds], dtype=bool)
    small = ((area < min_area_m2) & ordinary) | (area < 400.0) \
        | (area / np.maximum(perim, 1e-9) < min_width_m / 2)
    if not small.any() or small.all():
        return list(pieces), list(kinds)
    tree = shapely.STRtree(geoms)
    target = {}
    for i in (int(k) for k in np.flatnonzero(small)):
        near = [int(j) for j in tree.query(geoms[i], predicate="intersects") if j != i]
        best, best_len = -1, 0.0
        for j in near:
            shared = shapely.length(shapely.intersection(geoms[i], geoms[j]))
            bonus = 0.0 if small[j] else 1e-3  # prefer a big neighbour
            if shared + bonus > best_len:
                best, best_len = j, shared + bonus
        if best >= 0 and best_len > 1e-3:
            target[int(i)] = best
    # follow chains (small → small → big)
    def root(i: int) -> int:
        seen = set()
        while i in target and i not in seen:
            seen.add(i)
            i = target[i]
        return i

    groups: dict[int, list[int]] = {}
    for i in target:
        r = root(i)
        if r != i:
            groups.setdefault(r, []).append(i)
    merged = set()
    out, out_kinds = [], []
    for members in groups.values():
        merged.update(members)
    for i, geom in enumerate(geoms):
        if i in merged:
            continue
        g = geom
        if i in groups:
            g = shapely.union_all([g, *geoms[groups[i]]])
            parts = _polygon_parts([g])
            g = parts[0] if len(parts) == 1 else shapely.MultiPolygon(parts)
        out.append(g)
        out_kinds.append(kinds[i])
    return out, out_kinds


def tessellate_county(ctx: ProvinceContext, county: shapely.Geometry, per_km2: float,
                      rng: np.random.Generator) -> tuple[list[Any], list[str]]:
    """Return the county's polygons and, per polygon, its strip kind ('' for ordinary)."""
    pts = _sample_points(ctx, county, per_km2, rng)
    cells = voronoi_cells(county, pts)
    pieces, kinds = cut_strips(cells, ctx.strips, county)
    mean_area = local_area_m2([county])[0] / max(len(pts), 1)
    pieces, kinds = eliminate_small(pieces, kinds, max(400.0, 0.02 * mean_area))
    # make shared edges identical where strip cutting noded them differently
    cleaned = shapely.coverage_clean(np.asarray(pieces, dtype=object), snapping_distance=0.0)
    keep = ~shapely.is_empty(cleaned)
    return list(cleaned[keep]), [k for k, ok in zip(kinds, keep, strict=True) if ok]


def metres(m: float) -> float:
    """Metres in local degree units (re-exported for callers)."""
    return metres_to_local(m)
