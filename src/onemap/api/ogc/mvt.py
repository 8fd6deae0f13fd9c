"""A vectorised Mapbox Vector Tile encoder for geometries already in tile units.

``mapbox_vector_tile.encode`` walks every coordinate in Python; here ring orientation,
deltas and zig-zag encoding are numpy operations, and Python only slices the command
arrays per feature. Output is a standard MVT 2.1 layer (``vector_tile.proto``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import shapely
from mapbox_vector_tile.Mapbox import vector_tile_pb2

MOVE_TO, LINE_TO, CLOSE = 1, 2, 7
_POLY, _POINT, _LINE = 3, 1, 2


def _cmd(cmd: int, count: int) -> int:
    return (count << 3) | cmd


def _zigzag(v: np.ndarray) -> np.ndarray:
    return (v << 1) ^ (v >> 63)


# PLR0915: one vectorised pipeline over every ring, step by step
def polygon_commands(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:  # noqa: PLR0915
    """Encode (multi)polygons in whole tile units (y down) to one command array.

    Returns the commands and, per geometry, the end offset of its commands (a geometry
    whose rings all collapsed gets an empty slice). Exterior rings are made clockwise
    on screen (positive shoelace sum with y down), holes the opposite; repeated points
    are dropped and rings with fewer than three distinct points are skipped.
    """
    parts, part_geom = shapely.get_parts(geoms, return_index=True)
    rings, ring_part = shapely.get_rings(parts, return_index=True)
    xy, ring_of = shapely.get_coordinates(rings, return_index=True)
    xy = np.rint(xy).astype(np.int64)
    n_rings = len(rings)
    first_in_part = np.ones(n_rings, dtype=bool)
    first_in_part[1:] = ring_part[1:] != ring_part[:-1]
    # drop each ring's closing point and repeated points
    last = np.ones(len(xy), dtype=bool)
    last[:-1] = ring_of[1:] != ring_of[:-1]
    same_as_prev = np.zeros(len(xy), dtype=bool)
    same_as_prev[1:] = (ring_of[1:] == ring_of[:-1]) & np.all(xy[1:] == xy[:-1], axis=1)
    keep = ~last & ~same_as_prev
    xy, ring_of = xy[keep], ring_of[keep]
    counts = np.bincount(ring_of, minlength=n_rings)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    # shoelace per ring
    nxt = np.arange(len(xy)) + 1
    ends = starts + counts - 1
    nonempty = counts > 0
    nxt[ends[nonempty]] = starts[nonempty]
    cross = xy[:, 0] * xy[nxt % max(len(xy), 1), 1] - xy[nxt % max(len(xy), 1), 0] * xy[:, 1]
    area2 = np.bincount(ring_of, weights=cross, minlength=n_rings)
    ok = (counts >= 3) & (area2 != 0)
    # a collapsed exterior drops its holes too
    part_ok = np.zeros(len(parts), dtype=bool)
    part_ok[ring_part[first_in_part & ok]] = True
    ok &= part_ok[ring_part]
    flip = ok & ((area2 < 0) == first_in_part)
    # reverse flipped rings in place
    idx = np.arange(len(xy))
    r = ring_of
    rev = flip[r]
    idx[rev] = starts[r[rev]] + counts[r[rev]] - 1 - (idx[rev] - starts[r[rev]])
    xy = xy[idx]
    sel = ok[ring_of]
    xy, ring_of = xy[sel], ring_of[sel]
    geom_of_ring = part_geom[ring_part]
    # deltas: the cursor runs on across rings and parts of one geometry
    deltas = np.diff(xy, axis=0, prepend=np.zeros((1, 2), dtype=np.int64))
    ring_start = np.ones(len(xy), dtype=bool)
    ring_start[1:] = ring_of[1:] != ring_of[:-1]
    geom_start = ring_start.copy()
    geom_start[1:] &= geom_of_ring[ring_of[1:]] != geom_of_ring[ring_of[:-1]]
    deltas[geom_start] = xy[geom_start]
    zz = _zigzag(deltas)
    kept = np.flatnonzero(ok)
    n = counts[kept]
    size = 2 * n + 3  # MoveTo(1) x y LineTo(n-1) ... ClosePath
    offs = np.concatenate([[0], np.cumsum(size)])
    out = np.empty(int(offs[-1]), dtype=np.int64)
    out[offs[:-1]] = _cmd(MOVE_TO, 1)
    out[offs[:-1] + 3] = (n - 1) << 3 | LINE_TO
    out[offs[1:] - 1] = _cmd(CLOSE, 1)
    # coordinates: first point right after MoveTo, the rest after LineTo
    pos_in_ring = np.arange(len(xy)) - np.repeat(np.cumsum(np.concatenate([[0], n[:-1]])), n)
    base = np.repeat(offs[:-1], n)
    slot = base + 1 + 2 * pos_in_ring + (pos_in_ring > 0) * 1
    out[slot] = zz[:, 0]
    out[slot + 1] = zz[:, 1]
    geom_end = np.zeros(len(geoms), dtype=np.int64)
    ring_geom = geom_of_ring[kept]
    np.maximum.at(geom_end, ring_geom, offs[1:])
    # geometries without rings end where the previous one ended
    geom_end = np.maximum.accumulate(geom_end)
    return out, geom_end


def _point_commands(geom: shapely.Geometry) -> list[int]:
    xy = shapely.get_coordinates(geom).round().astype(np.int64)
    deltas = np.diff(xy, axis=0, prepend=np.zeros((1, 2), dtype=np.int64))
    return [_cmd(MOVE_TO, len(xy)), *_zigzag(deltas).ravel().tolist()]


# PLR0912: one branch per protobuf value type
def encode_layer(name: str, features: list[dict[str, Any]], extent: int = 4096) -> bytes:  # noqa: PLR0912
    """Encode ``[{"geometry": shapely geometry in tile units, "properties": {...}}]``.

    Polygons and points are supported (the layer kinds onemap stores); values are
    strings, integers, floats or booleans.
    """
    tile = vector_tile_pb2.tile()
    layer = tile.layers.add()
    layer.name, layer.version, layer.extent = name, 2, extent
    keys: dict[str, int] = {}
    values: dict[tuple[type, Any], int] = {}
    geoms = np.array([f["geometry"] for f in features], dtype=object)
    types = shapely.get_type_id(geoms) if len(geoms) else np.zeros(0, dtype=int)
    is_poly = np.isin(types, (3, 6))
    poly_cmds, poly_end = polygon_commands(geoms[is_poly]) if is_poly.any() else (None, None)
    poly_pos = np.cumsum(is_poly) - 1
    for i, feat in enumerate(features):
        kind = types[i]
        if is_poly[i]:
            j = poly_pos[i]
            lo = int(poly_end[j - 1]) if j > 0 else 0  # type: ignore[index]
            commands, gtype = poly_cmds[lo:int(poly_end[j])].tolist(), _POLY  # type: ignore[index]
        elif kind in (0, 4):
            commands, gtype = _point_commands(feat["geometry"]), _POINT
        else:
            continue
        if not commands:
            continue
        f = layer.features.add()
        f.id = i + 1
        f.type = gtype
        f.geometry.extend(commands)
        tags: list[int] = []
        for key, value in feat["properties"].items():
            if value is None:
                continue
            k = keys.setdefault(key, len(keys))
            v = values.get((type(value), value))
            if v is None:
                v = values[(type(value), value)] = len(values)
            tags += (k, v)
        f.tags.extend(tags)
    layer.keys.extend(keys)
    for (typ, value) in values:
        val = layer.values.add()
        if typ is bool:
            val.bool_value = value
        elif typ is int:
            if value < 0:
                val.sint_value = value
            else:
                val.int_value = value
        elif typ is float:
            val.double_value = value
        else:
            val.string_value = str(value)
    return bytes(tile.SerializeToString())
