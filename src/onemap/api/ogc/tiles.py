"""Mapbox Vector Tiles from scoped partitions: tile matrix sets, clipping, simplification.

Per-zoom generalisation keeps tiles small: polygons smaller than a fraction of a
pixel are dropped, geometries are simplified to one tile unit (1/4096 of the tile),
and if a tile still exceeds the byte budget the size threshold doubles and the tile
is encoded again.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass
from functools import lru_cache

import mapbox_vector_tile
import morecantile
import numpy as np
import pyproj
import shapely

from onemap.api.scope import BBox, LayerEntry, ScopedData
from onemap.errors import InvalidInput, NotFound
from onemap.store.kinds import COUNTY_COLUMN, get_kind
from onemap.users.policy import sensitive_fields

EXTENT = 4096
BUFFER = 64  # tile units of overlap so strokes join across tiles
MVT_MEDIA = "application/vnd.mapbox-vector-tile"
_R = 6378137.0


@lru_cache(maxsize=1)
def tile_matrix_sets() -> dict[str, morecantile.TileMatrixSet]:
    """Return the offered tile matrix sets by id.

    ``WebMercatorQuad`` is the web standard; ``CGCS2000Quad`` is the EPSG:4490
    geographic quad of 天地图's ``c`` tiles (level 0 here = 2×1 tiles of 180°,
    天地图 level 1).
    """
    cgcs = morecantile.TileMatrixSet.custom(
        [-180.0, -90.0, 180.0, 90.0], pyproj.CRS.from_epsg(4490), matrix_scale=[2, 1],
        minzoom=0, maxzoom=20, id="CGCS2000Quad",
        title="CGCS2000 经纬度四叉树瓦片 (天地图 c 型)")
    return {"WebMercatorQuad": morecantile.tms.get("WebMercatorQuad"), "CGCS2000Quad": cgcs}


def get_tms(tms_id: str) -> morecantile.TileMatrixSet:
    """Return a tile matrix set or raise NotFound."""
    try:
        return tile_matrix_sets()[tms_id]
    except KeyError:
        raise NotFound(f"unknown tile matrix set {tms_id!r}",
                       user_message=f"瓦片矩阵集不存在: {tms_id}") from None


@dataclass(frozen=True)
class TileAddress:
    """A tile in a tile matrix set, with its lon/lat bounds."""

    tms_id: str
    z: int
    x: int
    y: int

    def bounds(self) -> BBox:
        """Tile bounds in lon/lat degrees (EPSG:4490 ≈ CRS84)."""
        tms = get_tms(self.tms_id)
        if not (tms.minzoom <= self.z <= tms.maxzoom):
            raise NotFound(f"zoom {self.z} outside {tms.minzoom}..{tms.maxzoom}")
        m = tms.matrix(self.z)
        if not (0 <= self.x < m.matrixWidth and 0 <= self.y < m.matrixHeight):
            raise NotFound(f"tile {self.z}/{self.y}/{self.x} outside the matrix")
        b = tms.bounds(morecantile.Tile(self.x, self.y, self.z))
        return b.left, b.bottom, b.right, b.top

    def to_tile_units(self, geoms: np.ndarray) -> np.ndarray:
        """Transform lon/lat geometries to tile units (0..4096, y down)."""
        west, south, east, north = self.bounds()
        if self.tms_id == "WebMercatorQuad":
            x0, y0 = _merc(np.array([[west, north]]))[0]
            x1, y1 = _merc(np.array([[east, south]]))[0]

            def fwd(xy: np.ndarray) -> np.ndarray:
                m = _merc(xy)
                return np.column_stack([(m[:, 0] - x0) / (x1 - x0) * EXTENT,
                                        (y0 - m[:, 1]) / (y0 - y1) * EXTENT])
        else:
            def fwd(xy: np.ndarray) -> np.ndarray:
                return np.column_stack([(xy[:, 0] - west) / (east - west) * EXTENT,
                                        (north - xy[:, 1]) / (north - south) * EXTENT])
        return shapely.transform(geoms, fwd)


def _merc(lonlat: np.ndarray) -> np.ndarray:
    lat = np.clip(lonlat[:, 1], -85.05112878, 85.05112878)
    x = np.radians(lonlat[:, 0]) * _R
    y = np.log(np.tan(np.pi / 4 + np.radians(lat) / 2)) * _R
    return np.column_stack([x, y])


def tile_fields(kind: str, public: bool) -> list[str]:
    """Attributes carried in tiles: a few key fields (identify fetches the rest)."""
    spec = get_kind(kind)
    hidden = set(sensitive_fields(kind)) if public else set()
    keys = [f.name for f in spec.fields if f.name not in hidden][:4]
    for must in ("DLBM", "ZONE", "FXDJ"):
        if spec.spec(must) is not None and must not in keys:
            keys.append(must)
    return keys


def tile_etag(data: ScopedData, entry: LayerEntry, addr: TileAddress) -> str:
    """ETag from the checksums of the partitions the tile reads and the caller's scope."""
    parts = data.partitions(entry, _buffered(addr))
    h = hashlib.sha1(usedforsecurity=False)
    h.update(f"{entry.collection_id}|{addr}|{data.scope_key}|{entry.info.classification}".encode())
    for p in parts:
        h.update(p.checksum.encode())
    return '"' + h.hexdigest() + '"'


def _buffered(addr: TileAddress) -> BBox:
    w, s, e, n = addr.bounds()
    dx, dy = (e - w) * BUFFER / EXTENT, (n - s) * BUFFER / EXTENT
    return w - dx, s - dy, e + dx, n + dy


def render_tile(data: ScopedData, entry: LayerEntry, addr: TileAddress, max_bytes: int) -> bytes:
    """Encode the in-scope features of ``entry`` meeting the tile as one MVT layer."""
    box = _buffered(addr)
    w, s, e, n = addr.bounds()
    pixel = max(e - w, n - s) / 256.0  # degrees per screen pixel at this zoom
    kind = entry.info.kind
    fields = tile_fields(kind, data.actor.is_public)
    chunks = []
    for part, pf, rows in data.chunks(entry, box):
        if rows is None or not len(rows):
            continue
        b = pf.bounds[rows]
        size = np.maximum(b[:, 2] - b[:, 0], b[:, 3] - b[:, 1])
        chunks.append((part.county, pf, rows, size))
    min_px = 0.5
    for _attempt in range(6):
        blob = _encode(data, entry.collection_id, kind, addr, box, chunks, fields,
                       min_px * pixel)
        if len(blob) <= max_bytes:
            return blob
        min_px *= 2
    return blob


def _encode(data: ScopedData, name: str, kind: str, addr: TileAddress, box: BBox,
            chunks: list[tuple[str, object, np.ndarray, np.ndarray]], fields: list[str],
            min_size: float) -> bytes:
    point_kind = get_kind(kind).geometry == "point"
    features = []
    for county, pf, rows, size in chunks:
        keep = rows if point_kind else rows[size >= min_size]
        if not len(keep):
            continue
        frame = data.finish(pf.frame.iloc[keep], kind)  # type: ignore[attr-defined]
        geoms = shapely.clip_by_rect(frame.geometry.to_numpy(), *box)
        geoms = addr.to_tile_units(geoms)
        if not point_kind:
            geoms = shapely.simplify(geoms, 1.0, preserve_topology=False)
        geoms = shapely.set_precision(geoms, 1.0)
        ok = ~(shapely.is_empty(geoms) | shapely.is_missing(geoms))
        cols = [c for c in fields if c in frame.columns]
        values = frame[cols].astype(object).where(frame[cols].notna(), None).to_numpy() \
            if cols else np.empty((len(frame), 0))
        for i in np.flatnonzero(ok):
            props = {c: _prop(v) for c, v in zip(cols, values[i], strict=True) if v is not None}
            props["fid"] = f"{county}-{keep[i]}"
            props[COUNTY_COLUMN] = county
            features.append({"geometry": geoms[i], "properties": props})
    return mapbox_vector_tile.encode(
        [{"name": name, "features": features}],
        default_options={"extents": EXTENT, "y_coord_down": True, "quantize_bounds": None})


def _prop(value: object) -> object:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, str | int | float | bool):
        return value
    return str(value)


class TileCache:
    """LRU of encoded tiles keyed by ETag."""

    def __init__(self, entries: int) -> None:
        self.entries = entries
        self._items: OrderedDict[str, bytes] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> bytes | None:
        """Return a cached tile (and mark it recently used)."""
        with self._lock:
            blob = self._items.get(key)
            if blob is not None:
                self._items.move_to_end(key)
            return blob

    def put(self, key: str, blob: bytes) -> None:
        """Store a tile, evicting the least recently used."""
        with self._lock:
            self._items[key] = blob
            while len(self._items) > self.entries:
                self._items.popitem(last=False)


def check_zoom(z: int) -> None:
    """Reject absurd zoom levels early (InvalidInput)."""
    if not 0 <= z <= 24:
        raise InvalidInput(f"zoom {z} out of range 0..24")
