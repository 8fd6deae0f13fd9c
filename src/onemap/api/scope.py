"""Region scope and layer classification, applied in one place under every data read.

Routers never read the workspace's layers directly: they get a :class:`ScopedData` for
the request's actor (``Depends(scoped_data)``), which lists only visible layers, only
partitions of counties in the actor's scope, and desensitises data for public users.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import shapely
from sqlalchemy import select

from onemap.errors import NotFound
from onemap.store.access import Actor
from onemap.store.kinds import get_kind
from onemap.store.models import LayerInfo, PartitionInfo
from onemap.store.partitions import GEOGRAPHIC_CRS
from onemap.store.policy import desensitise, layer_visible
from onemap.store.schema import LayerRow
from onemap.store.workspace import Workspace

BBox = tuple[float, float, float, float]


@dataclass
class LayerEntry:
    """A layer vintage and its partitions, as the catalog held them at snapshot time."""

    info: LayerInfo
    partitions: list[PartitionInfo]

    @property
    def collection_id(self) -> str:
        """OGC collection id: ``kind_vintage`` (``kind`` for unversioned layers)."""
        return collection_id(self.info.kind, self.info.vintage)


def collection_id(kind: str, vintage: int) -> str:
    """Return the collection id of a layer vintage (``dltb_2020``, ``admin_county``)."""
    return f"{kind}_{vintage}" if vintage else kind


def parse_collection_id(cid: str) -> tuple[str, int]:
    """Split a collection id into kind and vintage (0 for unversioned layers)."""
    head, _, tail = cid.rpartition("_")
    if head and tail.isdigit() and len(tail) == 4:
        return head, int(tail)
    return cid, 0


class CatalogSnapshot:
    """Layers and partitions of a workspace, re-read only when the catalog changed."""

    def __init__(self, workspace: Workspace) -> None:
        self.ws = workspace
        self._key: tuple[object, ...] | None = None
        self._entries: dict[tuple[str, int], LayerEntry] = {}
        self._lock = threading.Lock()

    def _fingerprint(self) -> tuple[object, ...]:
        with self.ws.session() as s:
            rows = s.execute(select(LayerRow.id, LayerRow.revision, LayerRow.classification,
                                    LayerRow.published, LayerRow.updated_at)).all()
        return tuple(sorted(tuple(r) for r in rows))

    def entries(self) -> dict[tuple[str, int], LayerEntry]:
        """Return ``(kind, vintage) → LayerEntry``, refreshed if the catalog changed."""
        key = self._fingerprint()
        with self._lock:
            if key != self._key:
                fresh = {}
                for info in self.ws.list_layers():
                    parts = self.ws.partitions(info.kind, info.vintage)
                    fresh[(info.kind, info.vintage)] = LayerEntry(info, parts)
                self._entries, self._key = fresh, key
            return self._entries


@dataclass
class PartitionFrame:
    """One partition in memory with its spatial index (for features and tiles)."""

    frame: gpd.GeoDataFrame
    tree: shapely.STRtree
    bounds: np.ndarray  # (n, 4) minx, miny, maxx, maxy
    _geoms: np.ndarray | None = None
    _columns: dict[str, np.ndarray] = field(default_factory=dict)

    def query(self, bbox: BBox) -> np.ndarray:
        """Return sorted row positions whose bounding box meets ``bbox``."""
        return np.sort(self.tree.query(shapely.box(*bbox)))

    @property
    def geometries(self) -> np.ndarray:
        """The geometry column as a numpy array of shapely geometries."""
        if self._geoms is None:
            self._geoms = self.frame.geometry.to_numpy()
        return self._geoms

    def column(self, name: str) -> np.ndarray:
        """One attribute column as a numpy object array (None for missing), cached."""
        if name not in self._columns:
            col = self.frame[name]
            self._columns[name] = col.astype(object).where(col.notna(), None).to_numpy()
        return self._columns[name]


@dataclass
class LightPartition:
    """Bounding boxes and land classes of a partition, read without parsing geometries.

    Low-zoom tiles over many counties use it to pick the few features worth drawing
    and to colour the mosaic; only the chosen rows' WKB is parsed (:meth:`geometries`).
    """

    path: Path
    bounds: np.ndarray  # (n, 4)
    codes: np.ndarray | None  # DLBM per row (object), None when the kind has none

    def geometries(self, rows: np.ndarray) -> np.ndarray:
        """Parse the geometries of ``rows`` only."""
        column = pq.read_table(self.path, columns=["geometry"]).column("geometry")
        wkb = column.take(pa.array(rows, type=pa.int64())).to_pylist()
        return np.asarray(shapely.from_wkb(wkb))


class PartitionCache:
    """LRU of partitions read from GeoParquet, with their STRtrees (keyed by file path)."""

    def __init__(self, workspace: Workspace, max_rows: int = 2_000_000) -> None:
        self.ws = workspace
        self.max_rows = max_rows
        self._items: OrderedDict[str, PartitionFrame] = OrderedDict()
        self._light: OrderedDict[str, LightPartition] = OrderedDict()
        self._rows = 0
        self._lock = threading.Lock()

    def light(self, part: PartitionInfo) -> LightPartition:
        """Return the partition's bounding boxes and classes (cached, ~40 bytes a row)."""
        with self._lock:
            hit = self._light.get(part.path)
            if hit is not None:
                self._light.move_to_end(part.path)
                return hit
        path = self.ws.root / part.path
        names = pq.read_schema(path).names
        cols = ["bbox"] + (["DLBM"] if "DLBM" in names else [])
        table = pq.read_table(path, columns=cols)
        box = table.column("bbox").combine_chunks()
        bounds = np.column_stack([np.asarray(box.field(k)) for k in
                                  ("xmin", "ymin", "xmax", "ymax")]).astype(float)
        codes = (np.asarray(table.column("DLBM").to_pylist(), dtype=object)
                 if "DLBM" in cols else None)
        item = LightPartition(path, bounds, codes)
        with self._lock:
            self._light[part.path] = item
            while len(self._light) > 2000:
                self._light.popitem(last=False)
        return item

    def get(self, part: PartitionInfo) -> PartitionFrame:
        """Return the partition's frame and index, reading it on a miss."""
        with self._lock:
            hit = self._items.get(part.path)
            if hit is not None:
                self._items.move_to_end(part.path)
                return hit
        frame = self.ws.read_partition(part)
        geoms = frame.geometry.to_numpy()
        item = PartitionFrame(frame, shapely.STRtree(geoms), shapely.bounds(geoms), geoms)
        with self._lock:
            self._items[part.path] = item
            self._rows += len(frame)
            while self._rows > self.max_rows and len(self._items) > 1:
                _, old = self._items.popitem(last=False)
                self._rows -= len(old.frame)
        return item


class ScopedData:
    """The workspace as one actor may see it."""

    def __init__(self, catalog: CatalogSnapshot, cache: PartitionCache, actor: Actor,
                 public_decimals: int) -> None:
        self.catalog = catalog
        self.cache = cache
        self.actor = actor
        self.public_decimals = public_decimals

    @property
    def scope_key(self) -> str:
        """A key that is equal for actors who see exactly the same data (for caches)."""
        a = self.actor
        return f"{a.role.value}:{','.join(sorted(a.regions))}"

    def layers(self) -> list[LayerEntry]:
        """Layer vintages this actor may see that hold data in the actor's scope."""
        out = []
        for entry in self.catalog.entries().values():
            if not layer_visible(self.actor, entry.info.classification, entry.info.published):
                continue
            parts = [p for p in entry.partitions if self.actor.covers(p.county)]
            if parts or self.actor.covers(self.catalog.ws.config.root_region):
                out.append(LayerEntry(entry.info, parts))
        return out

    def layer(self, kind: str, vintage: int | None = None) -> LayerEntry:
        """Return one visible layer vintage (latest if ``vintage`` is None) or NotFound."""
        found = [e for e in self.layers() if e.info.kind == kind
                 and (vintage is None or e.info.vintage == vintage)]
        if not found:
            label = kind if vintage is None else collection_id(kind, vintage)
            raise NotFound(f"no layer {label} visible to {self.actor.username}",
                           user_message=f"图层不存在或无权访问 (no such layer: {label})")
        return max(found, key=lambda e: e.info.vintage)

    def by_collection(self, cid: str) -> LayerEntry:
        """Return the visible layer vintage named by an OGC collection id."""
        kind, vintage = parse_collection_id(cid)
        try:
            get_kind(kind)
        except Exception:
            raise NotFound(f"no collection {cid}",
                           user_message=f"集合不存在 (no such collection: {cid})") from None
        return self.layer(kind, vintage)

    def partitions(self, entry: LayerEntry, bbox: BBox | None = None) -> list[PartitionInfo]:
        """Partitions of ``entry`` in scope whose bbox meets ``bbox``."""
        parts = entry.partitions
        if bbox is not None:
            parts = [p for p in parts if not (p.bbox[2] < bbox[0] or p.bbox[0] > bbox[2]
                                              or p.bbox[3] < bbox[1] or p.bbox[1] > bbox[3])]
        return parts

    def chunks(self, entry: LayerEntry, bbox: BBox | None = None
               ) -> Iterator[tuple[PartitionInfo, PartitionFrame, np.ndarray | None]]:
        """Yield (partition, cached frame, row positions meeting bbox or None for all)."""
        for part in self.partitions(entry, bbox):
            pf = self.cache.get(part)
            yield part, pf, (pf.query(bbox) if bbox is not None else None)

    def finish(self, gdf: gpd.GeoDataFrame, kind: str) -> gpd.GeoDataFrame:
        """Apply the public version (desensitised) when the actor is a public user."""
        if self.actor.is_public:
            return desensitise(gdf, kind, self.public_decimals)
        return gdf

    def finish_geometries(self, geoms: np.ndarray) -> np.ndarray:
        """Round coordinates for public users (as :meth:`finish` does), else unchanged."""
        if not self.actor.is_public:
            return geoms
        d = self.public_decimals
        return np.asarray(shapely.transform(geoms, lambda xy: np.round(xy, d)))

    def read(self, entry: LayerEntry, bbox: BBox | None = None) -> gpd.GeoDataFrame:
        """Read every in-scope row of a layer meeting ``bbox`` (desensitised if public)."""
        frames = []
        for _part, pf, rows in self.chunks(entry, bbox):
            sub = pf.frame if rows is None else pf.frame.iloc[rows]
            if bbox is not None:
                sub = sub[sub.intersects(shapely.box(*bbox))]
            frames.append(sub)
        frames = [f for f in frames if len(f)]
        if not frames:
            return gpd.GeoDataFrame(geometry=gpd.GeoSeries([], crs=GEOGRAPHIC_CRS))
        gdf = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), geometry="geometry",
                               crs=GEOGRAPHIC_CRS)
        return self.finish(gdf, entry.info.kind)
