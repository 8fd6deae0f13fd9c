"""Every route of the app, probed as an attacker: anonymous, a county user of the other county,
a read-only user, a county-limited admin (issue 12's attack suite).

The routes are enumerated from FastAPI itself: a route without an entry in ``PROBES`` fails
:func:`test_every_route_has_a_probe`, so a new capability cannot add a route without saying
who may call it. Each probe names what the route is (``public``, ``read`` of an object of the
other county, ``list`` that must not leak the other county, ``write`` that must be refused,
``province`` objects only a root-region admin reaches, ``self`` for one's own session) and is
checked for each attacker; every refused call must also leave the catalog and the workspace's
files unchanged (the audit log aside, which records the refusal).

World: two counties (360111 青山湖区, 360121 南昌县) with two DLTB vintages and control lines;
the province admin detected changes, issued cases, attached a photo, reviewed a site and ran
QC in 360121. The attackers belong to 360111.
"""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import morecantile
import pytest
import shapely

from onemap.api.app import create_app
from onemap.api.deps import ApiSettings
from onemap.ledgers.service import post_batch
from onemap.store.workspace import Workspace
from onemap.users.identity import Identity
from onemap.users.models import UserCreate
from onemap.users.service import UserService

from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from starlette.routing import Route

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from route_probes import (
    MINE,
    OTHER,
    OTHER_NAME,
    PASSWORD,
    PNG,
    REFUSED,
    SITE,
    USERS,
    Probe,
    World,
    extent_beyond_mine,
    features_of_other,
    json_has,
    ok,
    pdf_has,
    probe,
    snapshot,
    tile_has_features,
    xlsx_has,
)

from change_world import write_world

if TYPE_CHECKING:
    from collections.abc import Iterator

# -- the world -------------------------------------------------------------------------------
def _admin_counties() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"XZQDM": [MINE, OTHER], "XZQMC": ["青山湖区", OTHER_NAME]},
                            geometry=[shapely.box(115.90, 28.60, 115.95, 28.64),
                                      shapely.box(115.95, 28.60, 116.00, 28.64)], crs=4490)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    ws = Workspace.create(tmp_path_factory.mktemp("routes") / "ws")
    write_world(ws)
    ws.write_layer("admin_county", None, _admin_counties())
    users = UserService(ws)
    headers: dict[str, dict[str, str]] = {"anonymous": {}}
    tokens = {}
    for name, (role, regions) in USERS.items():
        users.add_user(UserCreate(username=name, password=PASSWORD, role=role, regions=regions))
        tokens[name] = users.create_token(name)
        headers[name] = {"Authorization": f"Bearer {tokens[name].token}"}
    w = World(ws, TestClient(create_app(ApiSettings(workspace=ws.root), ws)), headers,
              {"token": tokens["prov"].id})
    _seed(w)
    for module in CAPABILITY_PROBES:
        if hasattr(module, "seed"):
            module.seed(w)
    yield w
    ws.close()


def _seed(w: World) -> None:
    """What the province admin did before the attackers came."""
    c, h = w.client, w.headers["prov"]
    batch = ok(c.post("/change/batches", json={"from_year": 2019, "to_year": 2020}, headers=h))
    ok(c.post("/cases/open", json={"batch_id": batch["id"]}, headers=h))
    case = ok(c.get(f"/cases?county={OTHER}", headers=h))[0]
    att = ok(c.post(f"/cases/{case['id']}/attachments", headers=h,
                     files={"file": ("photo.png", PNG, "image/png")}))
    review = ok(c.post("/reviews", json=json.loads(shapely.to_geojson(SITE)), headers=h))
    run = ok(c.post(f"/qc/runs?kind=dltb&vintage=2020&county={OTHER}", headers=h))
    ok(c.get("/indicators", headers=h))
    ind = ok(c.get("/indicators", headers=h))[0]
    entry = ok(c.post("/ledgers/entries", headers=h, json={
        "county": OTHER, "year": 2020, "direction": "in", "area_m2": 1000.0}))
    # the admin posted the attackers' county only: what is left to post is the other one's
    post_batch(w.ws, Identity(w.ws).for_username("prov"), batch["id"], counties=[MINE])
    x, y = 115.985, 28.62  # a z14 tile wholly inside 360121
    tile = morecantile.tms.get("WebMercatorQuad").tile(x, y, 14)
    bounds = morecantile.tms.get("WebMercatorQuad").bounds(tile)
    assert bounds.left > 115.95  # the precondition of the tile probes
    w.ids.update(batch=batch["id"], case=case["id"], attachment=att["id"],
                 review=review["review_id"], run=run["run"]["id"], indicator=ind["id"],
                 entry=entry["id"], z=14, ty=tile.y, tx=tile.x,
                 feature=f"{OTHER}-0", admin_feature=f"{OTHER}-0")


COL = "/collections/dltb_2020"
TILE = COL + "/tiles/WebMercatorQuad/{z}/{ty}/{tx}"
ENTRY = {"county": OTHER, "year": 2020, "direction": "out", "area_m2": 500.0}
PROBES: dict[tuple[str, str], Probe] = dict([
    probe("GET", "/", "public"),
    probe("GET", "/conformance", "public"),
    probe("GET", "/api", "public"),
    probe("GET", "/api.html", "public"),
    probe("GET", "/docs/oauth2-redirect", "public"),
    probe("GET", "/map", "public"),
    probe("GET", "/map/", "public"),
    probe("GET", "/static/index.html", "public", template="/static/{path:path}"),
    probe("GET", "/styles/landuse.json", "public"),
    probe("GET", "/tileMatrixSets", "public"),
    probe("GET", "/tileMatrixSets/WebMercatorQuad", "public"),
    probe("POST", "/auth/login", "self"),
    probe("POST", "/auth/logout", "self"),
    probe("GET", "/auth/me", "self"),
    probe("POST", "/auth/tokens", "self"),
    probe("GET", "/auth/tokens", "self"),
    probe("DELETE", "/auth/tokens/{token}", "write"),  # the province admin's token
    # administration: the province's objects
    probe("GET", "/admin/users", "list", leak=json_has('"prov"')),
    probe("POST", "/admin/users", "province",
       json={"username": "intruder", "password": "intruder-password", "role": "provincial_admin",
             "regions": ["360000"]}),
    probe("GET", "/admin/audit", "province"),
    probe("PUT", "/admin/layers/dltb_2020/access", "province", json={"classification": "public"}),
    # layers, OGC Features and Tiles
    probe("GET", "/layers", "list"),
    probe("GET", "/regions", "list", leak=json_has(OTHER), public_layer=True),
    probe("GET", f"/search?q={OTHER}", "list", leak=json_has(f'"{OTHER}-'), public_layer=True),
    probe("GET", "/exports/dltb_2020?f=geojson", "list", leak=features_of_other),
    probe("GET", "/collections", "list"),
    probe("GET", COL, "list", leak=extent_beyond_mine),
    probe("GET", COL + "/queryables", "list"),
    probe("GET", COL + "/items?limit=10000", "list", leak=features_of_other),
    probe("GET", COL + "/items/{feature}", "read"),
    probe("GET", COL + "/tiles", "list"),
    probe("GET", COL + "/tiles/WebMercatorQuad", "list"),
    probe("GET", COL + "/tiles/WebMercatorQuad/tilejson.json", "list"),
    probe("GET", COL + "/styles", "list"),
    probe("GET", COL + "/styles/default?f=qml", "list",
          template="/collections/{collection_id}/styles/{style_id}"),
    probe("GET", TILE, "list", leak=tile_has_features),
    # site review
    probe("POST", "/reviews", "write", json=json.loads(shapely.to_geojson(SITE))),
    probe("GET", "/reviews", "list", leak=json_has("{review}")),
    probe("GET", "/reviews/{review}", "read"),
    probe("GET", "/reviews/{review}/report.pdf", "read"),
    probe("GET", "/reviews/{review}/report.html", "read"),
    # files and imports
    probe("POST", "/files/area", "self"),
    probe("POST", "/imports?kind=pbf&vintage=2020", "write", files={"file": (
        "pbf.geojson", json.dumps({"type": "FeatureCollection", "features": [{
            "type": "Feature", "properties": {"XZQDM": OTHER + "001"},
            "geometry": json.loads(shapely.to_geojson(SITE))}]}).encode(),
        "application/geo+json")}),
    # statistics and QC
    probe("GET", "/stats?vintage=2020", "list", leak=json_has(f'"admin_code":"{OTHER}')),
    probe("GET", "/stats/export?vintage=2020&format=csv", "list", leak=json_has(OTHER)),
    probe("GET", "/qc/runs", "list", leak=json_has(f'"id":{"{run}"}')),
    probe("POST", f"/qc/runs?kind=dltb&vintage=2020&county={OTHER}", "write"),
    probe("GET", "/qc/runs/{run}", "read"),
    probe("GET", "/qc/runs/{run}/report.html", "read"),
    probe("GET", "/qc/runs/{run}/report.xlsx", "read"),
    # indicators
    probe("GET", "/indicators", "list"),
    probe("GET", "/indicators/evaluations?year=2020", "list", leak=json_has(f'"{OTHER}"')),
    probe("GET", "/indicators/values", "list", leak=json_has(f'"{OTHER}"')),
    probe("PUT", "/indicators/values", "write",
       json={"id": "gdp", "region": OTHER, "year": 2020, "value": 1.0}),
    probe("PUT", "/indicators/quotas", "write",
       json={"id": "{indicator}", "region": OTHER, "value": 1.0}),
    probe("POST", "/indicators/import", "write", files={"file": (
        "s.csv", f"id,region,year,value\ngdp,{OTHER},2020,1\n".encode(), "text/csv")}),
    probe("GET", "/indicators/report.pdf?year=2020", "list", leak=pdf_has(OTHER_NAME)),
    probe("GET", "/indicators/report.html?year=2020", "list", leak=json_has(OTHER_NAME)),
    probe("GET", "/indicators/dashboard?year=2020", "list", leak=json_has(OTHER_NAME)),
    probe("GET", "/indicators/values.xlsx?year=2020", "list", leak=xlsx_has(OTHER)),
    probe("GET", "/indicators/{indicator}", "list"),
    probe("PATCH", "/indicators/{indicator}", "province", json={"target_value": 1.0}),
    # change detection
    probe("GET", "/change/batches", "list"),
    probe("POST", "/change/batches", "write",
       json={"from_year": 2019, "to_year": 2020, "counties": [OTHER]}),
    probe("GET", "/change/batches/{batch}", "list", leak=json_has(f'"{OTHER}"')),
    probe("GET", "/change/batches/{batch}/patches", "list", leak=json_has(f'"{OTHER}"')),
    probe("GET", "/change/batches/{batch}/matrix", "list", leak=json_has(f'"{OTHER}"')),
    probe("GET", "/change/batches/{batch}/matrix.xlsx", "list", leak=xlsx_has(OTHER)),
    # cases
    probe("GET", "/cases", "list", leak=json_has(f'"county":"{OTHER}"')),
    probe("POST", "/cases/open", "write", json=lambda ids: {"batch_id": ids["batch"]}),
    probe("GET", "/cases/warnings?on=2030-01-01", "list", leak=json_has(f'"county":"{OTHER}"')),
    probe("GET", "/cases/export.xlsx", "list", leak=xlsx_has(OTHER)),
    probe("GET", "/cases/attachments/{attachment}", "read"),
    probe("GET", "/cases/{case}", "read"),
    probe("POST", "/cases/{case}/transitions", "write", json={"action": "comment",
                                                          "comment": "probe"}),
    probe("POST", "/cases/{case}/attachments", "write",
       files={"file": ("p.png", PNG, "image/png")}),
    probe("GET", "/cases/{case}/sheet", "read"),
    probe("GET", "/cases/{case}/sheet.pdf", "read"),
    # ledgers
    probe("GET", "/ledgers/balance", "list", leak=json_has(f'"county":"{OTHER}"')),
    probe("GET", "/ledgers/balance.xlsx", "list", leak=xlsx_has(OTHER)),
    probe("GET", "/ledgers/entries", "list", leak=json_has(f'"county":"{OTHER}"')),
    probe("POST", "/ledgers/entries", "write", json=ENTRY),
    probe("POST", "/ledgers/post/{batch}", "write"),
])


CAPABILITY_PROBES = [importlib.import_module(p.stem) for p in
                     sorted(Path(__file__).parent.glob("probes_*.py"))]
for _module in CAPABILITY_PROBES:
    PROBES.update(_module.PROBES)


def app_routes(app: Any) -> list[tuple[str, str]]:
    """(method, path) of every route FastAPI serves, included routers expanded."""

    def walk(routes: list[Any]) -> Iterator[tuple[str, str]]:
        for r in routes:
            inner = getattr(r, "original_router", None)
            if inner is not None:
                yield from walk(inner.routes)
            elif isinstance(r, APIRoute | Route):
                for m in sorted(r.methods or ()):
                    if m != "HEAD":
                        yield m, r.path

    return sorted(set(walk(app.routes)))


def test_every_route_has_a_probe(world: World) -> None:
    routes = app_routes(world.client.app)
    missing = [f"{m} {p}" for m, p in routes if (m, p) not in PROBES]
    assert not missing, "routes without a security probe:\n" + "\n".join(missing)
    stale = [f"{m} {p}" for m, p in PROBES if (m, p) not in routes]
    assert not stale, "probes of routes that no longer exist:\n" + "\n".join(stale)
    assert len(routes) >= 70


def _ids(kind: str) -> list[str]:
    return [f"{m} {p}" for (m, p), probe in PROBES.items() if probe.kind == kind]


def _probe(key: str) -> Probe:
    method, path = key.split(" ", 1)
    return PROBES[(method, path)]


@pytest.mark.parametrize("key", _ids("public"))
def test_public_routes_answer_anonymous_users(world: World, key: str) -> None:
    assert world.call("anonymous", _probe(key)).status_code < 400


def test_static_assets_stay_in_their_folder(world: World) -> None:
    for path in ("/static/../../store/workspace.py", "/static/%2e%2e/%2e%2e/errors.py",
                 "/static/..%2f..%2fonemap.toml"):
        assert world.client.get(path).status_code == 404


@pytest.mark.parametrize("who", ["anonymous", "west", "viewer", "inspector", "cadmin"])
@pytest.mark.parametrize("key", _ids("read"))
def test_objects_of_the_other_county_are_refused(world: World, key: str, who: str) -> None:
    before = snapshot(world.ws)
    resp = world.call(who, _probe(key))
    assert resp.status_code in REFUSED, (who, key, resp.status_code, resp.text[:300])
    assert snapshot(world.ws) == before


@pytest.mark.parametrize("who", ["anonymous", "west", "viewer", "inspector", "cadmin"])
@pytest.mark.parametrize("key", _ids("list"))
def test_lists_never_show_the_other_county(world: World, key: str, who: str) -> None:
    probe = _probe(key)
    before = snapshot(world.ws)
    resp = world.call(who, probe)
    if resp.status_code not in REFUSED:
        assert resp.status_code == 200, (who, key, resp.status_code, resp.text[:300])
        leaks = probe.leak is not None and probe.leak(resp)
        assert not leaks or (who == "anonymous" and probe.public_layer), (who, key, OTHER)
    assert snapshot(world.ws) == before
    if who == "anonymous" and probe.leak is not None and not probe.public_layer:
        assert resp.status_code in REFUSED or not probe.leak(resp)


@pytest.mark.parametrize("who", ["anonymous", "west", "viewer", "inspector", "cadmin"])
@pytest.mark.parametrize("key", _ids("write"))
def test_writes_for_the_other_county_are_refused(world: World, key: str, who: str) -> None:
    """Refused (401/403/404/409), or a no-op for the caller's own county: never a change."""
    before = snapshot(world.ws)
    resp = world.call(who, _probe(key))
    assert resp.status_code in (*REFUSED, 409) or (
        who in ("west", "cadmin", "inspector") and resp.status_code < 300
    ), (who, key, resp.status_code, resp.text[:300])
    assert snapshot(world.ws) == before, (who, key, resp.status_code, resp.text[:300])


@pytest.mark.parametrize("who", ["anonymous", "west", "viewer", "inspector", "cadmin"])
@pytest.mark.parametrize("key", _ids("province"))
def test_province_objects_need_a_root_region_admin(world: World, key: str, who: str) -> None:
    before = snapshot(world.ws)
    resp = world.call(who, _probe(key))
    assert resp.status_code in REFUSED, (who, key, resp.status_code, resp.text[:300])
    assert snapshot(world.ws) == before


def test_refusals_are_audited(world: World) -> None:
    world.call("west", _probe("GET /cases/{case_id}"))
    denied = world.ws.audit_log(5, action="access.denied")
    assert denied and denied[0].actor == "west" and denied[0].detail["region"] == OTHER


@pytest.mark.parametrize("key", _ids("self"))
def test_self_routes_act_only_for_the_caller(world: World, key: str) -> None:
    c = world.client
    if key == "POST /auth/tokens":
        assert c.post("/auth/tokens", json={"name": "x"}).status_code in REFUSED
    elif key == "GET /auth/tokens":
        mine = c.get("/auth/tokens", headers=world.headers["west"]).json()
        assert mine and all(t["username"] == "west" for t in mine) and "token" not in mine[0]
        assert c.get("/auth/tokens").status_code in REFUSED
    elif key == "GET /auth/me":
        me = c.get("/auth/me", headers=world.headers["west"]).json()
        assert me["username"] == "west" and me["regions"] == [MINE]
        assert c.get("/auth/me").json()["authenticated"] is False
    elif key == "POST /auth/login":
        r = c.post("/auth/login", json={"username": "prov", "password": "wrong-password!"})
        assert r.status_code in (401, 429)
    elif key == "POST /auth/logout":
        assert c.post("/auth/logout").json()["authenticated"] is False
    elif key == "POST /files/area":  # measures the caller's own file, stores nothing
        before = snapshot(world.ws)
        r = c.post("/files/area", files={"file": ("s.geojson", shapely.to_geojson(SITE).encode(),
                                                 "application/geo+json")})
        assert r.status_code in (200, *REFUSED) and snapshot(world.ws) == before
    else:
        pytest.fail(f"no check for self route {key}")
