"""Select one page of features from scoped partitions without counting whole tables."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from onemap.geometry.bbox import BBox
from onemap.geometry.uniform import as_multipolygons
from onemap.store.kinds import get_kind
from onemap.store.partitions import GEOGRAPHIC_CRS
from onemap.store.reader import LayerEntry, ScopedReader

if TYPE_CHECKING:
    from onemap.store.models import PartitionInfo

RowFilter = Callable[[gpd.GeoDataFrame], np.ndarray]


@dataclass
class Page:
    """One page of features: rows, their ids, whether more follow, how many match in all."""

    frame: gpd.GeoDataFrame
    ids: list[str]
    more: bool
    matched: int


_COUNTS: OrderedDict[tuple[object, ...], int] = OrderedDict()
_COUNTS_LOCK = threading.Lock()
_COUNTS_MAX = 2048


def select_page(data: ScopedReader, entry: LayerEntry, *, bbox: BBox | None,
                row_filter: RowFilter | None, offset: int, limit: int,
                count_key: str | None = None) -> Page:
    """Return rows ``offset … offset+limit`` of the in-scope, filtered layer.

    Rows are ordered by county, then by their (spatially sorted) position in the
    partition. Unfiltered pages skip whole partitions by the catalog's row counts,
    so a deep page never reads the partitions before it. Filtered pages (bbox or
    ``row_filter``) also report ``numberMatched``: the partitions after the page are
    counted once per filter (``count_key`` names the filter, e.g. the query string)
    and the count is kept per partition checksums and scope, so paging through a
    filtered query counts it once.
    """
    plain = bbox is None and row_filter is None
    parts = data.partitions(entry, bbox)
    key = (count_key, data.scope_key, bbox, tuple((p.county, p.checksum) for p in parts))
    known = sum(p.rows for p in parts) if plain else _cached_count(key, count_key)
    skipped = 0
    frames: list[gpd.GeoDataFrame] = []
    ids: list[str] = []
    want = limit + 1  # one more to know whether a next page exists
    box = shapely.box(*bbox) if bbox is not None else None
    matched = 0
    for part in parts:
        if plain and skipped + part.rows <= offset:
            skipped += part.rows
            continue
        rows = _matching_rows(data, part, bbox, box, row_filter)
        matched += len(rows)
        if len(ids) >= want:  # page full: only counting now
            continue
        if skipped + len(rows) <= offset:
            skipped += len(rows)
            continue
        rows = rows[max(0, offset - skipped):]
        skipped = offset
        rows = rows[: want - len(ids)]
        frames.append(data.cache.get(part).frame.iloc[rows])
        ids.extend(f"{part.county}-{i}" for i in rows)
        if len(ids) >= want and (plain or known is not None):
            break
    if known is None:
        known = matched
        _remember_count(key, known)
    more = len(ids) > limit
    if frames:
        frame = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), geometry="geometry",
                                 crs=GEOGRAPHIC_CRS).iloc[:limit]
    else:
        frame = gpd.GeoDataFrame(geometry=gpd.GeoSeries([], crs=GEOGRAPHIC_CRS))
    return Page(_uniform(data.finish(frame, entry.info.kind), entry.info.kind), ids[:limit],
                more, known)


def _matching_rows(data: ScopedReader, part: PartitionInfo, bbox: BBox | None,
                   box: shapely.Geometry | None, row_filter: RowFilter | None) -> np.ndarray:
    pf = data.cache.get(part)
    rows = pf.query(bbox) if bbox is not None else np.arange(len(pf.frame))
    if box is not None and len(rows):
        rows = rows[shapely.intersects(pf.frame.geometry.to_numpy()[rows], box)]
    if row_filter is not None and len(rows):
        rows = rows[row_filter(pf.frame.iloc[rows])]
    return np.asarray(rows)


def _cached_count(key: tuple[object, ...], count_key: str | None) -> int | None:
    if count_key is None:
        return None
    with _COUNTS_LOCK:
        hit = _COUNTS.get(key)
        if hit is not None:
            _COUNTS.move_to_end(key)
        return hit


def _remember_count(key: tuple[object, ...], count: int) -> None:
    if key[0] is None:
        return
    with _COUNTS_LOCK:
        _COUNTS[key] = count
        while len(_COUNTS) > _COUNTS_MAX:
            _COUNTS.popitem(last=False)


def select_feature(data: ScopedReader, entry: LayerEntry, feature_id: str) -> gpd.GeoDataFrame:
    """Return the one-row frame of ``county-position`` (empty if out of scope or unknown)."""
    county, _, pos = feature_id.partition("-")
    part = next((p for p in entry.partitions if p.county == county), None)
    if part is None or not pos.isdigit() or int(pos) >= part.rows:
        return gpd.GeoDataFrame(geometry=gpd.GeoSeries([], crs=GEOGRAPHIC_CRS))
    pf = data.cache.get(part)
    return _uniform(data.finish(pf.frame.iloc[[int(pos)]], entry.info.kind), entry.info.kind)


def _uniform(frame: gpd.GeoDataFrame, kind: str) -> gpd.GeoDataFrame:
    """One geometry type per collection: polygon kinds as MultiPolygons (GDAL, GeoPackage)."""
    if get_kind(kind).geometry != "polygon" or not len(frame):
        return frame
    geoms, _dropped = as_multipolygons(frame.geometry.to_numpy())
    return frame.set_geometry(gpd.GeoSeries(geoms, index=frame.index, crs=frame.crs))
