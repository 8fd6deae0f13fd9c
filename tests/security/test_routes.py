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

import hashlib
import io
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import mapbox_vector_tile
import morecantile
import pytest
import shapely
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import inspect, text

from onemap.api.app import create_app
from onemap.api.deps import ApiSettings
from onemap.ledgers.service import post_batch
from onemap.store.access import Role
from onemap.store.workspace import Workspace
from onemap.users.identity import Identity
from onemap.users.models import UserCreate
from onemap.users.service import UserService

from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from starlette.routing import Route

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from change_world import write_world

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

OTHER, MINE = "360121", "360111"
OTHER_NAME = "南昌县"
PASSWORD = "route-probe-password"
USERS = {
    "prov": (Role.ADMIN, ["360000"]),
    "west": (Role.ANALYST, [MINE]),  # the attacker: an analyst of the other county
    "viewer": (Role.READONLY, [MINE]),
    "inspector": (Role.INSPECTOR, [MINE]),
    "cadmin": (Role.ADMIN, [MINE]),  # an admin limited to one county
}
REFUSED = (401, 403, 404)
UNCHANGED_TABLES_SKIP = {"audit_log", "audit_head"}  # refusals are audited: that is the point
SITE = shapely.box(115.962, 28.604, 115.968, 28.609)  # inside 360121
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00"
       b"\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xcf\xc0\x00\x00\x03\x01\x01\x00"
       b"\xc9\xfe\x92\xef\x00\x00\x00\x00IEND\xaeB`\x82")


# -- the world -------------------------------------------------------------------------------
@dataclass
class World:
    ws: Workspace
    client: TestClient
    headers: dict[str, dict[str, str]]
    ids: dict[str, Any] = field(default_factory=dict)

    def call(self, who: str, probe: Probe) -> Any:
        path = probe.path.format(**self.ids)
        kwargs: dict[str, Any] = {"headers": self.headers.get(who, {})}
        if probe.json is not None:
            kwargs["json"] = probe.json(self.ids) if callable(probe.json) else probe.json
        if probe.files is not None:
            kwargs["files"] = probe.files
        return self.client.request(probe.method, path, **kwargs)


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
    yield w
    ws.close()


def _ok(resp: Any) -> Any:
    assert resp.status_code < 400, resp.text
    return resp.json()


def _seed(w: World) -> None:
    """What the province admin did before the attackers came."""
    c, h = w.client, w.headers["prov"]
    batch = _ok(c.post("/change/batches", json={"from_year": 2019, "to_year": 2020}, headers=h))
    _ok(c.post("/cases/open", json={"batch_id": batch["id"]}, headers=h))
    case = _ok(c.get(f"/cases?county={OTHER}", headers=h))[0]
    att = _ok(c.post(f"/cases/{case['id']}/attachments", headers=h,
                     files={"file": ("photo.png", PNG, "image/png")}))
    review = _ok(c.post("/reviews", json=json.loads(shapely.to_geojson(SITE)), headers=h))
    run = _ok(c.post(f"/qc/runs?kind=dltb&vintage=2020&county={OTHER}", headers=h))
    _ok(c.get("/indicators", headers=h))
    ind = _ok(c.get("/indicators", headers=h))[0]
    entry = _ok(c.post("/ledgers/entries", headers=h, json={
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


def snapshot(ws: Workspace) -> str:
    """A digest of every catalog row (but the audit and session tables) and every file."""
    h = hashlib.sha256()
    with ws.engine.connect() as con:
        for table in sorted(inspect(con).get_table_names()):
            if table in UNCHANGED_TABLES_SKIP:
                continue
            rows = con.execute(text(f'SELECT * FROM "{table}"')).all()
            h.update(table.encode())
            for row in sorted(repr(tuple(r)) for r in rows):
                h.update(row.encode())
    for p in sorted(ws.root.rglob("*")):
        if p.is_file() and p.suffix not in (".sqlite", ".sqlite-wal", ".sqlite-shm"):
            h.update(f"{p.relative_to(ws.root)}:{p.stat().st_size}".encode())
    return h.hexdigest()


# -- leak detectors ----------------------------------------------------------------------------
def _json_has(value: str) -> Callable[[Any], bool]:
    return lambda r: value in r.text


def _features_of_other(r: Any) -> bool:
    return any(f["properties"].get("county") == OTHER for f in r.json().get("features", []))


def _xlsx_has(value: str) -> Callable[[Any], bool]:
    def check(r: Any) -> bool:
        book = load_workbook(io.BytesIO(r.content), read_only=True)
        return any(value in str(cell) for sheet in book.worksheets
                   for row in sheet.iter_rows(values_only=True) for cell in row
                   if cell is not None)
    return check


def _pdf_has(value: str) -> Callable[[Any], bool]:
    return lambda r: any(value in (page.extract_text() or "")
                         for page in PdfReader(io.BytesIO(r.content)).pages)


def _tile_has_features(r: Any) -> bool:
    return r.status_code == 200 and any(layer["features"] for layer in
                                        mapbox_vector_tile.decode(r.content).values())


def _extent_beyond_mine(r: Any) -> bool:
    bbox = (r.json().get("extent") or {}).get("spatial", {}).get("bbox") or [[0, 0, 0, 0]]
    return bbox[0][2] > 115.9501


# -- the probes --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Probe:
    """How to call one route and what it is."""

    method: str
    path: str
    kind: str  # public | read | list | write | province | self
    json: Any = None
    files: Any = None
    leak: Callable[[Any], bool] | None = None  # for lists: does the response show OTHER's data?
    public_layer: bool = False  # the data leaked to anonymous users is a public layer's


def _p(method: str, path: str, kind: str, *, template: str = "",
       **kw: Any) -> tuple[tuple[str, str], Probe]:
    if template:
        return (method, template), Probe(method, path, kind, **kw)
    template = path.split("?", maxsplit=1)[0].replace("/dltb_2020", "/{collection_id}")
    template = template.replace("/WebMercatorQuad", "/{tms_id}")
    for key, name in (("{token}", "{token_id}"), ("{batch}", "{batch_id}"), ("{case}", "{case_id}"),
                      ("{attachment}", "{attachment_id}"), ("{review}", "{review_id}"),
                      ("{run}", "{run_id}"), ("{indicator}", "{indicator_id}"),
                      ("{feature}", "{feature_id}"), ("{z}", "{z}"), ("{ty}", "{y}"),
                      ("{tx}", "{x}")):
        template = template.replace(key, name)
    return (method, template), Probe(method, path, kind, **kw)


COL = "/collections/dltb_2020"
TILE = COL + "/tiles/WebMercatorQuad/{z}/{ty}/{tx}"
ENTRY = {"county": OTHER, "year": 2020, "direction": "out", "area_m2": 500.0}
PROBES: dict[tuple[str, str], Probe] = dict([
    _p("GET", "/", "public"),
    _p("GET", "/conformance", "public"),
    _p("GET", "/api", "public"),
    _p("GET", "/api.html", "public"),
    _p("GET", "/docs/oauth2-redirect", "public"),
    _p("GET", "/map", "public"),
    _p("GET", "/map/", "public"),
    _p("GET", "/static/index.html", "public", template="/static/{path:path}"),
    _p("GET", "/styles/landuse.json", "public"),
    _p("GET", "/tileMatrixSets", "public"),
    _p("GET", "/tileMatrixSets/WebMercatorQuad", "public"),
    _p("POST", "/auth/login", "self"),
    _p("POST", "/auth/logout", "self"),
    _p("GET", "/auth/me", "self"),
    _p("POST", "/auth/tokens", "self"),
    _p("GET", "/auth/tokens", "self"),
    _p("DELETE", "/auth/tokens/{token}", "write"),  # the province admin's token
    # administration: the province's objects
    _p("GET", "/admin/users", "list", leak=_json_has('"prov"')),
    _p("POST", "/admin/users", "province",
       json={"username": "intruder", "password": "intruder-password", "role": "provincial_admin",
             "regions": ["360000"]}),
    _p("GET", "/admin/audit", "province"),
    _p("PUT", "/admin/layers/dltb_2020/access", "province", json={"classification": "public"}),
    # layers, OGC Features and Tiles
    _p("GET", "/layers", "list"),
    _p("GET", "/regions", "list", leak=_json_has(OTHER), public_layer=True),
    _p("GET", f"/search?q={OTHER}", "list", leak=_json_has(f'"{OTHER}-'), public_layer=True),
    _p("GET", "/exports/dltb_2020?f=geojson", "list", leak=_features_of_other),
    _p("GET", "/collections", "list"),
    _p("GET", COL, "list", leak=_extent_beyond_mine),
    _p("GET", COL + "/queryables", "list"),
    _p("GET", COL + "/items?limit=10000", "list", leak=_features_of_other),
    _p("GET", COL + "/items/{feature}", "read"),
    _p("GET", COL + "/tiles", "list"),
    _p("GET", COL + "/tiles/WebMercatorQuad", "list"),
    _p("GET", COL + "/tiles/WebMercatorQuad/tilejson.json", "list"),
    _p("GET", TILE, "list", leak=_tile_has_features),
    # site review
    _p("POST", "/reviews", "write", json=json.loads(shapely.to_geojson(SITE))),
    _p("GET", "/reviews", "list", leak=_json_has("{review}")),
    _p("GET", "/reviews/{review}", "read"),
    _p("GET", "/reviews/{review}/report.pdf", "read"),
    _p("GET", "/reviews/{review}/report.html", "read"),
    # files and imports
    _p("POST", "/files/area", "self"),
    _p("POST", "/imports?kind=pbf&vintage=2020", "write", files={"file": (
        "pbf.geojson", json.dumps({"type": "FeatureCollection", "features": [{
            "type": "Feature", "properties": {"XZQDM": OTHER + "001"},
            "geometry": json.loads(shapely.to_geojson(SITE))}]}).encode(),
        "application/geo+json")}),
    # statistics and QC
    _p("GET", "/stats?vintage=2020", "list", leak=_json_has(f'"admin_code":"{OTHER}')),
    _p("GET", "/stats/export?vintage=2020&format=csv", "list", leak=_json_has(OTHER)),
    _p("GET", "/qc/runs", "list", leak=_json_has(f'"id":{"{run}"}')),
    _p("POST", f"/qc/runs?kind=dltb&vintage=2020&county={OTHER}", "write"),
    _p("GET", "/qc/runs/{run}", "read"),
    _p("GET", "/qc/runs/{run}/report.html", "read"),
    _p("GET", "/qc/runs/{run}/report.xlsx", "read"),
    # indicators
    _p("GET", "/indicators", "list"),
    _p("GET", "/indicators/evaluations?year=2020", "list", leak=_json_has(f'"{OTHER}"')),
    _p("GET", "/indicators/values", "list", leak=_json_has(f'"{OTHER}"')),
    _p("PUT", "/indicators/values", "write",
       json={"id": "gdp", "region": OTHER, "year": 2020, "value": 1.0}),
    _p("PUT", "/indicators/quotas", "write",
       json={"id": "{indicator}", "region": OTHER, "value": 1.0}),
    _p("POST", "/indicators/import", "write", files={"file": (
        "s.csv", f"id,region,year,value\ngdp,{OTHER},2020,1\n".encode(), "text/csv")}),
    _p("GET", "/indicators/report.pdf?year=2020", "list", leak=_pdf_has(OTHER_NAME)),
    _p("GET", "/indicators/report.html?year=2020", "list", leak=_json_has(OTHER_NAME)),
    _p("GET", "/indicators/dashboard?year=2020", "list", leak=_json_has(OTHER_NAME)),
    _p("GET", "/indicators/values.xlsx?year=2020", "list", leak=_xlsx_has(OTHER)),
    _p("GET", "/indicators/{indicator}", "list"),
    _p("PATCH", "/indicators/{indicator}", "province", json={"target_value": 1.0}),
    # change detection
    _p("GET", "/change/batches", "list"),
    _p("POST", "/change/batches", "write",
       json={"from_year": 2019, "to_year": 2020, "counties": [OTHER]}),
    _p("GET", "/change/batches/{batch}", "list", leak=_json_has(f'"{OTHER}"')),
    _p("GET", "/change/batches/{batch}/patches", "list", leak=_json_has(f'"{OTHER}"')),
    _p("GET", "/change/batches/{batch}/matrix", "list", leak=_json_has(f'"{OTHER}"')),
    _p("GET", "/change/batches/{batch}/matrix.xlsx", "list", leak=_xlsx_has(OTHER)),
    # cases
    _p("GET", "/cases", "list", leak=_json_has(f'"county":"{OTHER}"')),
    _p("POST", "/cases/open", "write", json=lambda ids: {"batch_id": ids["batch"]}),
    _p("GET", "/cases/warnings?on=2030-01-01", "list", leak=_json_has(f'"county":"{OTHER}"')),
    _p("GET", "/cases/export.xlsx", "list", leak=_xlsx_has(OTHER)),
    _p("GET", "/cases/attachments/{attachment}", "read"),
    _p("GET", "/cases/{case}", "read"),
    _p("POST", "/cases/{case}/transitions", "write", json={"action": "comment",
                                                          "comment": "probe"}),
    _p("POST", "/cases/{case}/attachments", "write",
       files={"file": ("p.png", PNG, "image/png")}),
    _p("GET", "/cases/{case}/sheet", "read"),
    _p("GET", "/cases/{case}/sheet.pdf", "read"),
    # ledgers
    _p("GET", "/ledgers/balance", "list", leak=_json_has(f'"county":"{OTHER}"')),
    _p("GET", "/ledgers/balance.xlsx", "list", leak=_xlsx_has(OTHER)),
    _p("GET", "/ledgers/entries", "list", leak=_json_has(f'"county":"{OTHER}"')),
    _p("POST", "/ledgers/entries", "write", json=ENTRY),
    _p("POST", "/ledgers/post/{batch}", "write"),
])


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
