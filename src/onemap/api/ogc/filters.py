"""OGC API Features filtering: queryables of a collection and the row filter of a request.

``queryable_fields`` lists what a caller may filter on (sensitive fields are hidden from
public users); ``row_filter`` turns property parameters (``?DLBM=0101``) and a CQL2-Text
``filter`` into a function from a partition's rows to a boolean mask. Routers only pass
the parsed query parameters in.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from onemap.api.ogc import crs as ogc_crs
from onemap.api.ogc.cql import FilterEvaluator, attributes, parse_filter
from onemap.errors import InvalidInput
from onemap.store.kinds import COUNTY_COLUMN, get_kind
from onemap.store.policy import sensitive_fields

RowFilter = Callable[[pd.DataFrame], np.ndarray]
RESERVED = frozenset({"f", "bbox", "bbox-crs", "crs", "limit", "offset", "filter",
                      "filter-lang", "filter-crs", "datetime", "properties", "skipGeometry"})
"""Query parameters of the standard; any other parameter names a property."""

_JSON_TYPES = {"str": "string", "int": "integer", "float": "number"}


def queryable_fields(kind: str, public: bool) -> list[dict[str, str]]:
    """Return the fields of ``kind`` a caller may see and filter on (name, title, type)."""
    hidden = set(sensitive_fields(kind)) if public else set()
    out = [{"name": f.name, "title": f.title_zh, "type": f.type} for f in get_kind(kind).fields
           if f.name not in hidden]
    return [*out, {"name": COUNTY_COLUMN, "title": "县级行政区划代码", "type": "str"}]


def queryables_schema(kind: str, public: bool, schema_id: str, title: str) -> dict[str, Any]:
    """Return the ``/queryables`` JSON Schema of a collection (OGC API Features Part 3)."""
    props: dict[str, Any] = {f["name"]: _json_type(f) for f in queryable_fields(kind, public)}
    geometry = "Point" if get_kind(kind).geometry == "point" else "MultiPolygon"
    props["geometry"] = {"format": f"geometry-{geometry.lower()}",
                         "$ref": f"https://geojson.org/schema/{geometry}.json"}
    return {"$schema": "https://json-schema.org/draft/2019-09/schema", "$id": schema_id,
            "type": "object", "title": title, "properties": props}


def _json_type(field: dict[str, str]) -> dict[str, Any]:
    """JSON Schema of one field: integer, number, string, or a date string (…日期 fields)."""
    out: dict[str, Any] = {"title": field["title"], "type": _JSON_TYPES[field["type"]]}
    if field["type"] == "str" and field["title"].endswith("日期"):
        out["format"] = "date"
    return out


def row_filter(kind: str, public: bool, params: Mapping[str, str], cql: str | None,
               lang: str | None, filter_crs: int | None) -> RowFilter | None:
    """Return the row filter of a request, or None when nothing filters rows.

    ``params`` are the request's query parameters; those not in :data:`RESERVED` must
    name a queryable property and match it exactly (numbers compared as numbers).
    """
    known = {f["name"]: f["type"] for f in queryable_fields(kind, public)}
    props = {k: v for k, v in params.items() if k not in RESERVED}
    for key in props:
        if key not in known:
            raise InvalidInput(f"unknown query parameter or property {key!r}",
                               user_message=f"未知的参数或属性 (unknown parameter): {key}")
    node = None
    if cql:
        if lang not in (None, "cql2-text", "cql-text"):  # cql-text: the draft name (GDAL)
            raise InvalidInput("only filter-lang=cql2-text is supported")
        node = parse_filter(cql)
        bad = attributes(node) - set(known) - {"geometry"}
        if bad:
            raise InvalidInput(f"unknown properties in filter: {sorted(bad)}",
                               user_message=f"过滤条件中的属性不存在: {', '.join(sorted(bad))}")
    if not props and node is None:
        return None

    def keep(frame: pd.DataFrame) -> np.ndarray:
        mask = np.ones(len(frame), dtype=bool)
        for key, value in props.items():
            col = frame[key]
            if known[key] in ("int", "float"):
                try:
                    mask &= (pd.to_numeric(col, errors="coerce") == float(value)).to_numpy()
                except ValueError:
                    raise InvalidInput(f"{key} needs a number, got {value!r}") from None
            else:
                mask &= (col.astype("string") == value).fillna(False).to_numpy(dtype=bool)
        if node is not None:
            mask &= FilterEvaluator(frame, _storage_hook(filter_crs)).mask(node)
        return mask

    return keep


def _storage_hook(epsg: int | None) -> Callable[[Any], Any]:
    def hook(geom: Any) -> Any:
        return ogc_crs.to_storage(np.array([geom]), epsg)[0]

    return hook
