"""Select one page of features from scoped partitions without counting whole tables."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from onemap.geometry.bbox import BBox
from onemap.store.partitions import GEOGRAPHIC_CRS
from onemap.store.reader import LayerEntry, ScopedReader

RowFilter = Callable[[gpd.GeoDataFrame], np.ndarray]


@dataclass
class Page:
    """One page of features: rows, their ids, and whether more follow."""

    frame: gpd.GeoDataFrame
    ids: list[str]
    more: bool
    matched: int | None  # known without counting only when nothing filters rows


def select_page(data: ScopedReader, entry: LayerEntry, *, bbox: BBox | None,
                row_filter: RowFilter | None, offset: int, limit: int) -> Page:
    """Return rows ``offset … offset+limit`` of the in-scope, filtered layer.

    Rows are ordered by county, then by their (spatially sorted) position in the
    partition. Unfiltered pages skip whole partitions by the catalog's row counts,
    so a deep page never reads the partitions before it.
    """
    plain = bbox is None and row_filter is None
    parts = data.partitions(entry, bbox)
    matched = sum(p.rows for p in parts) if plain else None
    skipped = 0
    frames: list[gpd.GeoDataFrame] = []
    ids: list[str] = []
    want = limit + 1  # one more to know whether a next page exists
    box = shapely.box(*bbox) if bbox is not None else None
    for part in parts:
        if plain and skipped + part.rows <= offset:
            skipped += part.rows
            continue
        pf = data.cache.get(part)
        rows = pf.query(bbox) if bbox is not None else np.arange(len(pf.frame))
        if box is not None and len(rows):
            rows = rows[shapely.intersects(pf.frame.geometry.to_numpy()[rows], box)]
        if row_filter is not None and len(rows):
            rows = rows[row_filter(pf.frame.iloc[rows])]
        if skipped + len(rows) <= offset:
            skipped += len(rows)
            continue
        rows = rows[max(0, offset - skipped):]
        skipped = offset
        rows = rows[: want - sum(len(f) for f in frames)]
        frames.append(pf.frame.iloc[rows])
        ids.extend(f"{part.county}-{i}" for i in rows)
        if sum(len(f) for f in frames) >= want:
            break
    more = len(ids) > limit
    if frames:
        frame = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), geometry="geometry",
                                 crs=GEOGRAPHIC_CRS).iloc[:limit]
    else:
        frame = gpd.GeoDataFrame(geometry=gpd.GeoSeries([], crs=GEOGRAPHIC_CRS))
    return Page(data.finish(frame, entry.info.kind), ids[:limit], more, matched)


def select_feature(data: ScopedReader, entry: LayerEntry, feature_id: str) -> gpd.GeoDataFrame:
    """Return the one-row frame of ``county-position`` (empty if out of scope or unknown)."""
    county, _, pos = feature_id.partition("-")
    part = next((p for p in entry.partitions if p.county == county), None)
    if part is None or not pos.isdigit() or int(pos) >= part.rows:
        return gpd.GeoDataFrame(geometry=gpd.GeoSeries([], crs=GEOGRAPHIC_CRS))
    pf = data.cache.get(part)
    return data.finish(pf.frame.iloc[[int(pos)]], entry.info.kind)
