"""Layer data for interactive reviews: partitions by bbox, cached per-partition STRtrees.

A cold query reads each county partition the site's bbox touches once; warm
queries reuse the decoded frame and its spatial index, so they cost one catalog
query plus the geometry work.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from onemap.review.models import LayerVintage
from onemap.store.kinds import get_kind
from onemap.store.partitions import GEOGRAPHIC_CRS, read_partition
from onemap.store.schema import LayerRow
from onemap.store.workspace import Workspace

BBox = tuple[float, float, float, float]
# Columns the review reads from the large layers (others keep every column).
REVIEW_COLUMNS: dict[str, list[str]] = {
    "dltb": ["DLBM", "KCDLBM", "KCXS", "GDDB", "ZLDWDM", "county"],
    "pbf": ["XZQDM", "county"],
}


@dataclass
class _Indexed:
    """One partition decoded, with its geometry array and STRtree."""

    frame: gpd.GeoDataFrame
    geoms: np.ndarray
    tree: shapely.STRtree


@dataclass
class _LayerState:
    kind: str
    vintage: int
    revision: int
    classification: str = "internal"
    parts: list[tuple[str, str, BBox, str]] = field(default_factory=list)  # county, path, bbox, sum


class PartitionCache:
    """A bounded LRU cache of decoded partitions keyed by (file, checksum); thread-safe.

    A miss is answered from a bbox-filtered read of the partition (row groups whose
    bbox statistics miss the query are skipped). With ``background=True`` (servers)
    the whole partition is then loaded and indexed on a worker thread, so the next
    queries are warm; otherwise it is loaded once it has been read ``load_after``
    times (batches), so a single command-line review never decodes whole counties.
    """

    def __init__(self, max_partitions: int = 256, *, background: bool = False,
                 load_after: int = 3) -> None:
        self.max_partitions = max_partitions
        self.background = background
        self.load_after = load_after
        self._misses: dict[tuple[str, str], int] = {}
        self._items: OrderedDict[tuple[str, str], _Indexed] = OrderedDict()
        self._lock = threading.Lock()
        self._pending: dict[tuple[str, str], Future[_Indexed]] = {}
        self._queued: dict[tuple[str, str], tuple[Path, str, list[str] | None]] = {}
        self._pool: ThreadPoolExecutor | None = None

    def peek(self, path: Path, checksum: str) -> _Indexed | None:
        """Return the cached partition or None (no read)."""
        key = (str(path), checksum)
        with self._lock:
            hit = self._items.get(key)
            if hit is not None:
                self._items.move_to_end(key)
            return hit

    def note_miss(self, path: Path, checksum: str) -> bool:
        """Count a bbox read of a partition; True once it should be loaded whole."""
        key = (str(path), checksum)
        with self._lock:
            self._misses[key] = self._misses.get(key, 0) + 1
            return self._misses[key] >= self.load_after

    def prefetch(self, path: Path, checksum: str, columns: list[str] | None = None) -> None:
        """Queue a partition for loading on the worker thread (see :meth:`flush`)."""
        key = (str(path), checksum)
        with self._lock:
            if key not in self._items and key not in self._pending:
                self._queued[key] = (path, checksum, columns)

    def flush(self) -> None:
        """Start loading the queued partitions on the worker thread.

        Called once the current query is answered, so the worker does not compete
        with it for the cores.
        """
        with self._lock:
            queued, self._queued = self._queued, {}
            for key, (path, checksum, columns) in queued.items():
                if key in self._items or key in self._pending:
                    continue
                if self._pool is None:
                    self._pool = ThreadPoolExecutor(1, thread_name_prefix="review-cache")
                self._pending[key] = self._pool.submit(self.get, path, checksum, columns)

    def wait(self) -> None:
        """Block until every background load has finished (benchmarks, tests)."""
        self.flush()
        with self._lock:
            pending = list(self._pending.values())
        for fut in pending:
            fut.exception()

    def get(self, path: Path, checksum: str, columns: list[str] | None = None) -> _Indexed:
        """Return the decoded partition at ``path``, reading and indexing it on a miss.

        Text columns are held as numpy object arrays (row selection on Arrow-backed
        strings costs a compute call per column and query).
        """
        key = (str(path), checksum)
        with self._lock:
            hit = self._items.get(key)
            if hit is not None:
                self._items.move_to_end(key)
                return hit
        frame = read_partition(path, columns=columns)
        for name in frame.columns:
            if name != "geometry" and not pd.api.types.is_numeric_dtype(frame[name]):
                frame[name] = frame[name].astype(object)
        geoms = frame.geometry.to_numpy()
        item = _Indexed(frame=frame, geoms=geoms, tree=shapely.STRtree(geoms))
        with self._lock:
            self._items[key] = item
            self._pending.pop(key, None)
            while len(self._items) > self.max_partitions:
                self._items.popitem(last=False)
        return item

    def clear(self) -> None:
        """Forget every cached partition (cold start)."""
        self.wait()
        with self._lock:
            self._items.clear()
            self._misses.clear()


def _hits(a: BBox, b: BBox) -> bool:
    return not (a[2] < b[0] or a[0] > b[2] or a[3] < b[1] or a[1] > b[3])


def latest_layers(ws: Workspace, kinds: list[str]) -> dict[str, _LayerState]:
    """Return the newest vintage of each of ``kinds`` held, with its partitions (one query)."""
    out: dict[str, _LayerState] = {}
    with ws.session() as s:
        rows = s.scalars(select(LayerRow).where(LayerRow.kind.in_(kinds))
                         .options(selectinload(LayerRow.partitions))
                         .order_by(LayerRow.kind, LayerRow.vintage)).all()
        for row in rows:  # ordered by vintage: the last one per kind wins
            out[row.kind] = _LayerState(row.kind, row.vintage, row.revision,
                                        row.classification, [
                (p.county, p.path, (p.minx, p.miny, p.maxx, p.maxy), p.checksum)
                for p in sorted(row.partitions, key=lambda p: p.county)])
    return out


def read_near(ws: Workspace, cache: PartitionCache, state: _LayerState,
              bbox: BBox) -> tuple[gpd.GeoDataFrame, LayerVintage]:
    """Return the features of a layer whose envelope meets ``bbox``, and the vintage read."""
    frames: list[gpd.GeoDataFrame] = []
    used: list[tuple[str, str]] = []
    box = shapely.box(*bbox)
    for county, rel, pbox, checksum in state.parts:
        if not _hits(pbox, bbox):
            continue
        path, columns = ws.root / rel, REVIEW_COLUMNS.get(state.kind)
        used.append((county, checksum))
        item = cache.peek(path, checksum)
        if item is None and cache.background:
            cache.prefetch(path, checksum, columns)
        elif item is None and cache.note_miss(path, checksum):
            item = cache.get(path, checksum, columns)
        if item is None:
            near = read_partition(path, bbox=bbox, columns=columns)
            if len(near):
                frames.append(near.reset_index(drop=True))
            continue
        idx = item.tree.query(box)
        if len(idx):
            frames.append(item.frame.iloc[np.sort(idx)])
    digest = hashlib.sha256("|".join(f"{c}:{s}" for c, s in used).encode()).hexdigest()
    spec = get_kind(state.kind)
    vintage = LayerVintage(kind=state.kind, title_zh=spec.title_zh, vintage=state.vintage,
                           revision=state.revision, counties=[c for c, _ in used],
                           checksum=digest)
    if not frames:
        return _empty(state.kind), vintage
    if len(frames) == 1:
        return frames[0], vintage  # already a GeoDataFrame in EPSG:4490
    frame = pd.concat(frames, ignore_index=True)
    return gpd.GeoDataFrame(frame, geometry="geometry", crs=GEOGRAPHIC_CRS), vintage


@lru_cache(maxsize=64)
def _empty(kind: str) -> gpd.GeoDataFrame:
    columns = [*get_kind(kind).field_names, "county"]
    return gpd.GeoDataFrame({c: pd.Series(dtype="object") for c in columns},
                            geometry=gpd.GeoSeries([], crs=GEOGRAPHIC_CRS))
