"""Styles of a collection (OGC API – Styles shape): MapLibre style JSON, SLD 1.0 and QGIS QML.

One style per collection, ``default``: land-use kinds (those with ``DLBM``) are coloured by
the 三调 land-use palette of :mod:`onemap.standards.colors` (through
:func:`onemap.api.styles.landuse_colors`, the colours the web map uses); other kinds get
one colour; administrative kinds are drawn as outlines with their names (``XZQMC``).
"""

from __future__ import annotations

from typing import Any
from xml.sax.saxutils import escape

from onemap.api.styles import landuse_colors
from onemap.errors import NotFound
from onemap.store.kinds import get_kind

STYLE_ID = "default"
MEDIA = {
    "mapbox": "application/vnd.mapbox.style+json",
    "sld": "application/vnd.ogc.sld+xml;version=1.0",
    "qml": "application/vnd.qgis.qml",
}
"""Stylesheet encodings offered (``?f=``) and their media types."""
PLAIN_FILL = "#4a90c2"
OUTLINE = "#555555"


def check_style(style_id: str, fmt: str) -> None:
    """Raise NotFound for an unknown style or encoding."""
    if style_id != STYLE_ID:
        raise NotFound(f"no style {style_id!r}", user_message=f"样式不存在 (no style): {style_id}")
    if fmt not in MEDIA:
        raise NotFound(f"no encoding {fmt!r}",
                       user_message=f"样式格式不支持 (use f=mapbox, sld or qml): {fmt}")


def _classes(kind: str) -> dict[str, str]:
    """Land-class code → colour for kinds styled by DLBM, else empty."""
    if get_kind(kind).spec("DLBM") is None:
        return {}
    return {code: colour for code, colour in sorted(landuse_colors().items()) if len(code) >= 4}


def _labelled(kind: str) -> bool:
    return get_kind(kind).spec("XZQMC") is not None


def maplibre_style(cid: str, kind: str, tiles_url: str, max_zoom: int) -> dict[str, Any]:
    """Return a MapLibre/Mapbox GL style (version 8) drawing the collection's vector tiles."""
    classes = _classes(kind)
    fill: Any = PLAIN_FILL
    if classes:
        fill = ["match", ["get", "DLBM"], *[v for c, col in classes.items() for v in (c, col)],
                "#cccccc"]
    layers: list[dict[str, Any]] = []
    if not _labelled(kind):
        layers.append({"id": f"{cid}-fill", "type": "fill", "source": cid, "source-layer": cid,
                       "paint": {"fill-color": fill, "fill-opacity": 0.75}})
    layers.append({"id": f"{cid}-line", "type": "line", "source": cid, "source-layer": cid,
                   "paint": {"line-color": OUTLINE, "line-width": 1.2 if _labelled(kind) else 0.3}})
    if _labelled(kind):
        layers.append({"id": f"{cid}-label", "type": "symbol", "source": cid,
                       "source-layer": cid,
                       "layout": {"text-field": ["get", "XZQMC"], "text-size": 12},
                       "paint": {"text-color": "#222222", "text-halo-color": "#ffffff",
                                 "text-halo-width": 1.5}})
    return {"version": 8, "name": f"{cid} {STYLE_ID}",
            "sources": {cid: {"type": "vector", "tiles": [tiles_url], "minzoom": 0,
                              "maxzoom": max_zoom}},
            "layers": layers}


def _sld_rule(name: str, colour: str, code: str | None) -> str:
    where = ("" if code is None else
             "<ogc:Filter><ogc:PropertyIsEqualTo><ogc:PropertyName>DLBM</ogc:PropertyName>"
             f"<ogc:Literal>{escape(code)}</ogc:Literal></ogc:PropertyIsEqualTo></ogc:Filter>")
    return (f"<Rule><Name>{escape(name)}</Name>{where}<PolygonSymbolizer><Fill>"
            f'<CssParameter name="fill">{colour}</CssParameter></Fill><Stroke>'
            f'<CssParameter name="stroke">{OUTLINE}</CssParameter>'
            '<CssParameter name="stroke-width">0.3</CssParameter></Stroke>'
            "</PolygonSymbolizer></Rule>")


def sld_style(cid: str, kind: str) -> str:
    """Return the style as an SLD 1.0 document (QGIS, GeoServer)."""
    classes = _classes(kind)
    rules = [_sld_rule(code, colour, code) for code, colour in classes.items()] or [
        _sld_rule(cid, PLAIN_FILL, None)]
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<StyledLayerDescriptor version="1.0.0" xmlns="http://www.opengis.net/sld" '
            'xmlns:ogc="http://www.opengis.net/ogc">'
            f"<NamedLayer><Name>{escape(cid)}</Name><UserStyle><Title>{escape(cid)} "
            f"{STYLE_ID}</Title><FeatureTypeStyle>{''.join(rules)}</FeatureTypeStyle>"
            "</UserStyle></NamedLayer></StyledLayerDescriptor>\n")


def _qml_symbol(index: int, colour: str) -> str:
    rgb = ",".join(str(int(colour[i:i + 2], 16)) for i in (1, 3, 5))
    return (f'<symbol type="fill" name="{index}" alpha="1"><layer class="SimpleFill">'
            f'<prop k="color" v="{rgb},255"/><prop k="outline_color" v="85,85,85,255"/>'
            '<prop k="outline_width" v="0.1"/><prop k="style" v="solid"/></layer></symbol>')


def qml_style(cid: str, kind: str) -> str:
    """Return the style as a QGIS layer style (QML), loadable with ``loadNamedStyle``."""
    classes = _classes(kind)
    if classes:
        cats = "".join(f'<category render="true" value="{escape(code)}" symbol="{i}" '
                       f'label="{escape(code)}"/>' for i, code in enumerate(classes))
        symbols = "".join(_qml_symbol(i, colour) for i, colour in enumerate(classes.values()))
        renderer = (f'<renderer-v2 type="categorizedSymbol" attr="DLBM"><categories>{cats}'
                    f"</categories><symbols>{symbols}</symbols></renderer-v2>")
    else:
        renderer = (f'<renderer-v2 type="singleSymbol"><symbols>{_qml_symbol(0, PLAIN_FILL)}'
                    "</symbols></renderer-v2>")
    labels = ""
    if _labelled(kind):
        labels = ('<labeling type="simple"><settings><text-style fieldName="XZQMC" '
                  'fontSize="10" textColor="34,34,34,255"/></settings></labeling>')
    return (f'<!DOCTYPE qgis PUBLIC "http://mrcc.com/qgis.dtd" "SYSTEM">\n'
            f'<qgis version="3.22" styleCategories="Symbology|Labeling">{renderer}{labels}'
            "</qgis>\n")


def styles_document(base: str, cid: str) -> dict[str, Any]:
    """Return the ``/collections/{id}/styles`` list (OGC API – Styles)."""
    href = f"{base}/collections/{cid}/styles/{STYLE_ID}"
    return {"default": STYLE_ID,
            "links": [{"href": f"{base}/collections/{cid}/styles", "rel": "self",
                       "type": "application/json"}],
            "styles": [{"id": STYLE_ID, "title": f"{cid} 默认样式 (default)",
                        "links": [{"href": f"{href}?f={f}", "rel": "stylesheet", "type": media,
                                   "title": f}
                                  for f, media in MEDIA.items()]}]}
