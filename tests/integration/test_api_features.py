"""OGC API – Features through TestClient on a small three-county workspace."""

from __future__ import annotations

import pytest
from api_helpers import build_workspace, token_for

from onemap.api.app import create_app
from onemap.api.deps import ApiSettings
from onemap.api.ogc.models import Collection, Collections, Conformance, LandingPage

from fastapi.testclient import TestClient

EPSG = "http://www.opengis.net/def/crs/EPSG/0/"


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory):
    ws = build_workspace(tmp_path_factory.mktemp("api") / "ws")
    client = TestClient(create_app(ApiSettings(workspace=ws.root), ws))
    yield ws, client, token_for(ws, "admin")
    ws.close()


def test_landing_conformance_and_collections(setup) -> None:
    _ws, c, admin = setup
    page = LandingPage.model_validate(c.get("/").json())
    assert {"service-desc", "conformance", "data"} <= {lk.rel for lk in page.links}
    conf = Conformance.model_validate(c.get("/conformance").json())
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core" in conf.conformsTo
    assert "http://www.opengis.net/spec/cql2/1.0/conf/cql2-text" in conf.conformsTo
    cols = Collections.model_validate(c.get("/collections", headers=admin).json())
    ids = [col.id for col in cols.collections]
    assert ids == ["admin_county", "dltb_2020", "hazard_point_2023", "mining_right_2023",
                   "monitoring_patch_2023"]
    dltb = Collection.model_validate(c.get("/collections/dltb_2020", headers=admin).json())
    assert dltb.title == "地类图斑 2020年"
    assert EPSG + "4527" in dltb.crs and dltb.storageCrs == EPSG + "4490"
    assert c.get("/api").json()["info"]["title"].startswith("onemap")


def test_paging_uses_catalog_counts_and_next_links(setup) -> None:
    _ws, c, admin = setup
    first = c.get("/collections/dltb_2020/items?limit=50", headers=admin).json()
    assert first["numberMatched"] == 108 and first["numberReturned"] == 50
    seen, url = [], "/collections/dltb_2020/items?limit=50"
    while url:
        body = c.get(url, headers=admin).json()
        seen += [f["id"] for f in body["features"]]
        nxt = [lk["href"] for lk in body["links"] if lk["rel"] == "next"]
        url = nxt[0].replace("http://testserver", "") if nxt else None
    assert len(seen) == len(set(seen)) == 108
    one = c.get(f"/collections/dltb_2020/items/{seen[40]}", headers=admin)
    assert one.status_code == 200 and one.json()["id"] == seen[40]
    assert c.get("/collections/dltb_2020/items/360111-999", headers=admin).status_code == 404


def test_property_and_cql2_filters(setup) -> None:
    _ws, c, admin = setup
    items = "/collections/dltb_2020/items"
    everything = c.get(items, params={"limit": 1000}, headers=admin).json()["features"]
    paddy = [f for f in everything if f["properties"]["DLBM"] == "0101"]
    got = c.get(items, params={"DLBM": "0101", "limit": 1000}, headers=admin).json()
    assert got["numberReturned"] == len(paddy) > 0 and got["numberMatched"] == len(paddy)
    cql = "DLBM = '0101' OR (DLBM = '0301' AND county = '360203')"
    got = c.get(items, params={"filter": cql, "filter-lang": "cql2-text", "limit": 1000},
                headers=admin).json()
    want = [f for f in everything if f["properties"]["DLBM"] == "0101"
            or (f["properties"]["DLBM"] == "0301" and f["properties"]["county"] == "360203")]
    assert {f["id"] for f in got["features"]} == {f["id"] for f in want}
    near = "S_INTERSECTS(geometry, POINT(115.905 28.605))"
    got = c.get(items, params={"filter": near}, headers=admin).json()
    assert [f["properties"]["BSM"] for f in got["features"]] == ["360111000000"]
    bad = c.get(items, params={"filter": "NOPE = 1"}, headers=admin)
    assert bad.status_code == 400 and bad.headers["content-type"] == "application/problem+json"
    assert c.get(items, params={"filter": "DLBM = "}, headers=admin).status_code == 400
    assert c.get(items, params={"unknown": "x"}, headers=admin).status_code == 400


def test_bbox_and_crs_part2(setup) -> None:
    _ws, c, admin = setup
    items = "/collections/dltb_2020/items"
    box = c.get(items, params={"bbox": "115.90,28.60,115.91,28.61", "limit": 100},
                headers=admin).json()
    assert {f["properties"]["county"] for f in box["features"]} == {"360111"}
    lat_first = c.get(items, params={"bbox": "28.60,115.90,28.61,115.91",
                                     "bbox-crs": EPSG + "4490", "limit": 100}, headers=admin)
    assert {f["id"] for f in lat_first.json()["features"]} == {f["id"] for f in box["features"]}
    r = c.get(items, params={"crs": EPSG + "4527", "limit": 1}, headers=admin)
    assert r.headers["content-crs"] == f"<{EPSG}4527>"
    northing, easting = r.json()["features"][0]["geometry"]["coordinates"][0][0][0]
    assert 3_100_000 < northing < 3_300_000 and 39_300_000 < easting < 39_500_000
    r = c.get(items, params={"crs": EPSG + "4490", "limit": 1}, headers=admin)
    lat, lon = r.json()["features"][0]["geometry"]["coordinates"][0][0][0]
    assert 28 < lat < 30 and 115 < lon < 118
    assert c.get(items, params={"crs": EPSG + "3857"}, headers=admin).status_code == 400


def test_html_and_queryables(setup) -> None:
    _ws, c, admin = setup
    html = c.get("/collections/dltb_2020/items?limit=3", headers={**admin, "Accept": "text/html"})
    assert html.status_code == 200 and "地类编码" in html.text
    q = c.get("/collections/dltb_2020/queryables", headers=admin).json()
    assert q["properties"]["DLBM"]["title"] == "地类编码"
    assert c.get("/collections?f=html", headers=admin).text.count("<tr>") == 6
