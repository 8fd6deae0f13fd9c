"""Ellipsoidal area of pairwise polygon intersections without building the pieces.

The boundary of A ∩ B is made of the parts of A's rings that lie inside B and
the parts of B's rings that lie inside A. The area of a polygon is the sum of
``S12`` (:func:`onemap.geometry.geodesic.edge_area`) over its boundary, each
ring taken in a canonical orientation (exteriors one way, holes the other),
so::

    area(A ∩ B) = Σ S12(sub-edges of ∂A inside B) + Σ S12(sub-edges of ∂B inside A)

with every sub-edge oriented as its ring. The sub-edges are the edges of A and
B split where they cross (crossing points computed in longitude/latitude, as
GEOS does, so the result equals the ellipsoidal area of the GEOS intersection
to rounding). Inside/outside status comes from one point-in-polygon test per
ring of A plus the parity of crossings along the ring, and, for edges of B near
A, from a vectorised crossing-number test against A's edges.

Pairs where the boundaries touch or overlap (a crossing at a vertex, collinear
edges: common in real layers that share boundaries) are not handled here:
they are flagged, and the caller intersects them with GEOS. Inputs must be
valid polygons (the even-odd rule is applied to whatever rings are given).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import shapely

from onemap.geometry.area import _rings
from onemap.geometry.geodesic import edge_area, path_edge_area

IntArray = npt.NDArray[np.intp]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
GeomArray = npt.NDArray[np.object_]

_EPS = 1e-9  # crossing parameters this close to 0 or 1 count as touching (→ GEOS)
_RUN = 16  # consecutive right-polygon edges per spatial-index entry


def _ranges(first: IntArray, length: IntArray) -> IntArray:
    """Concatenate ``arange(f, f + n)`` for each (f, n), vectorised."""
    total = int(length.sum())
    if total == 0:
        return np.zeros(0, dtype=np.intp)
    offsets = np.repeat(first - (np.cumsum(length) - length), length)
    out: IntArray = np.arange(total) + offsets
    return out


def _boxes_meet(
    xmin: FloatArray, ymin: FloatArray, xmax: FloatArray, ymax: FloatArray, box: FloatArray
) -> BoolArray:
    """Whether boxes (xmin, ymin, xmax, ymax) meet the rows of ``box`` (n × 4)."""
    meet: BoolArray = (
        (xmin <= box[:, 2]) & (xmax >= box[:, 0]) & (ymin <= box[:, 3]) & (ymax >= box[:, 1])
    )
    return meet


class _Edges:
    """The edges of a set of polygons: end points, ring, owner and ring orientation.

    ``s12`` (every edge's S12) is computed only when asked for; ring
    orientation comes from the planar shoelace sum in longitude/latitude,
    whose sign is the geodesic ring's for rings this small.
    """

    def __init__(self, geoms: GeomArray, *, with_s12: bool) -> None:
        r = _rings(geoms)
        n = len(r.lon)
        ring_of = np.repeat(np.arange(len(r.geom)), np.diff(r.start))
        valid = np.ones(max(n - 1, 0), dtype=bool)
        valid[r.start[1:-1] - 1] = False  # pairs joining one ring to the next
        idx = np.flatnonzero(valid)
        self.x1, self.y1 = r.lon[idx], r.lat[idx]
        self.x2, self.y2 = r.lon[idx + 1], r.lat[idx + 1]
        self.xmin, self.xmax = np.minimum(self.x1, self.x2), np.maximum(self.x1, self.x2)
        self.ymin, self.ymax = np.minimum(self.y1, self.y2), np.maximum(self.y1, self.y2)
        self.ring = ring_of[idx]
        self.owner = r.geom[self.ring]
        x0, y0 = r.lon[r.start[:-1]][self.ring], r.lat[r.start[:-1]][self.ring]
        cross = (self.x1 - x0) * (self.y2 - y0) - (self.x2 - x0) * (self.y1 - y0)
        shoelace = np.bincount(self.ring, weights=cross, minlength=len(r.geom))
        # factor that makes Σ factor·S12 = +|exterior| and −|hole| (S12 sums are
        # clockwise-positive, i.e. of the opposite sign to the shoelace sum)
        self.orient = r.sign * np.where(shoelace > 0, -1.0, 1.0)
        self.s12 = (
            path_edge_area(r.lon, r.lat, breaks=r.start[1:-1] - 1)[idx] if with_s12 and n else None
        )
        self.ring_first = r.start[:-1]
        self.lon, self.lat = r.lon, r.lat
        self.ring_owner = r.geom


def _sub_edge_area(
    edges: tuple[FloatArray, FloatArray, FloatArray, FloatArray],
    full_s12: FloatArray | None,
    start_inside: BoolArray,
    crossings: tuple[IntArray, FloatArray, FloatArray, FloatArray],
) -> tuple[IntArray, FloatArray]:
    """S12 of the inside pieces of edges split at their crossings.

    ``edges`` are (x1, y1, x2, y2); ``crossings`` are (edge id, parameter t
    along the edge, x, y). The crossing coordinates are shared by both
    polygons' pieces, so the boundary of the overlap closes exactly. Returns
    (edge id, S12) for every inside piece; uncrossed edges reuse ``full_s12``
    if given.
    """
    x1, y1, x2, y2 = edges
    edge, t, cx, cy = crossings
    crossed = np.bincount(edge, minlength=len(x1)) > 0
    whole = np.flatnonzero(~crossed & start_inside)
    # events along each crossed edge: its start, its crossings (by t), its end
    ce = np.flatnonzero(crossed)
    ev_edge = np.concatenate([ce, edge, ce])
    ev_t = np.concatenate([np.full(len(ce), -1.0), t, np.full(len(ce), 2.0)])
    ev_x = np.concatenate([x1[ce], cx, x2[ce]])
    ev_y = np.concatenate([y1[ce], cy, y2[ce]])
    order = np.lexsort((ev_t, ev_edge))
    ev_edge, ev_x, ev_y = ev_edge[order], ev_x[order], ev_y[order]
    # piece j of an edge (events j → j+1) is inside iff start_inside XOR (j odd)
    n = len(ev_edge)
    first = np.r_[True, ev_edge[1:] != ev_edge[:-1]]
    j = np.arange(n) - np.maximum.accumulate(np.where(first, np.arange(n), 0))
    piece = np.flatnonzero(~np.r_[first[1:], True])  # event k starts a piece to k + 1
    k = piece[start_inside[ev_edge[piece]] ^ (j[piece] % 2 == 1)]
    s = edge_area(ev_x[k], ev_y[k], ev_x[k + 1], ev_y[k + 1])
    if full_s12 is None:
        s_whole = edge_area(x1[whole], y1[whole], x2[whole], y2[whole])
    else:
        s_whole = full_s12[whole]
    return np.concatenate([whole, ev_edge[k]]), np.concatenate([s_whole, s])


def intersection_areas(
    left_geoms: GeomArray, right_geoms: GeomArray, left_idx: IntArray, right_idx: IntArray
) -> tuple[FloatArray, BoolArray]:
    """Return (area of left[i] ∩ right[j] in m², done) for each pair (i, j).

    Parameters
    ----------
    left_geoms, right_geoms : ndarray of shapely Polygons/MultiPolygons
        Valid polygons in lon/lat degrees (EPSG:4490). ``right_geoms`` should be
        prepared (``shapely.prepare``) for speed.
    left_idx, right_idx : ndarray of intp
        The pairs, usually those whose polygons cross (neither contains the other).

    Returns
    -------
    area : ndarray of float64
        Ellipsoidal area (m², CGCS2000) of each intersection; NaN where not done.
    done : ndarray of bool
        False for pairs whose boundaries touch or overlap (a crossing within
        1e-9 of an edge end, or collinear edges): intersect those with GEOS.

    Examples
    --------
    >>> from onemap.geometry.area import ellipsoidal_area
    >>> a = np.array([shapely.box(115.0, 28.0, 115.002, 28.002)])
    >>> b = np.array([shapely.Point(115.0021, 28.0019).buffer(0.0015)])
    >>> area, done = intersection_areas(a, b, np.array([0]), np.array([0]))
    >>> bool(done[0]), bool(abs(area[0] / ellipsoidal_area(a[0].intersection(b[0]))[0] - 1) < 1e-12)
    (True, True)
    """
    n_pairs = len(left_idx)
    area = np.full(n_pairs, np.nan)
    if n_pairs == 0:
        return area, np.zeros(0, dtype=bool)
    left_used = left_geoms[left_idx]
    A = _Edges(left_used, with_s12=False)  # owner = pair number
    ub, b_of_pair = np.unique(right_idx, return_inverse=True)
    B = _Edges(right_geoms[ub], with_s12=True)  # owner = position in ub
    cand_pair, cand_edge = _candidates(A, B, shapely.bounds(left_used), b_of_pair)
    ea, eb, combo_cand = _edge_pairs(A, B, cand_pair, cand_edge, n_pairs)
    x = _crossings(A, B, ea, eb, n_pairs)

    # start status of each A edge: first vertex of its ring inside B (prepared
    # point-in-polygon), then the parity of the crossings met along the ring
    first_in = shapely.contains_xy(
        right_geoms[right_idx[A.ring_owner]], A.lon[A.ring_first], A.lat[A.ring_first]
    )
    a_cross = np.bincount(ea[x.cross], minlength=len(A.x1))
    before = np.cumsum(a_cross) - a_cross  # crossings before each edge (global)
    ring_start_edge = np.r_[0, np.cumsum(np.bincount(A.ring, minlength=len(first_in)))[:-1]]
    a_start_in = first_in[A.ring] ^ ((before - before[ring_start_edge][A.ring]) % 2 == 1)
    # start status of each candidate B edge: its first vertex inside A (prepared)
    shapely.prepare(left_used)
    b_start_in = shapely.contains_xy(left_used[cand_pair], B.x1[cand_edge], B.y1[cand_edge])

    a_edge, a_s = _sub_edge_area(
        (A.x1, A.y1, A.x2, A.y2), None, a_start_in, (ea[x.cross], x.t, x.cx, x.cy)
    )
    cb = cand_edge  # B pieces are per candidate (a B edge may serve several pairs)
    b_edge, b_s = _sub_edge_area(
        (B.x1[cb], B.y1[cb], B.x2[cb], B.y2[cb]),
        None if B.s12 is None else B.s12[cb],
        b_start_in,
        (combo_cand[x.cross], x.u, x.cx, x.cy),
    )
    total = np.zeros(n_pairs)
    total += np.bincount(A.owner[a_edge], weights=a_s * A.orient[A.ring[a_edge]], minlength=n_pairs)
    total += np.bincount(
        cand_pair[b_edge], weights=b_s * B.orient[B.ring[cb[b_edge]]], minlength=n_pairs
    )
    done = ~x.bad
    area[done] = np.maximum(total[done], 0.0)
    return area, done


def _candidates(
    A: _Edges, B: _Edges, abox: FloatArray, b_of_pair: IntArray
) -> tuple[IntArray, IntArray]:
    """Return (pair, B edge) where the edge is of the pair's right polygon and meets A's box.

    Found through runs of ``_RUN`` consecutive B edges (few spatial-index entries).
    """
    run_first = np.arange(0, len(B.x1), _RUN)
    tree = shapely.STRtree(
        shapely.box(
            np.minimum.reduceat(B.xmin, run_first),
            np.minimum.reduceat(B.ymin, run_first),
            np.maximum.reduceat(B.xmax, run_first),
            np.maximum.reduceat(B.ymax, run_first),
        )
    )
    run_pair, run = tree.query(shapely.box(*abox.T))
    run_len = np.minimum(_RUN, len(B.x1) - run_first[run])
    cand_pair = np.repeat(run_pair, run_len)
    cand_edge = _ranges(run_first[run], run_len)
    keep = (B.owner[cand_edge] == b_of_pair[cand_pair]) & _boxes_meet(
        B.xmin[cand_edge],
        B.ymin[cand_edge],
        B.xmax[cand_edge],
        B.ymax[cand_edge],
        abox[cand_pair],
    )
    return cand_pair[keep], cand_edge[keep]


def _edge_pairs(
    A: _Edges, B: _Edges, cand_pair: IntArray, cand_edge: IntArray, n_pairs: int
) -> tuple[IntArray, IntArray, IntArray]:
    """Return (A edge, B edge, candidate number) for A edges of a pair meeting a candidate."""
    a_order = np.argsort(A.owner, kind="stable")
    a_count = np.bincount(A.owner, minlength=n_pairs)
    a_first = np.r_[0, np.cumsum(a_count)[:-1]]
    reps = a_count[cand_pair]
    combo_cand = np.repeat(np.arange(len(cand_pair)), reps)
    ea = a_order[_ranges(a_first[cand_pair], reps)]
    eb = cand_edge[combo_cand]
    meet = (A.xmin[ea] <= B.xmax[eb]) & (A.xmax[ea] >= B.xmin[eb])
    meet &= (A.ymin[ea] <= B.ymax[eb]) & (A.ymax[ea] >= B.ymin[eb])
    return ea[meet], eb[meet], combo_cand[meet]


@dataclass(frozen=True)
class _Crossings:
    """Proper crossings of edge pairs, and the pairs too degenerate for this method."""

    cross: BoolArray  # per edge pair: a proper crossing
    t: FloatArray  # per crossing: parameter along the A edge
    u: FloatArray  # per crossing: parameter along the B edge
    cx: FloatArray  # per crossing: the point (shared by both polygons' pieces)
    cy: FloatArray
    bad: BoolArray  # per (left, right) pair: touching or collinear edges → GEOS


def _crossings(A: _Edges, B: _Edges, ea: IntArray, eb: IntArray, n_pairs: int) -> _Crossings:
    """Intersect each (A edge, B edge) pair as segments in longitude/latitude."""
    px, py = A.x1[ea], A.y1[ea]
    rx, ry = A.x2[ea] - px, A.y2[ea] - py
    qx, qy = B.x1[eb], B.y1[eb]
    sx, sy = B.x2[eb] - qx, B.y2[eb] - qy
    den = rx * sy - ry * sx
    wx, wy = qx - px, qy - py
    with np.errstate(divide="ignore", invalid="ignore"):
        t = (wx * sy - wy * sx) / den
        u = (wx * ry - wy * rx) / den
    hits = (t > -_EPS) & (t < 1 + _EPS) & (u > -_EPS) & (u < 1 + _EPS)
    touching = hits & ((t < _EPS) | (t > 1 - _EPS) | (u < _EPS) | (u > 1 - _EPS))
    # (nearly) parallel edges that meet or overlap: leave the pair to GEOS
    scale = np.sqrt((rx * rx + ry * ry) * (sx * sx + sy * sy))
    parallel = np.abs(den) <= 1e-10 * scale
    collinear = parallel & (np.abs(wx * ry - wy * rx) <= 1e-10 * scale)
    bad = np.zeros(n_pairs, dtype=bool)
    bad[A.owner[ea[touching | (parallel & hits) | collinear]]] = True
    cross = hits & ~touching & ~parallel
    tc = t[cross]
    return _Crossings(
        cross=cross,
        t=tc,
        u=u[cross],
        cx=px[cross] + tc * rx[cross],
        cy=py[cross] + tc * ry[cross],
        bad=bad,
    )
