"""OGC API – Tiles: vector tilesets (MVT) of every collection, TileJSON, tile matrix sets."""

from __future__ import annotations

import json
from typing import Annotated, Any

from onemap.api.deps import AppContext, scoped_reader
from onemap.api.ogc.models import Link
from onemap.api.ogc.styles import MEDIA as STYLE_MEDIA
from onemap.api.ogc.styles import (
    check_style,
    maplibre_style,
    qml_style,
    sld_style,
    styles_document,
)
from onemap.api.ogc.tiles import (
    MAX_ZOOM,
    MVT_MEDIA,
    TileAddress,
    check_zoom,
    get_tms,
    layer_bounds,
    tile_etag,
    tile_fields,
    tile_limits,
    tile_matrix_sets,
    tms_document,
)
from onemap.api.ogc.tilestore import fetch_tile
from onemap.store.reader import LayerEntry, ScopedReader

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import Response

CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tileset",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tilesets-list",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/geodata-tilesets",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/mvt",
    "http://www.opengis.net/spec/tms/2.0/conf/tilematrixset",
    "http://www.opengis.net/spec/tms/2.0/conf/json-tilematrixset",
]
"""Conformance classes implemented by this router."""

TMS_REL = "http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme"


Data = Annotated[ScopedReader, Depends(scoped_reader)]


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def build_router(ctx: AppContext) -> APIRouter:
    """Return the OGC API – Tiles routes."""
    router = APIRouter(tags=["OGC API Tiles 矢量瓦片"])
    cache = ctx.tiles
    disk = ctx.disk_tiles
    max_bytes = ctx.settings.tile_max_bytes

    @router.get("/tileMatrixSets")
    def tile_matrix_set_list(request: Request) -> dict[str, Any]:
        """Tile matrix sets offered (WebMercatorQuad, CGCS2000Quad)."""
        return {"tileMatrixSets": [
            {"id": k, "title": t.title or k,
             "links": [{"href": f"{_base(request)}/tileMatrixSets/{k}", "rel": TMS_REL,
                        "type": "application/json"}]}
            for k, t in tile_matrix_sets().items()]}

    @router.get("/tileMatrixSets/{tms_id}")
    def tile_matrix_set(tms_id: str) -> dict[str, Any]:
        """One tile matrix set definition (OGC TMS 2.0 JSON with the 1.0 members for GDAL ≤ 3.6)."""
        return tms_document(get_tms(tms_id))

    @router.get("/collections/{collection_id}/tiles")
    def tilesets(collection_id: str, request: Request, data: Data) -> dict[str, Any]:
        """Vector tilesets of a collection, one per tile matrix set."""
        entry = data.by_collection(collection_id)
        base = f"{_base(request)}/collections/{entry.collection_id}/tiles"
        return {"links": [{"href": base, "rel": "self", "type": "application/json"}],
                "tilesets": [{"title": f"{entry.collection_id} {k}", "dataType": "vector",
                              "crs": _crs_uri(k), "tileMatrixSetURI": f"{_base(request)}"
                              f"/tileMatrixSets/{k}",
                              "links": [{"href": f"{base}/{k}", "rel": "self",
                                         "type": "application/json"},
                                        {"href": f"{_base(request)}/tileMatrixSets/{k}",
                                         "rel": TMS_REL, "type": "application/json"}]}
                             for k in tile_matrix_sets()]}

    @router.get("/collections/{collection_id}/tiles/{tms_id}")
    def tileset(collection_id: str, tms_id: str, request: Request, data: Data
                ) -> dict[str, Any]:
        """Tileset metadata: tile URL template, tiling-scheme link, limits around the data."""
        entry = data.by_collection(collection_id)
        tms = get_tms(tms_id)
        base = f"{_base(request)}/collections/{entry.collection_id}/tiles/{tms_id}"
        tms_url = f"{_base(request)}/tileMatrixSets/{tms_id}"
        return {"title": entry.collection_id, "dataType": "vector", "crs": _crs_uri(tms_id),
                "tileMatrixSetURI": tms_url,
                "layers": [{"id": entry.collection_id, "dataType": "vector",
                            "geometryType": "points" if _is_point(entry.info.kind)
                            else "polygons",
                            "minTileMatrix": str(tms.minzoom),
                            "maxTileMatrix": str(MAX_ZOOM)}],
                "tileMatrixSetLimits": tile_limits(tms, _bounds(entry)),
                "links": [Link(href=base, rel="self", type="application/json").model_dump(
                    exclude_none=True),
                    Link(href=tms_url, rel=TMS_REL, type="application/json",
                         title=f"{tms_id} 瓦片矩阵集").model_dump(exclude_none=True),
                    Link(href=f"{base}/{{tileMatrix}}/{{tileRow}}/{{tileCol}}", rel="item",
                         type=MVT_MEDIA, templated=True).model_dump(exclude_none=True),
                    Link(href=f"{base}/tilejson.json", rel="alternate",
                         type="application/json", title="TileJSON").model_dump(
                        exclude_none=True)]}

    @router.get("/collections/{collection_id}/tiles/{tms_id}/tilejson.json")
    def tilejson(collection_id: str, tms_id: str, request: Request, data: Data
                 ) -> dict[str, Any]:
        """TileJSON 3.0 of a collection's vector tiles (for MapLibre and others)."""
        entry = data.by_collection(collection_id)
        get_tms(tms_id)
        bounds = list(_bounds(entry))
        fields = dict.fromkeys(tile_fields(entry.info.kind, data.desensitised), "String")
        return {"tilejson": "3.0.0", "name": entry.collection_id, "scheme": "xyz",
                "tiles": [f"{_base(request)}/collections/{entry.collection_id}/tiles/"
                          f"{tms_id}/{{z}}/{{y}}/{{x}}"],
                "minzoom": 0, "maxzoom": MAX_ZOOM, "bounds": bounds,
                "center": [(bounds[0] + bounds[2]) / 2, (bounds[1] + bounds[3]) / 2, 8],
                "vector_layers": [{"id": entry.collection_id, "minzoom": 0,
                                   "maxzoom": MAX_ZOOM,
                                   "fields": {**fields, "fid": "String", "county": "String"}}]}

    @router.get("/collections/{collection_id}/styles")
    def styles(collection_id: str, request: Request, data: Data) -> dict[str, Any]:
        """Styles of a collection (OGC API – Styles): MapLibre JSON, SLD 1.0, QGIS QML."""
        entry = data.by_collection(collection_id)
        return styles_document(_base(request), entry.collection_id)

    @router.get("/collections/{collection_id}/styles/{style_id}",
                responses={200: {"content": {m: {} for m in STYLE_MEDIA.values()}}})
    def style(collection_id: str, style_id: str, request: Request, data: Data,
              f: Annotated[str, Query(description="mapbox, sld or qml")] = "mapbox"
              ) -> Response:
        """One style as a stylesheet: ``f=mapbox`` (MapLibre), ``sld`` or ``qml`` (QGIS)."""
        entry = data.by_collection(collection_id)
        check_style(style_id, f)
        cid, kind = entry.collection_id, entry.info.kind
        if f == "mapbox":
            tiles = f"{_base(request)}/collections/{cid}/tiles/WebMercatorQuad/{{z}}/{{y}}/{{x}}"
            body = json.dumps(maplibre_style(cid, kind, tiles, MAX_ZOOM), ensure_ascii=False)
        else:
            body = sld_style(cid, kind) if f == "sld" else qml_style(cid, kind)
        return Response(body.encode("utf-8"), media_type=STYLE_MEDIA[f])

    @router.get("/collections/{collection_id}/tiles/{tms_id}/{z}/{y}/{x}",
                responses={200: {"content": {MVT_MEDIA: {}}}, 304: {"description": "unchanged"}})
    def tile(collection_id: str, tms_id: str, request: Request, data: Data,
             z: Annotated[int, Path(ge=0, le=24)], y: Annotated[int, Path(ge=0)],
             x: Annotated[int, Path(ge=0)]) -> Response:
        """One Mapbox Vector Tile (tileMatrix/tileRow/tileCol), cached with an ETag."""
        check_zoom(z)
        entry = data.by_collection(collection_id)
        addr = TileAddress(tms_id, z, x, y)
        etag = tile_etag(data, entry, addr)
        headers = {"ETag": etag, "Cache-Control": "private, max-age=300",
                   "Vary": "Cookie, Authorization"}
        if request.headers.get("if-none-match") == etag:
            return Response(status_code=304, headers=headers)
        blob, _source = fetch_tile(data, entry, addr, max_bytes, cache, disk, etag)
        return Response(blob, media_type=MVT_MEDIA, headers=headers)

    return router


def _bounds(entry: LayerEntry) -> tuple[float, float, float, float]:
    return layer_bounds(entry)


def _crs_uri(tms_id: str) -> str:
    return str(get_tms(tms_id).model_dump(include={"crs"}, mode="json")["crs"])


def _is_point(kind: str) -> bool:
    from onemap.store.kinds import get_kind

    return get_kind(kind).geometry == "point"
