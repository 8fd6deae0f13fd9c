"""Access control: every attempt to cross a region scope or classification is refused."""

from __future__ import annotations

import mapbox_vector_tile
import morecantile
import pytest
from api_helpers import COUNTIES, PASSWORD, build_workspace, dltb_frame, token_for

from onemap.api.app import create_app
from onemap.api.deps import ApiSettings
from onemap.users.models import Me

from fastapi.testclient import TestClient

OTHER = "360203"  # a county outside Nanchang city (3601)


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory):
    ws = build_workspace(tmp_path_factory.mktemp("acl") / "ws")
    app = create_app(ApiSettings(workspace=ws.root, public_coordinate_decimals=2), ws)
    tokens = {u: token_for(ws, u) for u in ("admin", "nanchang", "qingshanhu", "viewer121")}
    yield ws, TestClient(app), tokens
    ws.close()


def _ids(client: TestClient, headers: dict[str, str], cid: str = "dltb_2020") -> set[str]:
    body = client.get(f"/collections/{cid}/items?limit=1000", headers=headers).json()
    return {f["id"] for f in body.get("features", [])}


def test_login_cookie_logout_and_audit(env) -> None:
    ws, _c, _t = env
    client = TestClient(_c.app)
    assert client.post("/auth/login", json={"username": "qingshanhu",
                                            "password": "wrong"}).status_code == 401
    r = client.post("/auth/login", json={"username": "qingshanhu", "password": PASSWORD})
    assert r.status_code == 200 and "onemap_session" in r.cookies
    assert Me.model_validate(client.get("/auth/me").json()).regions == ["360111"]
    assert {i.split("-")[0] for i in _ids(client, {})} == {"360111"}
    client.post("/auth/logout", headers={"X-CSRF-Token": client.cookies["onemap_csrf"]})
    assert client.get("/auth/me").json()["authenticated"] is False
    actions = [e.action for e in ws.audit_log(50)]
    assert {"auth.login", "auth.login_failed", "auth.logout"} <= set(actions)


def test_repeated_wrong_passwords_pause_logins(env, monkeypatch: pytest.MonkeyPatch) -> None:
    ws, c, _t = env
    client = TestClient(c.app, client=("10.9.9.9", 50000))  # not the other tests' address
    monkeypatch.setattr(c.app.state.ctx.auth.throttle, "clock", lambda: 1000.0)  # frozen
    for _ in range(5):
        assert client.post("/auth/login", json={"username": "inspector203",
                                                "password": "nope"}).status_code == 401
    r = client.post("/auth/login", json={"username": "inspector203", "password": PASSWORD})
    assert r.status_code == 429 and "too many" in r.json()["detail"]
    assert ws.audit_log(5, action="auth.login_throttled")


def test_bad_credentials_are_refused(env) -> None:
    _ws, c, _t = env
    assert c.get("/auth/me", headers={"Authorization": "Bearer nope"}).status_code == 401
    assert c.get("/auth/me", headers={"Authorization": "Basic eDp5"}).status_code == 401
    forged = TestClient(c.app, cookies={"onemap_session": "eyJzaWQiOiJ4In0.forged.sig"})
    assert forged.get("/auth/me").json()["authenticated"] is False


def test_features_stay_inside_scope(env) -> None:
    _ws, c, t = env
    assert {i.split("-")[0] for i in _ids(c, t["qingshanhu"])} == {"360111"}
    assert {i.split("-")[0] for i in _ids(c, t["nanchang"])} == {"360111", "360121"}
    assert {i.split("-")[0] for i in _ids(c, t["admin"])} == set(COUNTIES)
    # direct ids, bbox and filters on the other county find nothing
    assert c.get(f"/collections/dltb_2020/items/{OTHER}-0",
                 headers=t["qingshanhu"]).status_code == 404
    x, y = COUNTIES[OTHER]
    box = c.get(f"/collections/dltb_2020/items?bbox={x},{y},{x + 0.1},{y + 0.1}",
                headers=t["nanchang"]).json()
    assert box["features"] == []
    crafted = c.get("/collections/dltb_2020/items", params={"filter": f"county = '{OTHER}'"},
                    headers=t["qingshanhu"]).json()
    assert crafted["features"] == []
    # catalog counts in scope only
    assert c.get("/collections/dltb_2020/items?limit=1",
                 headers=t["qingshanhu"]).json()["numberMatched"] == 36


def test_tiles_stay_inside_scope(env) -> None:
    _ws, c, t = env
    x, y = COUNTIES[OTHER]
    tile = morecantile.tms.get("WebMercatorQuad").tile(x + 0.05, y + 0.05, 12)
    url = f"/collections/dltb_2020/tiles/WebMercatorQuad/{tile.z}/{tile.y}/{tile.x}"
    full = mapbox_vector_tile.decode(c.get(url, headers=t["admin"]).content)
    assert len(full["dltb_2020"]["features"]) > 0
    mine = c.get(url, headers=t["qingshanhu"])
    assert mine.status_code == 200
    assert mapbox_vector_tile.decode(mine.content).get("dltb_2020", {}).get("features", []) == []
    assert mine.headers["etag"] != c.get(url, headers=t["admin"]).headers["etag"]


def test_classification_and_publication(env) -> None:
    _ws, c, t = env

    def ids(h: dict[str, str]) -> set[str]:
        return {col["id"] for col in c.get("/collections", headers=h).json()["collections"]}

    assert "mining_right_2023" in ids(t["admin"])
    assert "mining_right_2023" not in ids(t["nanchang"])  # secret
    assert "monitoring_patch_2023" in ids(t["nanchang"])  # unpublished: analysts only
    assert "monitoring_patch_2023" not in ids(t["viewer121"])
    assert ids({}) == {"admin_county", "hazard_point_2023"}  # public users: public layers
    for path in ("/collections/mining_right_2023", "/collections/mining_right_2023/items",
                 "/collections/mining_right_2023/tiles/WebMercatorQuad/0/0/0",
                 "/exports/mining_right_2023"):
        assert c.get(path, headers=t["nanchang"]).status_code == 404, path
    anonymous = c.get("/collections/dltb_2020/items")  # internal layer: a login challenge
    assert anonymous.status_code == 401
    assert 'Basic realm="onemap"' in anonymous.headers.get_list("www-authenticate")[0]


def test_public_users_get_desensitised_data(env) -> None:
    _ws, c, t = env
    pub = c.get("/collections/hazard_point_2023/items").json()["features"]
    assert pub and all("WXRK" not in f["properties"] and "WXCC" not in f["properties"]
                       for f in pub)
    lon, lat = pub[0]["geometry"]["coordinates"]
    assert round(lon, 2) == lon and round(lat, 2) == lat
    staff = c.get("/collections/hazard_point_2023/items", headers=t["admin"]).json()["features"]
    assert staff[0]["properties"]["WXRK"] == 120
    assert c.get("/collections/hazard_point_2023/items",
                 params={"filter": "WXRK > 100"}).status_code == 400  # no probing hidden fields
    q = c.get("/collections/hazard_point_2023/queryables").json()
    assert "WXRK" not in q["properties"]


def test_exports_search_and_regions_stay_inside_scope(env) -> None:
    ws, c, t = env
    assert c.get("/exports/dltb_2020").status_code == 401  # anonymous
    r = c.get("/exports/dltb_2020?f=geojson", headers=t["qingshanhu"])
    assert r.status_code == 200
    counties = {f["properties"]["county"] for f in r.json()["features"]}
    assert counties == {"360111"}
    assert ws.audit_log(5, action="layer.export")[0].actor == "qingshanhu"
    hits = c.get(f"/search?q={OTHER}", headers=t["qingshanhu"]).json()
    assert hits == []
    assert c.get(f"/search?q={OTHER}", headers=t["admin"]).json()
    regions = c.get("/regions", headers=t["nanchang"]).json()
    assert [r["code"] for r in regions] == ["360111", "360121"]


def test_admin_routes_need_admin(env) -> None:
    ws, c, t = env
    assert c.get("/admin/users", headers=t["nanchang"]).status_code == 403
    assert c.get("/admin/audit", headers=t["qingshanhu"]).status_code == 403
    new = {"username": "x1", "password": "pw-xx-long-enough", "role": "provincial_admin"}
    assert c.post("/admin/users", json=new, headers=t["nanchang"]).status_code == 403
    assert c.put("/admin/layers/dltb_2020/access", json={"classification": "public"},
                 headers=t["nanchang"]).status_code == 403
    assert c.get("/admin/users", headers=t["admin"]).status_code == 200
    r = c.post("/admin/users", json={**new, "role": "readonly", "regions": ["360121"]},
               headers=t["admin"])
    assert r.status_code == 201
    assert ws.audit_log(5, action="user.create")[0].actor == "admin"


def _site(county: str) -> dict[str, object]:
    x, y = COUNTIES[county]
    ring = [[x + 0.01, y + 0.01], [x + 0.03, y + 0.01], [x + 0.03, y + 0.03],
            [x + 0.01, y + 0.03], [x + 0.01, y + 0.01]]
    return {"type": "Polygon", "coordinates": [ring]}


def test_statistics_stay_inside_scope(env) -> None:
    _ws, c, t = env
    rows = c.get("/stats?level=county", headers=t["qingshanhu"]).json()
    assert {r["admin_code"] for r in rows} == {"360111"}
    assert c.get(f"/stats?level=county&county={OTHER}",
                 headers=t["qingshanhu"]).status_code == 403
    csv = c.get("/stats/export?format=csv", headers=t["qingshanhu"]).text
    assert OTHER not in csv and "360111" in csv


def test_reviews_stay_inside_scope(env) -> None:
    _ws, c, t = env
    geo = {"Content-Type": "application/geo+json"}
    assert c.post("/reviews", json=_site(OTHER),
                  headers={**t["qingshanhu"], **geo}).status_code == 403
    mine = c.post("/reviews", json=_site("360111"), headers={**t["qingshanhu"], **geo})
    assert mine.status_code == 201
    theirs = c.post("/reviews", json=_site(OTHER), headers={**t["admin"], **geo}).json()
    rid = theirs["review_id"]
    for path in (f"/reviews/{rid}", f"/reviews/{rid}/report.pdf", f"/reviews/{rid}/report.html"):
        assert c.get(path, headers=t["qingshanhu"]).status_code == 403, path
    listed = c.get("/reviews", headers=t["qingshanhu"]).json()
    assert rid not in {r.get("review_id") for r in listed}


def test_imports_cannot_write_another_county(env) -> None:
    ws, c, t = env
    frame = dltb_frame(per_side=1)
    other = frame[frame["ZLDWDM"].str.startswith(OTHER)]
    files = {"file": ("other.geojson", other.to_json().encode(), "application/geo+json")}
    before = ws.layer("dltb", 2020).revision
    r = c.post("/imports?kind=dltb&vintage=2020", files=files, headers=t["qingshanhu"])
    assert r.status_code == 403, r.text
    assert c.post("/imports?kind=dltb&vintage=2020", files=files,
                  headers=t["viewer121"]).status_code == 403  # read-only role
    assert ws.layer("dltb", 2020).revision == before
