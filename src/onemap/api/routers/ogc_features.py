"""OGC API – Features: Part 1 Core (GeoJSON, HTML), Part 2 CRS, Part 3 CQL2-Text filters."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated, Any, Literal
from urllib.parse import quote, urlencode

import numpy as np
import shapely

from onemap.api.deps import AppContext, scoped_reader
from onemap.api.ogc import crs as ogc_crs
from onemap.api.ogc.filters import queryable_fields, queryables_schema, row_filter
from onemap.api.ogc.geojson import feature_collection, feature_texts
from onemap.api.ogc.html import render, wants_html
from onemap.api.ogc.models import (
    Collection,
    Collections,
    Conformance,
    Extent,
    LandingPage,
    Link,
    SpatialExtent,
)
from onemap.api.ogc.paging import select_feature, select_page
from onemap.api.routers import tiles as tiles_router
from onemap.errors import NotFound
from onemap.geometry.bbox import BBox, parse_bbox
from onemap.store.kinds import get_kind
from onemap.store.reader import LayerEntry, ScopedReader

from fastapi import APIRouter, Depends, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import Response

CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables-query-parameters",
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-text",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions",
]
"""Conformance classes implemented by this router (Tiles adds its own)."""

GEOJSON = "application/geo+json"
Fmt = Annotated[Literal["json", "geojson", "html"] | None,
                Query(description="json, geojson or html")]


Data = Annotated[ScopedReader, Depends(scoped_reader)]
ItemsOf = Annotated[str, PathParam(alias="collectionId", description="collection id")]
"""The items routes name their collection ``{collectionId}`` as OGC API – Features does
(GDAL's OAPIF driver finds the query parameters under that OpenAPI path)."""


def _url(request: Request, path: str, **params: Any) -> str:
    """Return an absolute link: ``path`` quoted, parameters percent-encoded (RFC 3986)."""
    base = str(request.base_url).rstrip("/") + quote(path)
    query = urlencode({k: v for k, v in params.items() if v is not None}, quote_via=quote)
    return f"{base}?{query}" if query else base


def _collection(request: Request, entry: LayerEntry) -> Collection:
    spec = get_kind(entry.info.kind)
    cid = entry.collection_id
    year = f" {entry.info.vintage}年" if entry.info.vintage else ""
    bboxes = [p.bbox for p in entry.partitions]
    extent = None
    if bboxes:
        b = np.array(bboxes)
        extent = Extent(spatial=SpatialExtent(bbox=[[float(b[:, 0].min()), float(b[:, 1].min()),
                                                     float(b[:, 2].max()),
                                                     float(b[:, 3].max())]]))
    links = [
        Link(href=_url(request, f"/collections/{cid}"), rel="self", type="application/json"),
        Link(href=_url(request, f"/collections/{cid}/items"), rel="items", type=GEOJSON,
             title="要素 Items"),
        Link(href=_url(request, f"/collections/{cid}/items", f="html"), rel="items",
             type="text/html"),
        Link(href=_url(request, f"/collections/{cid}/queryables"),
             rel="http://www.opengis.net/def/rel/ogc/1.0/queryables",
             type="application/schema+json"),
        Link(href=_url(request, f"/collections/{cid}/queryables"), rel="queryables",
             type="application/schema+json", title="可查询属性 (GDAL's OAPIF rel)"),
        Link(href=_url(request, f"/collections/{cid}/tiles"),
             rel="http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector",
             type="application/json"),
        Link(href=_url(request, f"/collections/{cid}/styles"),
             rel="http://www.opengis.net/def/rel/ogc/1.0/styles", type="application/json",
             title="样式 Styles (MapLibre, SLD, QML)"),
    ]
    return Collection(id=cid, title=f"{spec.title_zh}{year}",
                      description=f"{spec.title_en} ({spec.category}); {entry.info.classification}",
                      links=links, extent=extent, crs=ogc_crs.supported_crs(),
                      storageCrs=ogc_crs.crs_uri(ogc_crs.STORAGE_EPSG),
                      keywords=[spec.category, spec.name])


def _bbox(text: str | None, bbox_crs: int | None) -> BBox | None:
    if text is None:
        return None
    return ogc_crs.bbox_to_storage(parse_bbox(text, allow_3d=True), bbox_crs)


# PLR0915: a factory: each route is a few statements
def build_router(ctx: AppContext) -> APIRouter:  # noqa: PLR0915
    """Return the OGC API – Features routes."""
    router = APIRouter(tags=["OGC API Features 要素服务"])
    max_limit = ctx.settings.features_max_limit
    default_limit = min(ctx.settings.features_default_limit, max_limit)

    @router.get("/", response_model=LandingPage, response_model_exclude_none=True)
    def landing(request: Request, f: Fmt = None) -> Any:
        """OGC API landing page."""
        links = [
            Link(href=_url(request, "/"), rel="self", type="application/json"),
            Link(href=_url(request, "/api"), rel="service-desc",
                 type="application/vnd.oai.openapi+json;version=3.0", title="OpenAPI"),
            Link(href=_url(request, "/api.html"), rel="service-doc", type="text/html",
                 title="API 文档"),
            Link(href=_url(request, "/conformance"), rel="conformance",
                 type="application/json", title="Conformance"),
            Link(href=_url(request, "/collections"), rel="data", type="application/json",
                 title="数据集 Collections"),
            Link(href=_url(request, "/tileMatrixSets"),
                 rel="http://www.opengis.net/def/rel/ogc/1.0/tiling-schemes",
                 type="application/json", title="瓦片矩阵集 Tile matrix sets"),
            Link(href=_url(request, "/map"), rel="alternate", type="text/html",
                 title="一张图 Web map"),
        ]
        page = LandingPage(title=f"onemap 国土空间一张图 · {ctx.workspace.config.name}",
                           description="自然资源一张图 OGC API (Features, Tiles)", links=links)
        if wants_html(request, f):
            return render(request, "landing.html", title=page.title, page=page)
        return page

    @router.get("/conformance", response_model=Conformance)
    def conformance(request: Request, f: Fmt = None) -> Any:
        """Conformance classes."""
        classes = [*CONFORMANCE, *tiles_router.CONFORMANCE]
        if wants_html(request, f):
            page = LandingPage(title="Conformance", description="",
                               links=[Link(href=c, rel="conformance") for c in classes])
            return render(request, "landing.html", title="Conformance", page=page)
        return Conformance(conformsTo=classes)

    @router.get("/collections", response_model=Collections, response_model_exclude_none=True)
    def collections(request: Request, data: Data, f: Fmt = None) -> Any:
        """Every layer kind × vintage visible to the caller."""
        items = [_collection(request, e) for e in
                 sorted(data.layers(), key=lambda e: e.collection_id)]
        if wants_html(request, f):
            return render(request, "collections.html", title="数据集 Collections",
                          collections=items)
        return Collections(links=[Link(href=_url(request, "/collections"), rel="self",
                                       type="application/json")], collections=items)

    @router.get("/collections/{collection_id}", response_model=Collection,
                response_model_exclude_none=True)
    def collection(collection_id: str, request: Request, data: Data, f: Fmt = None) -> Any:
        """One collection's description."""
        c = _collection(request, data.by_collection(collection_id))
        if wants_html(request, f):
            return render(request, "collection.html", title=c.title, c=c)
        return c

    @router.get("/collections/{collection_id}/queryables",
                responses={200: {"content": {"application/schema+json": {}}}})
    def queryables(collection_id: str, request: Request, data: Data) -> Response:
        """Properties usable in filters, as JSON Schema."""
        entry = data.by_collection(collection_id)
        body = queryables_schema(entry.info.kind, data.desensitised,
                                 _url(request, f"/collections/{collection_id}/queryables"),
                                 collection_id)
        accept = request.headers.get("accept", "")
        media = ("application/json" if "application/json" in accept
                 and "application/schema+json" not in accept else "application/schema+json")
        return Response(json.dumps(body, ensure_ascii=False), media_type=media)

    @router.get("/collections/{collectionId}/items",
                responses={200: {"content": {GEOJSON: {}, "text/html": {}}}})
    def items(
        collection_id: ItemsOf, request: Request, data: Data, f: Fmt = None,
        bbox: Annotated[str | None, Query(max_length=300)] = None,
        bbox_crs: Annotated[str | None, Query(alias="bbox-crs", max_length=200)] = None,
        crs: Annotated[str | None, Query(max_length=200)] = None,
        limit: int = Query(  # a default, not Annotated: the bounds come from the settings
            default_limit, ge=1, le=1_000_000_000, json_schema_extra={"maximum": max_limit},
            description=f"features per page (default {default_limit}); values above the "
                        f"maximum {max_limit} are served as {max_limit}"),
        offset: Annotated[int, Query(ge=0, le=1_000_000_000)] = 0,
        filter_: Annotated[str | None, Query(alias="filter", max_length=4000)] = None,
        filter_lang: Annotated[Literal["cql2-text", "cql-text"],
                               Query(alias="filter-lang",
                                     description="cql2-text (cql-text, the draft's name, "
                                                 "is read as CQL2 text)")] = "cql2-text",
        filter_crs: Annotated[str | None, Query(alias="filter-crs", max_length=200)] = None,
        datetime_: Annotated[str | None, Query(alias="datetime", max_length=100)] = None,
    ) -> Response:
        """Features of a collection: bbox, property filters, CQL2-Text, limit/offset paging."""
        entry = data.by_collection(collection_id)
        out_crs = ogc_crs.parse_crs(crs)
        box = _bbox(bbox, ogc_crs.parse_crs(bbox_crs))
        keep = row_filter(entry.info.kind, data.desensitised, request.query_params, filter_,
                          filter_lang, ogc_crs.parse_crs(filter_crs))
        limit = min(limit, max_limit)
        params = {k: v for k, v in request.query_params.items() if k not in ("offset", "f")}
        count_key = urlencode(sorted((k, v) for k, v in params.items()
                                     if k not in ("limit", "crs")))
        page = select_page(data, entry, bbox=box, row_filter=keep, offset=offset, limit=limit,
                           count_key=count_key)
        path = f"/collections/{collection_id}/items"
        links = [Link(href=_url(request, path, **params, offset=offset or None), rel="self",
                      type=GEOJSON),
                 Link(href=_url(request, path, **params, offset=offset or None, f="html"),
                      rel="alternate", type="text/html"),
                 Link(href=_url(request, f"/collections/{collection_id}"), rel="collection",
                      type="application/json")]
        if page.more:
            links.append(Link(href=_url(request, path, **params, offset=offset + limit),
                              rel="next", type=GEOJSON))
        if offset:
            links.append(Link(href=_url(request, path, **params,
                                        offset=max(0, offset - limit) or None),
                              rel="prev", type=GEOJSON))
        if wants_html(request, f):
            rows = [{"id": i, "props": r} for i, r in zip(
                page.ids, page.frame.drop(columns="geometry").to_dict("records"), strict=True)]
            return render(request, "items.html", title=collection_id, cid=collection_id,
                          rows=rows, fields=queryable_fields(entry.info.kind, data.desensitised),
                          links=[lk.model_dump() for lk in links], matched=page.matched)
        extra: dict[str, Any] = {
            "timeStamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "numberMatched": page.matched,
            "numberReturned": len(page.ids),
            "links": [lk.model_dump(exclude_none=True) for lk in links]}
        body = feature_collection(feature_texts(page.frame, page.ids, out_crs), extra)
        return Response(body, media_type=GEOJSON,
                        headers={"Content-Crs": f"<{ogc_crs.crs_uri(out_crs)}>"})

    @router.get("/collections/{collectionId}/items/{feature_id}",
                responses={200: {"content": {GEOJSON: {}, "text/html": {}}}})
    def item(collection_id: ItemsOf, feature_id: str, request: Request, data: Data,
             f: Fmt = None,
             crs: Annotated[str | None, Query(max_length=200)] = None) -> Response:
        """One feature by id (``county-position``)."""
        entry = data.by_collection(collection_id)
        out_crs = ogc_crs.parse_crs(crs)
        frame = select_feature(data, entry, feature_id)
        if not len(frame):
            raise NotFound(f"no feature {feature_id} in {collection_id}",
                           user_message=f"要素不存在 (no such feature): {feature_id}")
        if wants_html(request, f):
            props = frame.drop(columns="geometry").to_dict("records")[0]
            return render(request, "item.html", title=f"{collection_id} {feature_id}",
                          fields=queryable_fields(entry.info.kind, data.desensitised), props=props,
                          geometry_type=shapely.get_type_id(frame.geometry.iloc[0]))
        text = feature_texts(frame, [feature_id], out_crs)[0]
        links = [Link(href=_url(request, f"/collections/{collection_id}/items/{feature_id}"),
                      rel="self", type=GEOJSON).model_dump(exclude_none=True),
                 Link(href=_url(request, f"/collections/{collection_id}"), rel="collection",
                      type="application/json").model_dump(exclude_none=True)]
        body = text[:-1] + ',"links":' + json.dumps(links) + "}"
        return Response(body.encode("utf-8"), media_type=GEOJSON,
                        headers={"Content-Crs": f"<{ogc_crs.crs_uri(out_crs)}>"})

    return router
