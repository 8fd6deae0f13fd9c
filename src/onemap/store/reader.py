"""The one interactive read path: scoped, cached reads of layer partitions.

Interactive queries (OGC features and tiles, site review, the maps of reports, search)
read layer data through a :class:`WorkspaceReader`, one per process: it holds the
:class:`CatalogSnapshot` (layers and partitions, re-read only when the catalog's layer
versions change) and the :class:`PartitionCache` (decoded partitions with their STRtrees,
bounded in bytes, keyed by file and checksum so a rewritten partition is never served
stale). ``reader.scoped(actor)`` gives the :class:`ScopedReader` of one caller: only the
layers the policy lets the actor see, only partitions of counties in the actor's scope,
and the desensitised (public) version for public users (:mod:`onemap.store.policy`).

Batch jobs (statistics, QC, change detection) stream whole counties through
:meth:`Workspace.read_layer` and the compute executors instead; they filter counties with
the same policy.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, TypeVar

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import shapely
from sqlalchemy import select

from onemap.errors import NotFound
from onemap.geometry.bbox import BBox, bboxes_meet
from onemap.store.kinds import COUNTY_COLUMN, get_kind
from onemap.store.models import LayerInfo, PartitionInfo
from onemap.store.overviews import OverviewBandFrame, OverviewPartition, current_overview
from onemap.store.overviews import read_overview as _read_overview
from onemap.store.partitions import GEOGRAPHIC_CRS, read_partition
from onemap.store.policy import Action, allows, desensitise, layer_visible, public_geometries
from onemap.store.policy import authorize as policy_authorize
from onemap.store.schema import LayerRow

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator
    from pathlib import Path

    from onemap.store.access import Actor
    from onemap.store.workspace import Workspace

DEFAULT_CACHE_BYTES = 3 * 2**30
"""Memory the partition cache may hold by default (decoded frames and indexes)."""

Columns = tuple[str, ...] | None
_S = TypeVar("_S", "LightPartition", OverviewPartition)  # the cache's small entries


# -- layer entries --------------------------------------------------------------------------
def collection_id(kind: str, vintage: int) -> str:
    """Return the public id of a layer vintage (``dltb_2020``; ``admin_county`` if unversioned).

    Examples
    --------
    >>> collection_id("dltb", 2020), collection_id("admin_county", 0)
    ('dltb_2020', 'admin_county')
    """
    return f"{kind}_{vintage}" if vintage else kind


def parse_collection_id(cid: str) -> tuple[str, int]:
    """Split a layer id into kind and vintage (0 for unversioned layers).

    Examples
    --------
    >>> parse_collection_id("dltb_2020"), parse_collection_id("admin_county")
    (('dltb', 2020), ('admin_county', 0))
    """
    head, _, tail = cid.rpartition("_")
    if head and tail.isdigit() and len(tail) == 4:
        return head, int(tail)
    return cid, 0


@dataclass
class LayerEntry:
    """A layer vintage and its partitions, as the catalog held them at snapshot time."""

    info: LayerInfo
    partitions: list[PartitionInfo]

    @property
    def collection_id(self) -> str:
        """Public id: ``kind_vintage`` (``kind`` for unversioned layers)."""
        return collection_id(self.info.kind, self.info.vintage)


class CatalogSnapshot:
    """Layers and partitions of a workspace, re-read only when the catalog changed.

    The fingerprint is every layer's (id, revision, classification, published,
    updated_at): one small query per call.
    """

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

    def latest(self, kind: str) -> LayerEntry | None:
        """Return the newest vintage of ``kind`` held (whoever may see it), or None."""
        found = [e for (k, _), e in self.entries().items() if k == kind]
        return max(found, key=lambda e: e.info.vintage) if found else None


# -- cached partitions ----------------------------------------------------------------------
@dataclass
class CachedPartition:
    """One partition decoded in memory with its spatial index."""

    frame: gpd.GeoDataFrame
    geometries: np.ndarray
    tree: shapely.STRtree
    bounds: np.ndarray  # (n, 4) minx, miny, maxx, maxy
    nbytes: int
    _columns: dict[str, np.ndarray] = field(default_factory=dict)

    def query(self, bbox: BBox) -> np.ndarray:
        """Return sorted row positions whose bounding box meets ``bbox``."""
        return np.sort(self.tree.query(shapely.box(*bbox)))

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
    nbytes: int = 0

    def geometries(self, rows: np.ndarray) -> np.ndarray:
        """Parse the geometries of ``rows`` only."""
        column = pq.read_table(self.path, columns=["geometry"]).column("geometry")
        wkb = column.take(pa.array(rows, type=pa.int64())).to_pylist()
        return np.asarray(shapely.from_wkb(wkb))


def _estimate_bytes(frame: pd.DataFrame, geoms: np.ndarray) -> int:
    """Approximate memory of a decoded partition: coordinates, GEOS objects, attributes."""
    coords = int(shapely.get_num_coordinates(geoms).sum()) if len(geoms) else 0
    attrs = frame.drop(columns="geometry", errors="ignore").memory_usage(deep=True).sum()
    return coords * 16 + len(geoms) * 160 + int(attrs)  # 160: GEOS object + tree entry


def _decode(path: Path, columns: Columns) -> CachedPartition:
    frame = read_partition(path, columns=list(columns) if columns is not None else None)
    if columns is not None:  # analysis reads: text as numpy objects (fast row selection)
        for name in frame.columns:
            if name != "geometry" and not pd.api.types.is_numeric_dtype(frame[name]):
                frame[name] = frame[name].astype(object)
    geoms = frame.geometry.to_numpy()
    return CachedPartition(frame, geoms, shapely.STRtree(geoms), shapely.bounds(geoms),
                           _estimate_bytes(frame, geoms))


def _read_light(path: Path) -> LightPartition:
    names = pq.read_schema(path).names
    cols = ["bbox"] + (["DLBM"] if "DLBM" in names else [])
    table = pq.read_table(path, columns=cols)
    box = table.column("bbox").combine_chunks()
    bounds = np.column_stack([np.asarray(box.field(k)) for k in
                              ("xmin", "ymin", "xmax", "ymax")]).astype(float)
    codes = (np.asarray(table.column("DLBM").to_pylist(), dtype=object)
             if "DLBM" in cols else None)
    nbytes = bounds.nbytes + (len(codes) * 60 if codes is not None else 0)
    return LightPartition(path, bounds, codes, nbytes)


class PartitionCache:
    """An LRU of decoded partitions bounded in bytes, shared by one process; thread-safe.

    Entries are keyed by (file, checksum, columns): a partition rewritten by an import
    has a new file and checksum, so it is read afresh and the old entry ages out
    (:meth:`retain` drops entries of files the catalog no longer lists).

    :meth:`near` answers a bbox query: from the decoded partition when cached,
    otherwise from a bbox-filtered read (row groups whose bbox statistics miss are
    skipped). With ``background=True`` (servers) the whole partition is then loaded on
    a worker thread once the query is answered (:meth:`flush`); otherwise it is loaded
    after ``load_after`` bbox reads, so one command-line review never decodes counties,
    and only while the cache has room (a load that evicts would make every caller wait
    for a whole decode in turn).
    """

    def __init__(self, root: Path, max_bytes: int = DEFAULT_CACHE_BYTES, *,
                 max_entries: int | None = None, background: bool = False,
                 load_after: int = 3) -> None:
        self.root = root
        self.max_bytes = max_bytes
        self.max_entries = max_entries
        self.background = background
        self.load_after = load_after
        self._items: OrderedDict[tuple[str, str, Columns], CachedPartition] = OrderedDict()
        self._light: OrderedDict[tuple[str, str], LightPartition | OverviewPartition] = (
            OrderedDict())  # light entries and decoded overviews, evicted first
        self._bytes = 0
        self._file_total = 0  # bytes on disk and decoded of every partition decoded so far,
        self._decoded_total = 0  # for the expected size of the next one
        self._misses: dict[tuple[str, str, Columns], int] = {}
        self._queued: dict[tuple[str, str, Columns], Columns] = {}
        self._pending: dict[tuple[str, str, Columns], Future[CachedPartition]] = {}
        self._pool: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()

    # -- bookkeeping ----------------------------------------------------------------------
    @property
    def nbytes(self) -> int:
        """Bytes held (estimated), decoded partitions and light entries together."""
        return self._bytes

    @property
    def full(self) -> bool:
        """True once the cache holds as much as it may (loading more would evict)."""
        with self._lock:
            return self._bytes >= self.max_bytes or (
                self.max_entries is not None and len(self._items) >= self.max_entries)

    def _evict(self) -> None:  # caller holds the lock
        def over() -> bool:
            return self._bytes > self.max_bytes or (
                self.max_entries is not None and len(self._items) > self.max_entries)

        while over() and len(self._light):
            _, old = self._light.popitem(last=False)
            self._bytes -= old.nbytes
        while over() and len(self._items) > 1:
            _, item = self._items.popitem(last=False)
            self._bytes -= item.nbytes

    def retain(self, live: Iterable[tuple[str, str]]) -> None:
        """Drop entries whose (path, checksum) is not in ``live`` (the catalog's partitions)."""
        keep = set(live)
        with self._lock:
            for key in [k for k in self._items if (k[0], k[1]) not in keep]:
                self._bytes -= self._items.pop(key).nbytes
            for pair in [k for k in self._light if k not in keep]:
                self._bytes -= self._light.pop(pair).nbytes

    # -- reads ----------------------------------------------------------------------------
    def peek(self, part: PartitionInfo, columns: Columns = None) -> CachedPartition | None:
        """Return the cached decoded partition or None (no read)."""
        key = (part.path, part.checksum, columns)
        with self._lock:
            hit = self._items.get(key)
            if hit is not None:
                self._items.move_to_end(key)
            return hit

    def get(self, part: PartitionInfo, columns: Columns = None) -> CachedPartition:
        """Return the decoded partition (only ``columns`` if given), reading it on a miss."""
        hit = self.peek(part, columns)
        if hit is not None:
            return hit
        item = _decode(self.root / part.path, columns)
        key = (part.path, part.checksum, columns)
        try:
            file_bytes = (self.root / part.path).stat().st_size
        except OSError:
            file_bytes = 0
        with self._lock:
            if file_bytes:
                self._file_total += file_bytes
                self._decoded_total += item.nbytes
            old = self._items.pop(key, None)
            if old is not None:
                self._bytes -= old.nbytes
            self._items[key] = item
            self._bytes += item.nbytes
            self._pending.pop(key, None)
            self._evict()
        return item

    def _decoded_size(self, part: PartitionInfo) -> float:
        """Return the expected bytes of ``part`` decoded (file size × the ratio seen so far)."""
        try:
            size = (self.root / part.path).stat().st_size
        except OSError:
            return 0.0
        ratio = self._decoded_total / self._file_total if self._file_total else 3.0
        return size * max(ratio, 1.0)

    def light(self, part: PartitionInfo) -> LightPartition:
        """Return the partition's bounding boxes and classes (cached, ~40 bytes a row)."""
        return self._small((part.path, part.checksum), LightPartition,
                           lambda: _read_light(self.root / part.path))

    def overview(self, part: PartitionInfo) -> OverviewPartition:
        """Return the partition's decoded overview (cached; keyed by its file and checksum).

        The caller checks that the overview is current (:func:`current_overview`).
        """
        assert part.overview is not None
        path = part.overview.path
        return self._small((path, part.overview.checksum), OverviewPartition,
                           lambda: _read_overview(self.root / path))

    def _small(self, key: tuple[str, str], cls: type[_S], read: Callable[[], _S]) -> _S:
        """Return the small entry (light or overview) under ``key``, reading it on a miss."""
        with self._lock:
            hit = self._light.get(key)
            if isinstance(hit, cls):
                self._light.move_to_end(key)
                return hit
        item = read()
        with self._lock:
            if key not in self._light:
                self._light[key] = item
                self._bytes += item.nbytes
                self._evict()
        return item

    def near(self, part: PartitionInfo, bbox: BBox, columns: Columns) -> gpd.GeoDataFrame:
        """Return the rows of ``part`` whose envelope meets ``bbox`` (see the class notes)."""
        key = (part.path, part.checksum, columns)
        item = self.peek(part, columns)
        if item is None:
            with self._lock:
                self._misses[key] = self._misses.get(key, 0) + 1
                # a synchronous load that would evict another partition costs the caller a
                # whole decode (≈1 s for a large county) and thrashes: read the bbox instead
                load_now = (not self.background and self._misses[key] >= self.load_after
                            and self._bytes + self._decoded_size(part) <= self.max_bytes)
                if self.background and key not in self._pending:
                    self._queued[key] = columns
            if load_now:
                item = self.get(part, columns)
        if item is None:
            cols = list(columns) if columns is not None else None
            return read_partition(self.root / part.path, bbox=bbox,
                                  columns=cols).reset_index(drop=True)
        return item.frame.iloc[np.sort(item.tree.query(shapely.box(*bbox)))]

    # -- background loading -----------------------------------------------------------------
    def flush(self) -> None:
        """Start loading queued partitions on the worker thread (after a query is answered)."""
        with self._lock:
            queued, self._queued = self._queued, {}
            for key, columns in queued.items():
                if key in self._items or key in self._pending:
                    continue
                if self._pool is None:
                    self._pool = ThreadPoolExecutor(1, thread_name_prefix="partition-cache")
                part = PartitionInfo(county="", path=key[0], rows=0, area_m2=0.0,
                                     bbox=(0.0, 0.0, 0.0, 0.0), checksum=key[1])
                self._pending[key] = self._pool.submit(self.get, part, columns)

    def wait(self) -> None:
        """Block until every background load has finished (benchmarks, tests)."""
        self.flush()
        with self._lock:
            pending = list(self._pending.values())
        for fut in pending:
            fut.exception()

    def clear(self) -> None:
        """Forget every cached partition (cold start)."""
        self.wait()
        with self._lock:
            self._items.clear()
            self._light.clear()
            self._misses.clear()
            self._bytes = 0


# -- the reader -------------------------------------------------------------------------
@dataclass
class NearRead:
    """Features of one layer near a bbox, and which partitions answered."""

    entry: LayerEntry
    frame: gpd.GeoDataFrame
    counties: list[str]
    checksum: str  # sha256 over county:checksum of the partitions read


class WorkspaceReader:
    """The read path of one process: catalog snapshot and partition cache of a workspace."""

    def __init__(self, workspace: Workspace, cache: PartitionCache | None = None, *,
                 public_decimals: int = 3) -> None:
        self.ws = workspace
        self.catalog = CatalogSnapshot(workspace)
        self.cache = cache if cache is not None else PartitionCache(workspace.root)
        self.public_decimals = public_decimals
        self._seen: tuple[object, ...] | None = None

    def entries(self) -> dict[tuple[str, int], LayerEntry]:
        """Return the catalog's layer entries; on a catalog change drop stale cache entries."""
        entries = self.catalog.entries()
        key = self.catalog._key
        if key != self._seen:
            self._seen = key
            live = [(p.path, p.checksum) for e in entries.values() for p in e.partitions]
            live += [(p.overview.path, p.overview.checksum) for e in entries.values()
                     for p in e.partitions if p.overview is not None]
            self.cache.retain(live)
        return entries

    def scoped(self, actor: Actor) -> ScopedReader:
        """Return the workspace as ``actor`` may read it."""
        return ScopedReader(self, actor)

    def site_counties(self, geoms: np.ndarray, min_area_m2: float = 0.0) -> dict[str, float]:
        """Return county code → area (m²) of ``geoms`` inside it, whoever may read the data.

        A policy query: it decides whose data a site concerns (the caller must be allowed
        in every county returned) and discloses only codes and areas. Uses the
        ``admin_county`` boundaries, or the DLTB partitions when the workspace has none.
        """
        from onemap.geometry.area import ellipsoidal_area

        boundary = self.catalog.latest("admin_county") or self.catalog.latest("dltb")
        if boundary is None:
            return {}
        site = shapely.union_all(geoms)
        box = tuple(float(v) for v in shapely.bounds(site))
        out: dict[str, float] = {}
        for part in boundary.partitions:
            if not bboxes_meet(part.bbox, box):  # type: ignore[arg-type]
                continue
            rows = self.cache.near(part, box, (COUNTY_COLUMN,))  # type: ignore[arg-type]
            if not len(rows):
                continue
            inside = shapely.intersection(site, shapely.union_all(rows.geometry.to_numpy()))
            area = float(ellipsoidal_area(np.array([inside]))[0]) if not inside.is_empty else 0.0
            if area > min_area_m2:
                out[part.county] = out.get(part.county, 0.0) + area
        return dict(sorted(out.items()))


class ScopedReader:
    """The workspace as one actor may read it (the view every interactive query uses)."""

    def __init__(self, reader: WorkspaceReader, actor: Actor) -> None:
        self.reader = reader
        self.cache = reader.cache
        self.actor = actor
        self.public_decimals = reader.public_decimals

    @property
    def desensitised(self) -> bool:
        """True when this actor gets the public version (sensitive fields dropped, 脱敏)."""
        return self.actor.is_public

    @property
    def scope_key(self) -> str:
        """A key that is equal for actors who see exactly the same data (for caches)."""
        a = self.actor
        return f"{a.role.value}:{','.join(sorted(a.regions))}"

    def _readable(self, entry: LayerEntry, county: str) -> bool:
        info = entry.info
        return allows(self.actor, Action.READ, county, classification=info.classification,
                      published=info.published)

    def visible(self, entry: LayerEntry) -> LayerEntry | None:
        """Return ``entry`` cut to the actor's partitions, or None if the actor sees none."""
        if not layer_visible(self.actor, entry.info.classification, entry.info.published):
            return None
        parts = [p for p in entry.partitions if self._readable(entry, p.county)]
        if parts or self._readable(entry, self.reader.ws.root_region):
            return LayerEntry(entry.info, parts)
        return None

    def layers(self) -> list[LayerEntry]:
        """Layer vintages this actor may see that hold data in the actor's scope."""
        return [v for e in self.reader.entries().values() if (v := self.visible(e)) is not None]

    def layer(self, kind: str, vintage: int | None = None) -> LayerEntry:
        """Return one visible layer vintage (latest if ``vintage`` is None) or NotFound."""
        found = [v for (k, year), e in self.reader.entries().items()
                 if k == kind and (vintage is None or year == vintage)
                 and (v := self.visible(e)) is not None]
        if not found:
            label = kind if vintage is None else collection_id(kind, vintage)
            held = [e for (k, year), e in self.reader.entries().items()
                    if k == kind and (vintage is None or year == vintage)]
            if held and self.actor.is_public:
                # a protected layer: the policy refuses a public user with LoginRequired
                # (HTTP 401 + WWW-Authenticate), so QGIS and GDAL ask for a password;
                # logged-in users keep the 404 that does not disclose the layer
                info = held[-1].info
                policy_authorize(self.actor, Action.READ, None, what=f"layer {label}",
                                 classification=info.classification, published=info.published)
            raise NotFound(f"no layer {label} visible to {self.actor.username}",
                           user_message=f"图层不存在或无权访问 (no such layer: {label})")
        return max(found, key=lambda e: e.info.vintage)

    def latest(self, kind: str) -> tuple[LayerEntry | None, bool]:
        """Return the newest vintage of ``kind`` cut to the actor's scope, and whether it exists.

        ``(None, True)`` means the layer is held but withheld from this actor (e.g. 涉密).
        """
        entry = self.reader.catalog.latest(kind)
        if entry is None:
            return None, False
        return self.visible(entry), True

    def by_collection(self, cid: str) -> LayerEntry:
        """Return the visible layer vintage named by a collection id."""
        kind, vintage = parse_collection_id(cid)
        try:
            get_kind(kind)
        except Exception:
            raise NotFound(f"no collection {cid}",
                           user_message=f"集合不存在 (no such collection: {cid})") from None
        return self.layer(kind, vintage)

    def partitions(self, entry: LayerEntry, bbox: BBox | None = None) -> list[PartitionInfo]:
        """Partitions of ``entry`` in scope whose bbox meets ``bbox``."""
        if bbox is None:
            return list(entry.partitions)
        return [p for p in entry.partitions if bboxes_meet(p.bbox, bbox)]

    def chunks(self, entry: LayerEntry, bbox: BBox | None = None
               ) -> Iterator[tuple[PartitionInfo, CachedPartition, np.ndarray | None]]:
        """Yield (partition, cached frame, row positions meeting bbox or None for all)."""
        for part in self.partitions(entry, bbox):
            pf = self.cache.get(part)
            yield part, pf, (pf.query(bbox) if bbox is not None else None)

    def overviews(self, entry: LayerEntry, bbox: BBox, band: str
                  ) -> list[tuple[PartitionInfo, OverviewBandFrame]] | None:
        """Overview band ``band`` of every in-scope partition meeting ``bbox``, or None.

        None unless every such partition has an overview made from its present file
        (:func:`~onemap.store.overviews.current_overview`): callers then read the
        partitions. Geometries are as stored; public callers apply :meth:`finish_geometries`.
        """
        parts = self.partitions(entry, bbox)
        if not all(current_overview(p) for p in parts):
            return None
        return [(p, self.cache.overview(p).bands[band]) for p in parts]

    def near(self, entry: LayerEntry, bbox: BBox, columns: Columns = None) -> NearRead:
        """Features of ``entry`` whose envelope meets ``bbox`` (analysis reads; not public)."""
        frames: list[gpd.GeoDataFrame] = []
        used: list[tuple[str, str]] = []
        for part in self.partitions(entry, bbox):
            used.append((part.county, part.checksum))
            rows = self.cache.near(part, bbox, columns)
            if len(rows):
                frames.append(rows)
        digest = hashlib.sha256("|".join(f"{c}:{s}" for c, s in used).encode()).hexdigest()
        if not frames:
            frame = _empty(entry.info.kind)
        elif len(frames) == 1:
            frame = frames[0]
        else:
            frame = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), geometry="geometry",
                                     crs=GEOGRAPHIC_CRS)
        return NearRead(entry, self.finish(frame, entry.info.kind), [c for c, _ in used], digest)

    def finish(self, gdf: gpd.GeoDataFrame, kind: str) -> gpd.GeoDataFrame:
        """Apply the public version (desensitised) when the actor is a public user."""
        if self.desensitised:
            return desensitise(gdf, kind, self.public_decimals)
        return gdf

    def finish_geometries(self, geoms: np.ndarray) -> np.ndarray:
        """Coarsen coordinates for public users (as :meth:`finish` does), else unchanged."""
        if not self.desensitised:
            return geoms
        return public_geometries(geoms, self.public_decimals)

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


@lru_cache(maxsize=64)
def _empty(kind: str) -> gpd.GeoDataFrame:
    columns = [*get_kind(kind).field_names, COUNTY_COLUMN]
    return gpd.GeoDataFrame({c: pd.Series(dtype="object") for c in columns},
                            geometry=gpd.GeoSeries([], crs=GEOGRAPHIC_CRS))
