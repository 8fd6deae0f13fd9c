"""Serialise a page of features to GeoJSON bytes quickly (geometry text from GEOS)."""

from __future__ import annotations

import json
import math
from typing import Any

import geopandas as gpd
import numpy as np
import shapely

from onemap.api.ogc.crs import from_storage


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is None or isinstance(value, str | int | float | bool):
        return value
    try:
        if value != value:  # noqa: PLR0124 (NaN, NA and NaT are the values unequal to themselves)
            return None
    except (TypeError, ValueError):
        return None
    return str(value)


def feature_texts(frame: gpd.GeoDataFrame, ids: list[str], epsg: int | None) -> list[str]:
    """Return one GeoJSON Feature text per row, geometry transformed to ``epsg``."""
    geoms = from_storage(frame.geometry.to_numpy(), epsg)
    gtext = shapely.to_geojson(geoms)
    cols = [c for c in frame.columns if c != frame.geometry.name]
    records = frame[cols].to_dict("records") if cols else [{} for _ in range(len(frame))]
    out = []
    for fid, geom, rec in zip(ids, gtext, records, strict=True):
        props = json.dumps({k: _plain(v) for k, v in rec.items()}, ensure_ascii=False)
        out.append(f'{{"type":"Feature","id":{json.dumps(fid)},'
                   f'"geometry":{geom if geom is not None else "null"},"properties":{props}}}')
    return out


def feature_collection(features: list[str], extra: dict[str, Any]) -> bytes:
    """Join feature texts into a FeatureCollection with members from ``extra``."""
    head = json.dumps({"type": "FeatureCollection", **extra}, ensure_ascii=False)[:-1]
    return (head + ',"features":[' + ",".join(features) + "]}").encode("utf-8")
