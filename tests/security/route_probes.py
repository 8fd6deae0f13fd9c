"""Shared parts of the route attack suite: the attackers, probes, leak detectors, snapshots.

A capability that adds routes adds ``tests/security/probes_<name>.py`` with ``PROBES`` (made
with :func:`probe`) and, if its probes need objects of the other county, ``seed(world)``
(called after the core seed, as the province admin); ``test_routes.py`` collects them.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import mapbox_vector_tile
import shapely
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import inspect, text

from onemap.store.access import Role

if TYPE_CHECKING:
    from collections.abc import Callable

    from onemap.store.workspace import Workspace

    from fastapi.testclient import TestClient

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


# -- the world --------------------------------------------------------------------------------
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


def ok(resp: Any) -> Any:
    assert resp.status_code < 400, resp.text
    return resp.json()


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
def json_has(value: str) -> Callable[[Any], bool]:
    return lambda r: value in r.text


def features_of_other(r: Any) -> bool:
    return any(f["properties"].get("county") == OTHER for f in r.json().get("features", []))


def xlsx_has(value: str) -> Callable[[Any], bool]:
    def check(r: Any) -> bool:
        book = load_workbook(io.BytesIO(r.content), read_only=True)
        return any(value in str(cell) for sheet in book.worksheets
                   for row in sheet.iter_rows(values_only=True) for cell in row
                   if cell is not None)
    return check


def pdf_has(value: str) -> Callable[[Any], bool]:
    return lambda r: any(value in (page.extract_text() or "")
                         for page in PdfReader(io.BytesIO(r.content)).pages)


def tile_has_features(r: Any) -> bool:
    return r.status_code == 200 and any(layer["features"] for layer in
                                        mapbox_vector_tile.decode(r.content).values())


def extent_beyond_mine(r: Any) -> bool:
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


def probe(method: str, path: str, kind: str, *, template: str = "",
          **kw: Any) -> tuple[tuple[str, str], Probe]:
    if template:
        return (method, template), Probe(method, path, kind, **kw)
    template = path.split("?", maxsplit=1)[0].replace("/dltb_2020", "/{collection_id}")
    template = template.replace("/{collection_id}/items", "/{collectionId}/items")  # OGC name
    template = template.replace("/WebMercatorQuad", "/{tms_id}")
    for key, name in (("{token}", "{token_id}"), ("{batch}", "{batch_id}"), ("{case}", "{case_id}"),
                      ("{attachment}", "{attachment_id}"), ("{review}", "{review_id}"),
                      ("{run}", "{run_id}"), ("{indicator}", "{indicator_id}"),
                      ("{feature}", "{feature_id}"), ("{z}", "{z}"), ("{ty}", "{y}"),
                      ("{tx}", "{x}")):
        template = template.replace(key, name)
    return (method, template), Probe(method, path, kind, **kw)
