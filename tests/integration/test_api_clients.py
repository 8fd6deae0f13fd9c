"""What stock GIS clients need: HTTP Basic, a 401 challenge, encoded links, counts, types.

(issue 19: QGIS 3.22 logs in with Basic only; GDAL follows ``next`` links and takes the
default page; issue 20 item 4: links carry the filter percent-encoded.)
"""

from __future__ import annotations

import base64
from urllib.parse import parse_qs, urlsplit

import mapbox_vector_tile
import morecantile
import pytest
import shapely
from api_helpers import PASSWORD, build_workspace

from onemap.api.app import create_app
from onemap.api.deps import ApiSettings
from onemap.api.ogc.filters import queryables_schema
from onemap.store.workspace import Workspace

from fastapi.testclient import TestClient

ITEMS = "/collections/dltb_2020/items"


def basic(user: str, password: str) -> dict[str, str]:
    raw = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {raw}"}


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory):
    ws = build_workspace(tmp_path_factory.mktemp("clients") / "ws")
    yield ws
    ws.close()


@pytest.fixture
def app(env):
    """A fresh app per test: its own login throttle and credential cache."""
    return create_app(ApiSettings(workspace=env.root, features_max_limit=5_000), env)


def test_basic_auth_reads_protected_layers_and_is_audited(env, app) -> None:
    ws = env
    c = TestClient(app)
    me = c.get("/auth/me", headers=basic("nanchang", PASSWORD)).json()
    assert me["authenticated"] and me["username"] == "nanchang"
    got = c.get(ITEMS, headers=basic("nanchang", PASSWORD)).json()
    assert {f["properties"]["county"] for f in got["features"]} == {"360111", "360121"}
    # checked once, then trusted for a while: one login audit for both requests
    logins = [e for e in ws.audit_log(1000, "auth.login") if e.detail.get("method") == "basic"]
    assert len(logins) == 1 and logins[0].actor == "nanchang"


def test_protected_layer_without_credentials_is_a_basic_challenge(app) -> None:
    c = TestClient(app)
    r = c.get(ITEMS)
    assert r.status_code == 401
    challenges = r.headers.get_list("www-authenticate")
    assert challenges[0].startswith('Basic realm="onemap"') and challenges[1].startswith("Bearer")
    for path in ("/collections/dltb_2020", "/collections/dltb_2020/tiles/WebMercatorQuad"):
        assert c.get(path).status_code == 401, path
    # the web page's own fetches get no Basic challenge (no browser password dialog)
    page = c.get(ITEMS, headers={"Sec-Fetch-Mode": "cors", "Sec-Fetch-Dest": "empty"})
    assert page.status_code == 401
    assert page.headers.get_list("www-authenticate") == ['Bearer realm="onemap"']
    # public layers stay readable without credentials; unknown layers stay 404
    assert c.get("/collections/admin_county/items").status_code == 200
    assert c.get("/collections/no_such_layer/items").status_code == 404
    # a logged-in user outside a layer's audience still gets 404 (existence not disclosed)
    assert c.get("/collections/mining_right_2023", headers=basic("nanchang", PASSWORD)
                 ).status_code == 404


def test_wrong_basic_credentials_are_refused_never_anonymous(app) -> None:
    c = TestClient(app)
    for headers in (basic("nanchang", "wrong-password"), basic("nobody", PASSWORD),
                    {"Authorization": "Basic not-base64!"}, basic("", "x")):
        r = c.get("/collections/admin_county/items", headers=headers)  # even a public layer
        assert r.status_code == 401, headers
        assert r.headers.get_list("www-authenticate")[0].startswith("Basic")


def test_basic_auth_shares_the_login_throttle(app) -> None:
    c = TestClient(app)
    codes = [c.get("/auth/me", headers=basic("qingshanhu", f"guess-{i}")).status_code
             for i in range(7)]
    assert codes[:5] == [401] * 5 and codes[5] == 429
    r = c.get("/auth/me", headers=basic("qingshanhu", "guess-x"))
    assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1


def test_links_are_percent_encoded_and_page_a_filtered_query(app) -> None:
    c = TestClient(app)
    admin = basic("admin", PASSWORD)
    cql = "DLBM IN ('0101','0102') AND ZLDWMC LIKE '%村'"
    first = c.get(ITEMS, params={"filter": cql, "limit": 5}, headers=admin).json()
    everything = c.get(ITEMS, params={"filter": cql, "limit": 1000}, headers=admin).json()
    assert first["numberMatched"] == everything["numberMatched"] == everything["numberReturned"]
    links = {lk["rel"]: lk["href"] for lk in first["links"]}
    for rel in ("self", "next"):
        href = links[rel]
        assert " " not in href and "'" not in href and "%村" not in href, href
        assert parse_qs(urlsplit(href).query)["filter"] == [cql]
    seen = [f["id"] for f in first["features"]]
    href = links["next"]
    while href:
        page = c.get(href, headers=admin).json()
        assert page["numberMatched"] == first["numberMatched"]
        seen += [f["id"] for f in page["features"]]
        href = next((lk["href"] for lk in page["links"] if lk["rel"] == "next"), None)
    assert seen == [f["id"] for f in everything["features"]] and len(set(seen)) == len(seen)


def test_number_matched_with_bbox_and_default_page(app) -> None:
    c = TestClient(app)
    admin = basic("admin", PASSWORD)
    box = c.get(ITEMS, params={"bbox": "115.9,28.6,115.95,28.65", "limit": 2},
                headers=admin).json()
    assert box["numberReturned"] == 2 and box["numberMatched"] > 2
    whole = c.get(ITEMS, params={"bbox": "115.9,28.6,115.95,28.65", "limit": 1000},
                  headers=admin).json()
    assert whole["numberReturned"] == box["numberMatched"]
    default = c.get(ITEMS, headers=admin).json()  # no limit: the default page (1,000)
    assert default["numberReturned"] == default["numberMatched"] == 108
    capped = c.get(ITEMS, params={"limit": 10**8}, headers=admin)  # served, as the maximum
    assert capped.status_code == 200 and capped.json()["numberReturned"] == 108
    spec = c.get("/api").json()["paths"]["/collections/{collectionId}/items"]["get"]
    limit = next(p for p in spec["parameters"] if p["name"] == "limit")["schema"]
    assert limit["default"] == 1000 and limit["maximum"] == 5000


def test_one_geometry_type_per_collection(app) -> None:
    c = TestClient(app)
    feats = c.get(ITEMS, headers=basic("admin", PASSWORD)).json()["features"]
    assert {f["geometry"]["type"] for f in feats} == {"MultiPolygon"}
    one = c.get(f"{ITEMS}/{feats[0]['id']}", headers=basic("admin", PASSWORD)).json()
    assert one["geometry"]["type"] == "MultiPolygon"
    q = c.get("/collections/dltb_2020/queryables", headers=basic("admin", PASSWORD)).json()
    assert q["properties"]["geometry"]["format"] == "geometry-multipolygon"


def test_queryables_are_typed() -> None:
    props = queryables_schema("dltb", False, "x", "dltb_2020")["properties"]
    assert props["TBMJ"]["type"] == "number" and props["GDDB"]["type"] == "integer"
    assert props["DLBM"] == {"title": props["DLBM"]["title"], "type": "string"}
    approval = queryables_schema("approval", False, "x", "approval_2020")["properties"]
    assert approval["PZRQ"] == {"title": "批准日期", "type": "string", "format": "date"}


def test_tileset_has_tiling_scheme_link_and_honest_limits(app) -> None:
    c = TestClient(app)
    base = "/collections/admin_county/tiles"
    for tms in ("WebMercatorQuad", "CGCS2000Quad"):
        doc = c.get(f"{base}/{tms}").json()
        rels = {lk["rel"]: lk for lk in doc["links"]}
        scheme = rels["http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme"]
        assert scheme["type"] == "application/json"
        assert c.get(scheme["href"]).json()["id"] == tms
        limits = {int(lim["tileMatrix"]): lim for lim in doc["tileMatrixSetLimits"]}
        assert max(limits) == 20
        z10 = limits[10]  # the three test counties span a few tiles, not the world
        assert z10["maxTileCol"] - z10["minTileCol"] <= 8 and z10["maxTileRow"] - z10[
            "minTileRow"] <= 8
    tj = c.get(f"{base}/WebMercatorQuad/tilejson.json").json()
    assert tj["maxzoom"] == 20
    west, south, east, north = tj["bounds"]
    assert 115.8 < west < east < 117.4 and 28.5 < south < north < 29.5


def test_county_names_are_in_tiles_at_every_zoom(app) -> None:
    c = TestClient(app)
    tms = morecantile.tms.get("WebMercatorQuad")
    for z in range(15):
        tile = tms.tile(116.05, 28.65, z)  # inside 南昌县
        r = c.get(f"/collections/admin_county/tiles/WebMercatorQuad/{z}/{tile.y}/{tile.x}")
        layer = mapbox_vector_tile.decode(r.content).get("admin_county", {"features": []})
        names = [f["properties"].get("XZQMC") for f in layer["features"]]
        assert all(names), (z, names)  # every feature shown carries its name
        if z >= 6:  # the 0.1° test counties are bigger than a pixel from z6
            assert "南昌县" in names, (z, names)


def test_every_public_feature_is_valid(tmp_path) -> None:
    ws = Workspace.create(tmp_path / "ws")
    import geopandas as gpd

    # slivers and near-touching rings that 3-decimal rounding would make self-intersect
    geoms = [shapely.Polygon([(116.0, 28.0), (116.0014, 28.0), (116.0014, 28.0004),
                              (116.0007, 28.0006), (116.0, 28.0004)]),
             shapely.Polygon([(116.01, 28.01), (116.0124, 28.01), (116.0124, 28.0105),
                              (116.0112, 28.0101), (116.01, 28.0105)]),
             shapely.box(116.02, 28.02, 116.0204, 28.0203),  # smaller than the grid
             shapely.box(116.03, 28.03, 116.05, 28.05).difference(
                 shapely.box(116.0351, 28.0351, 116.0449, 28.0449))]
    frame = gpd.GeoDataFrame({"XZQDM": ["360121"] * 4, "XZQMC": ["南昌县"] * 4},
                             geometry=geoms, crs=4490)
    ws.write_layer("admin_county", None, frame)
    ws.set_layer_access("admin_county", None, classification="public")
    c = TestClient(create_app(ApiSettings(workspace=ws.root), ws))
    feats = c.get("/collections/admin_county/items").json()["features"]
    assert len(feats) == 4
    for f in feats:
        g = shapely.from_geojson(__import__("json").dumps(f["geometry"]))
        assert g.geom_type == "MultiPolygon" and shapely.is_valid(g), f["id"]
        coords = shapely.get_coordinates(g)
        assert (abs(coords * 1000 - (coords * 1000).round()) < 1e-6).all()  # on the grid
    ws.close()


def test_styles_of_a_collection(app, tmp_path) -> None:
    import xml.etree.ElementTree as ET

    from onemap.api.styles import landuse_colors

    c = TestClient(app)
    admin = basic("admin", PASSWORD)
    doc = c.get("/collections/dltb_2020/styles", headers=admin).json()
    assert doc["default"] == "default"
    hrefs = {lk["title"]: lk for lk in doc["styles"][0]["links"]}
    assert set(hrefs) == {"mapbox", "sld", "qml"}
    style = c.get(hrefs["mapbox"]["href"], headers=admin)
    assert style.headers["content-type"].startswith("application/vnd.mapbox.style+json")
    gl = style.json()
    fill = next(layer for layer in gl["layers"] if layer["type"] == "fill")
    match = fill["paint"]["fill-color"]
    pairs = dict(zip(match[2:-1:2], match[3:-1:2], strict=True))
    assert pairs["0101"] == landuse_colors()["0101"] and len(pairs) > 30  # every class
    tiles = gl["sources"]["dltb_2020"]["tiles"][0]
    assert "/collections/dltb_2020/tiles/WebMercatorQuad/{z}/{y}/{x}" in tiles
    sld = ET.fromstring(c.get(hrefs["sld"]["href"], headers=admin).content)
    rules = sld.findall(".//{http://www.opengis.net/sld}Rule")
    assert len(rules) == len(pairs)
    qml = ET.fromstring(c.get(hrefs["qml"]["href"], headers=admin).content)
    assert qml.find("renderer-v2").get("attr") == "DLBM"
    assert len(qml.findall(".//category")) == len(pairs)
    county = c.get("/collections/admin_county/styles/default?f=mapbox").json()
    assert any(layer["type"] == "symbol" and layer["layout"]["text-field"] == ["get", "XZQMC"]
               for layer in county["layers"])  # names drawn
    assert c.get("/collections/dltb_2020/styles").status_code == 401  # protected as the data
    assert c.get("/collections/admin_county/styles/other").status_code == 404
    assert c.get("/collections/admin_county/styles/default?f=png").status_code == 404


def test_every_public_feature_of_the_demo_is_valid(tmp_path) -> None:
    """The tiny demo's public layers, as an anonymous user reads them (3-decimal grid)."""
    from indicator_world import build_indicator_demo

    root = build_indicator_demo(tmp_path / "demo")
    ws = Workspace.open(root)
    c = TestClient(create_app(ApiSettings(workspace=ws.root), ws))
    collections = [col["id"] for col in c.get("/collections").json()["collections"]]
    assert collections  # the demo publishes some layers
    checked = 0
    for cid in collections:
        href: str | None = f"/collections/{cid}/items?limit=5000"
        while href:
            page = c.get(href).json()
            for f in page["features"]:
                if f["geometry"] is None:
                    continue
                g = shapely.from_geojson(__import__("json").dumps(f["geometry"]))
                assert shapely.is_valid(g), (cid, f["id"], shapely.is_valid_reason(g))
                if g.geom_type.endswith("Polygon"):
                    assert g.geom_type == "MultiPolygon", (cid, f["id"])
                    coords = shapely.get_coordinates(g)
                    assert len(coords) == len(shapely.get_coordinates(
                        shapely.remove_repeated_points(g))), (cid, f["id"])  # no repeats
                checked += 1
            href = next((lk["href"] for lk in page["links"] if lk["rel"] == "next"), None)
    assert checked >= 20 and "admin_township" in collections, (checked, collections)
    ws.close()
