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
from typing import Any

import morecantile
import numpy as np
import pyproj
import shapely

from onemap.api.ogc.mvt import encode_layer
from onemap.errors import InvalidInput, NotFound
from onemap.geometry.bbox import BBox
from onemap.store.kinds import COUNTY_COLUMN, get_kind
from onemap.store.models import PartitionInfo
from onemap.store.overviews import OverviewBandFrame, band_for, class_field
from onemap.store.policy import sensitive_fields
from onemap.store.reader import CachedPartition, LayerEntry, ScopedReader

EXTENT = 4096
BUFFER = 64  # tile units of overlap so strokes join across tiles
MVT_MEDIA = "application/vnd.mapbox-vector-tile"
_R = 6378137.0


@lru_cache(maxsize=1)
def tile_matrix_sets() -> dict[str, morecantile.TileMatrixSet]:
    """Return the offered tile matrix sets by id.

    ``WebMercatorQuad`` is the web standard; ``CGCS2000Quad`` is the EPSG:4490
    geographic quad of 天地图's ``c`` tiles (level 0 here = 2×1 tiles of 180°,
    天地图 level 1). ``WorldCRS84Quad`` is the same grid in OGC:CRS84 (longitude first),
    the tileset GDAL's ``OGCAPI`` driver prefers.
    """
    cgcs = morecantile.TileMatrixSet.custom(
        [-180.0, -90.0, 180.0, 90.0], pyproj.CRS.from_epsg(4490), matrix_scale=[2, 1],
        minzoom=0, maxzoom=20, id="CGCS2000Quad",
        title="CGCS2000 经纬度四叉树瓦片 (天地图 c 型)")
    return {"WebMercatorQuad": morecantile.tms.get("WebMercatorQuad"), "CGCS2000Quad": cgcs,
            "WorldCRS84Quad": morecantile.tms.get("WorldCRS84Quad")}


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
        """Transform lon/lat geometries to whole tile units (0..4096, y down)."""
        west, south, east, north = self.bounds()
        if self.tms_id == "WebMercatorQuad":
            x0, y0 = _merc(np.array([[west, north]]))[0]
            x1, y1 = _merc(np.array([[east, south]]))[0]

            def fwd(xy: np.ndarray) -> np.ndarray:
                m = _merc(xy)
                return np.asarray(np.rint(np.column_stack(
                    [(m[:, 0] - x0) / (x1 - x0) * EXTENT, (y0 - m[:, 1]) / (y0 - y1) * EXTENT])))
        else:
            def fwd(xy: np.ndarray) -> np.ndarray:
                return np.rint(np.column_stack([(xy[:, 0] - west) / (east - west) * EXTENT,
                                                (north - xy[:, 1]) / (north - south) * EXTENT]))
        return np.asarray(shapely.transform(geoms, fwd))


def _merc(lonlat: np.ndarray) -> np.ndarray:
    lat = np.clip(lonlat[:, 1], -85.05112878, 85.05112878)
    x = np.radians(lonlat[:, 0]) * _R
    y = np.log(np.tan(np.pi / 4 + np.radians(lat) / 2)) * _R
    return np.column_stack([x, y])


STYLE_FIELDS = ("DLBM", "ZONE", "FXDJ", "XZQDM", "XZQMC")
"""What the map styles and labels by, carried at every zoom (county and township names)."""
DETAIL_ZOOM = 10  # below it tiles carry only the styling fields (identify fetches the rest)


def tile_fields(kind: str, public: bool, z: int = DETAIL_ZOOM) -> list[str]:
    """Attributes carried in tiles: a few key fields (identify fetches the rest)."""
    spec = get_kind(kind)
    hidden = set(sensitive_fields(kind)) if public else set()
    keys = [] if z < DETAIL_ZOOM else [f.name for f in spec.fields if f.name not in hidden][:4]
    for must in STYLE_FIELDS:
        if spec.spec(must) is not None and must not in keys:
            keys.append(must)
    return keys


def tile_etag(data: ScopedReader, entry: LayerEntry, addr: TileAddress) -> str:
    """ETag from the checksums of the partitions the tile reads and the caller's scope.

    The checksums of their overviews count too, so a tile drawn from an overview changes
    its ETag when the overview is made or remade.
    """
    parts = data.partitions(entry, _buffered(addr))
    h = hashlib.sha1(usedforsecurity=False)
    h.update(f"{entry.collection_id}|{addr}|{data.scope_key}|{entry.info.classification}".encode())
    for p in parts:
        h.update(p.checksum.encode())
        if p.overview is not None:
            h.update(f"|{p.overview.checksum}:{p.overview.source_checksum}".encode())
    return '"' + h.hexdigest() + '"'


def _buffered(addr: TileAddress) -> BBox:
    w, s, e, n = addr.bounds()
    dx, dy = (e - w) * BUFFER / EXTENT, (n - s) * BUFFER / EXTENT
    return w - dx, s - dy, e + dx, n + dy


def render_tile(data: ScopedReader, entry: LayerEntry, addr: TileAddress, max_bytes: int,
                max_vertices: int = 120_000, max_features: int = 12_000) -> bytes:
    """Encode the in-scope features of ``entry`` meeting the tile as one MVT layer.

    Below :data:`DETAIL_ZOOM`, polygon layers whose every partition read has a current
    overview are drawn from the overviews (:func:`_render_overview`). Otherwise polygons
    under half a screen pixel are dropped, the rest simplified to a quarter
    pixel; of the rest at most ``max_features`` and ``max_vertices`` coordinates are
    kept, the largest features first. A tile over ``max_bytes`` is re-encoded with half the
    features until it fits.
    """
    box = _buffered(addr)
    w, s, e, n = addr.bounds()
    pixel = max(e - w, n - s) / 256.0  # degrees per screen pixel at this zoom
    kind = entry.info.kind
    point_kind = get_kind(kind).geometry == "point"
    band = band_for(pixel) if addr.z < DETAIL_ZOOM and class_field(kind) else None
    if band is not None:
        overviews = data.overviews(entry, box, band.name)
        if overviews is not None:
            return _render_overview(data, entry, addr, box, overviews, 0.5 * pixel,
                                    max_bytes, max_features)
    if addr.z < LIGHT_ZOOM and not point_kind:
        return _render_light(data, entry, addr, box, 0.5 * pixel, max_bytes, max_features)
    spec = get_kind(kind)
    mosaic: list[dict[str, object]] = []
    if spec.coverage and addr.z < DETAIL_ZOOM and spec.spec("DLBM") is not None:
        mosaic = _mosaic(data, entry, addr, box)
    cand = _candidates(data, entry, addr, box, 0.0 if point_kind else 0.5 * pixel, point_kind,
                       max_features)
    if cand is None:
        return _mvt(entry.collection_id, mosaic)
    chunks, which, sizes, geoms = cand
    order = np.argsort(-sizes, kind="stable")  # largest first
    ncoords = shapely.get_num_coordinates(geoms[order])
    room = 0.9 * max_bytes - 24 * len(mosaic)
    budget = (np.cumsum(ncoords) <= max_vertices) & (np.cumsum(ncoords * 2 + 48) <= room)
    keep = order[budget] if not budget.all() else order
    fields = tile_fields(kind, data.desensitised, addr.z)
    while True:
        feats = _features(chunks, which, geoms, np.sort(keep), fields)
        blob = _mvt(entry.collection_id, mosaic + feats)
        if len(blob) <= max_bytes or len(keep) <= 1:
            return blob
        keep = keep[: len(keep) // 2]


LABEL_FIELDS = ("XZQDM", "XZQMC")  # names of administrative units, in tiles at every zoom


def _labels(data: ScopedReader, entry: LayerEntry, counties: set[str]
            ) -> dict[tuple[str, int], dict[str, object]]:
    """Names of the administrative units in ``counties`` by (county, row), for labels.

    Administrative layers are small (one county, its townships), so their partitions are
    read whole even for low-zoom tiles; other kinds carry no labels here.
    """
    spec = get_kind(entry.info.kind)
    fields = [f for f in LABEL_FIELDS if spec.spec(f) is not None]
    if not fields:
        return {}
    out: dict[tuple[str, int], dict[str, object]] = {}
    for part in data.partitions(entry):
        if part.county not in counties:
            continue
        frame = data.cache.get(part).frame
        cols = [f for f in fields if f in frame.columns]
        for row, rec in enumerate(frame[cols].to_dict("records")):
            out[(part.county, row)] = {k: str(v) for k, v in rec.items() if v is not None}
    return out


MOSAIC_CELL = 64  # tile units (4 screen pixels) per mosaic cell
LIGHT_ZOOM = 8  # below it tiles read bounding boxes first and parse only the kept geometries


def _render_light(data: ScopedReader, entry: LayerEntry, addr: TileAddress, box: BBox,
                  min_size: float, max_bytes: int, max_features: int) -> bytes:
    """Low-zoom tile from bounding boxes: largest features parsed, the rest as a mosaic.

    Never loads whole partitions, so a province-wide tile costs one read of each
    county's bbox/DLBM columns (cached) and the WKB of at most ``max_features`` rows.
    """
    spec = get_kind(entry.info.kind)
    picks, centres, sizes, codes = [], [], [], []
    for part in data.partitions(entry, box):
        light = data.cache.light(part)
        b = light.bounds
        hit = np.flatnonzero((b[:, 2] >= box[0]) & (b[:, 0] <= box[2])
                             & (b[:, 3] >= box[1]) & (b[:, 1] <= box[3]))
        if not len(hit):
            continue
        size = np.maximum(b[hit, 2] - b[hit, 0], b[hit, 3] - b[hit, 1])
        picks.append((part.county, light, hit, size))
        if spec.coverage and light.codes is not None:
            centres.append(np.column_stack([(b[hit, 0] + b[hit, 2]) / 2,
                                            (b[hit, 1] + b[hit, 3]) / 2]))
            sizes.append((b[hit, 2] - b[hit, 0]) * (b[hit, 3] - b[hit, 1]))
            codes.append(light.codes[hit])
    mosaic = _mosaic_cells(addr, centres, sizes, codes) if centres else []
    if not picks:
        return _mvt(entry.collection_id, mosaic)
    all_sizes = np.concatenate([p[3] for p in picks])
    floor = min_size
    if (all_sizes >= floor).sum() > max_features:
        floor = max(floor, np.partition(all_sizes, len(all_sizes) - max_features)
                    [-max_features])
    parts_geoms: list[np.ndarray] = []
    parts_meta: list[tuple[str, Any, int, float]] = []
    for county, light, hit, size in picks:
        sel = size >= floor
        rows = hit[sel]
        if not len(rows):
            continue
        g = data.finish_geometries(light.geometries(rows))
        g = shapely.clip_by_rect(g, *box)
        g = shapely.simplify(addr.to_tile_units(g), 4.0, preserve_topology=False)
        ok = ~(shapely.is_empty(g) | shapely.is_missing(g))
        parts_geoms.append(g[ok])
        parts_meta.extend((county, light, int(r), float(z))
                          for r, z in zip(rows[ok], size[sel][ok], strict=True))
    feats: list[dict[str, object]] = []
    if parts_meta:
        geoms = np.concatenate(parts_geoms)
        order = np.argsort([-m[3] for m in parts_meta], kind="stable")  # largest first
        cost = np.cumsum(2 * shapely.get_num_coordinates(geoms[order]) + 48)
        keep = np.sort(order[cost <= 0.9 * max_bytes - 24 * len(mosaic)])
        labels = _labels(data, entry, {m[0] for m in (parts_meta[i] for i in keep)})
        for i in keep:
            county, light, row, _ = parts_meta[i]
            props: dict[str, object] = {"fid": f"{county}-{row}", COUNTY_COLUMN: county}
            if light.codes is not None and light.codes[row] is not None:
                props["DLBM"] = str(light.codes[row])
            props.update(labels.get((county, row), {}))
            feats.append({"geometry": geoms[i], "properties": props})
    return _mvt(entry.collection_id, mosaic + feats)


def _render_overview(data: ScopedReader, entry: LayerEntry, addr: TileAddress, box: BBox,
                     overviews: list[tuple[PartitionInfo, OverviewBandFrame]],
                     min_size: float, max_bytes: int, max_features: int) -> bytes:
    """Low-zoom tile from overviews: each county's class polygons, already generalised.

    Parts under ``min_size`` (degrees, bbox side) are dropped and at most
    ``max_features`` of the largest kept before any geometry work; they are clipped
    (only those crossing the buffered edge), put in tile units and encoded with their
    class and county, the largest first within the byte budget. Public callers get
    :meth:`ScopedReader.finish_geometries`.
    """
    spec = get_kind(entry.info.kind)
    field = class_field(entry.info.kind)
    hits = [(part, band, hit[band.sizes[hit] >= min_size]) for part, band in overviews
            if len(hit := band.query(box))]
    every = (np.concatenate([band.sizes[hit] for _, band, hit in hits]) if hits
             else np.zeros(0))
    if len(every) > max_features:  # the smallest go before any geometry work
        floor = np.partition(every, len(every) - max_features)[-max_features]
        hits = [(part, band, hit[band.sizes[hit] >= floor]) for part, band, hit in hits]
    geoms: list[np.ndarray] = []
    sizes: list[np.ndarray] = []
    meta: list[tuple[str, object]] = []
    for part, band, hit in hits:
        if not len(hit):
            continue
        g = data.finish_geometries(band.geometries[hit])
        g = _clip_crossing(g, shapely.bounds(g), box)
        g = addr.to_tile_units(g)
        ok = ~(shapely.is_empty(g) | shapely.is_missing(g))
        geoms.append(g[ok])
        sizes.append(band.sizes[hit][ok])
        meta.extend((part.county, c) for c in band.classes[hit][ok])
    if not meta:
        return _mvt(entry.collection_id, [])
    all_geoms, all_sizes = np.concatenate(geoms), np.concatenate(sizes)
    order = np.argsort(-all_sizes, kind="stable")  # largest first
    cost = np.cumsum(2 * shapely.get_num_coordinates(all_geoms[order]) + 48)
    keep = np.sort(order[cost <= 0.9 * max_bytes]) if cost[-1] > 0.9 * max_bytes else order
    while True:
        feats: list[dict[str, object]] = []
        for i in np.sort(keep):
            county, code = meta[i]
            props: dict[str, object] = {COUNTY_COLUMN: county}
            if code is not None and field is not None:
                props[field] = str(code)
            if spec.coverage:
                props["generalised"] = 1  # drawn without outlines, like the mosaic
            feats.append({"geometry": all_geoms[i], "properties": props})
        blob = _mvt(entry.collection_id, feats)
        if len(blob) <= max_bytes or len(keep) <= 1:
            return blob
        keep = keep[np.argsort(-all_sizes[keep], kind="stable")][: len(keep) // 2]


def _clip_crossing(geoms: np.ndarray, bounds: np.ndarray, box: BBox) -> np.ndarray:
    """Clip to ``box`` only the geometries whose ``bounds`` cross its edge (a copy if any)."""
    cross = ~((bounds[:, 0] >= box[0]) & (bounds[:, 1] >= box[1]) & (bounds[:, 2] <= box[2])
              & (bounds[:, 3] <= box[3]))
    if not cross.any():
        return geoms
    out = geoms.copy()
    out[cross] = shapely.clip_by_rect(geoms[cross], *box)
    return out


def _mosaic(data: ScopedReader, entry: LayerEntry, addr: TileAddress, box: BBox
            ) -> list[dict[str, object]]:
    """Squares of 4×4 pixels coloured by the largest feature centred in them.

    Drawn under the kept polygons of a coverage layer (DLTB) at low zoom, they fill
    the gaps left by dropped small polygons so the map has no holes.
    """
    centres, sizes, codes = [], [], []
    for _part, pf, hit in data.chunks(entry, box):
        if hit is None or not len(hit):
            continue
        b = pf.bounds[hit]
        centres.append(np.column_stack([(b[:, 0] + b[:, 2]) / 2, (b[:, 1] + b[:, 3]) / 2]))
        sizes.append((b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1]))
        codes.append(pf.column("DLBM")[hit])
    return _mosaic_cells(addr, centres, sizes, codes) if centres else []


def _mosaic_cells(addr: TileAddress, centres: list[np.ndarray], sizes: list[np.ndarray],
                  codes: list[np.ndarray]) -> list[dict[str, object]]:
    """Mosaic squares from feature centres (lon/lat), areas and classes."""
    xy = shapely.get_coordinates(addr.to_tile_units(shapely.points(np.concatenate(centres))))
    cell = np.floor(xy / MOSAIC_CELL).astype(np.int64)
    n = EXTENT // MOSAIC_CELL
    inside = (cell >= -1).all(axis=1) & (cell <= n).all(axis=1)
    cell, size, code = cell[inside], np.concatenate(sizes)[inside], np.concatenate(codes)[inside]
    order = np.argsort(-size, kind="stable")
    key = (cell[order, 0] + 1) * (n + 3) + (cell[order, 1] + 1)
    _, first = np.unique(key, return_index=True)
    pick = order[first]
    out: list[dict[str, object]] = []
    for (cx, cy), c in zip(cell[pick], code[pick], strict=True):
        if c is None:
            continue
        x0, y0 = int(cx) * MOSAIC_CELL, int(cy) * MOSAIC_CELL
        out.append({"geometry": shapely.box(x0, y0, x0 + MOSAIC_CELL, y0 + MOSAIC_CELL),
                    "properties": {"DLBM": str(c), "generalised": 1}})
    return out


@dataclass
class _Chunk:
    county: str
    part: CachedPartition
    rows: np.ndarray  # positions in the partition (feature ids) of the rows kept


def _candidates(data: ScopedReader, entry: LayerEntry, addr: TileAddress, box: BBox,
                min_size: float, point_kind: bool, max_features: int
                ) -> tuple[list[_Chunk], np.ndarray, np.ndarray, np.ndarray] | None:
    """Return chunks, chunk index per candidate, sizes, tile-unit geometries."""
    hits = []
    for part, pf, hit in data.chunks(entry, box):
        if hit is None or not len(hit):
            continue
        b = pf.bounds[hit]
        size = np.maximum(b[:, 2] - b[:, 0], b[:, 3] - b[:, 1])
        ok = size >= min_size
        if ok.any():
            hits.append((part, pf, hit[ok], size[ok]))
    if not hits:
        return None
    all_sizes = np.concatenate([h[3] for h in hits])
    if len(all_sizes) > max_features:  # drop the smallest before any geometry work
        floor = np.partition(all_sizes, len(all_sizes) - max_features)[-max_features]
        hits = [(p, pf, hit[size >= floor], size[size >= floor]) for p, pf, hit, size in hits]
    chunks: list[_Chunk] = []
    sizes, geoms = [], []
    for part, pf, hit, size in hits:
        if not len(hit):
            continue
        g = data.finish_geometries(pf.geometries[hit])
        g = _clip_crossing(g, pf.bounds[hit], box)
        g = addr.to_tile_units(g)
        if not point_kind:
            g = shapely.simplify(g, 4.0, preserve_topology=False)
        good = ~(shapely.is_empty(g) | shapely.is_missing(g))
        if not good.any():
            continue
        chunks.append(_Chunk(part.county, pf, hit[good]))
        sizes.append(size[good])
        geoms.append(g[good])
    if not chunks:
        return None
    which = np.concatenate([np.full(len(c.rows), i, dtype=np.int32)
                            for i, c in enumerate(chunks)])
    return chunks, which, np.concatenate(sizes), np.concatenate(geoms)


def _features(chunks: list[_Chunk], which: np.ndarray, geoms: np.ndarray, keep: np.ndarray,
              fields: list[str]) -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    starts = np.concatenate([[0], np.cumsum([len(c.rows) for c in chunks])])
    for i, chunk in enumerate(chunks):
        sel = keep[which[keep] == i]
        if not len(sel):
            continue
        local = sel - starts[i]
        rows = chunk.rows[local]
        cols = [c for c in fields if c in chunk.part.frame.columns]
        values = [chunk.part.column(c)[rows] for c in cols]
        for j, k in enumerate(sel):
            props = {c: _prop(v[j]) for c, v in zip(cols, values, strict=True)
                     if v[j] is not None}
            props["fid"] = f"{chunk.county}-{chunk.rows[local[j]]}"
            props[COUNTY_COLUMN] = chunk.county
            out.append({"geometry": geoms[k], "properties": props})
    return out


def _mvt(name: str, features: list[dict[str, object]]) -> bytes:
    return encode_layer(name, features, EXTENT)


def _prop(value: object) -> object:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (str, int, float, bool)):
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


def tms_document(tms: morecantile.TileMatrixSet) -> dict[str, Any]:
    """Return a tile matrix set as OGC TMS 2.0 JSON, with the TMS 1.0 members alongside.

    GDAL up to 3.6 (Debian 12's ``OGCAPI`` driver) parses only TMS 1.0 (``type``
    ``TileMatrixSetType``, ``identifier``, ``supportedCRS``, ``topLeftCorner``); newer
    readers take the 2.0 members and ignore the others. Corners are in the CRS's axis
    order in both versions (latitude first for EPSG:4490).
    """
    doc = tms.model_dump(exclude_none=True, mode="json")
    west, south, east, north = tms.xy_bbox
    corners = ([south, west], [north, east]) if tms._invert_axis else (
        [west, south], [east, north])
    doc.update({"type": "TileMatrixSetType", "identifier": tms.id,
                "supportedCRS": doc["crs"],
                "boundingBox": {"type": "BoundingBoxType", "crs": doc["crs"],
                                "lowerCorner": corners[0], "upperCorner": corners[1]}})
    for matrix in doc["tileMatrices"]:
        matrix.update({"type": "TileMatrixType", "identifier": matrix["id"],
                       "topLeftCorner": matrix["pointOfOrigin"]})
    return doc


MAX_ZOOM = 20
"""Deepest tile matrix advertised (TileJSON ``maxzoom``, ``tileMatrixSetLimits``); clients
overzoom beyond it."""


def tile_limits(tms: morecantile.TileMatrixSet, bounds: BBox) -> list[dict[str, Any]]:
    """Return ``tileMatrixSetLimits``: per zoom, the tile rows and columns over ``bounds``.

    Clients (GDAL's OGCAPI driver, OpenLayers) request only these tiles instead of the
    whole world.
    """
    west, south, east, north = bounds
    out = []
    for z in range(tms.minzoom, min(tms.maxzoom, MAX_ZOOM) + 1):
        m = tms.matrix(z)
        top_left = tms.tile(west, north, z)
        bottom_right = tms.tile(east, south, z)
        out.append({"tileMatrix": str(z),
                    "minTileRow": max(0, top_left.y), "maxTileRow": min(m.matrixHeight - 1,
                                                                        bottom_right.y),
                    "minTileCol": max(0, top_left.x), "maxTileCol": min(m.matrixWidth - 1,
                                                                        bottom_right.x)})
    return out


def layer_bounds(entry: LayerEntry) -> BBox:
    """Return the data's lon/lat bounds: its partitions in scope, else the layer's, else China."""
    if entry.partitions:
        return (min(p.bbox[0] for p in entry.partitions), min(p.bbox[1] for p in entry.partitions),
                max(p.bbox[2] for p in entry.partitions), max(p.bbox[3] for p in entry.partitions))
    if entry.info.bbox:
        return entry.info.bbox
    return (73.0, 3.0, 136.0, 54.0)


def check_zoom(z: int) -> None:
    """Reject absurd zoom levels early (InvalidInput)."""
    if not 0 <= z <= 24:
        raise InvalidInput(f"zoom {z} out of range 0..24")
