"""Disk tier of low-zoom tiles (seeding): byte-equal to a render, never stale, scopes apart."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import mapbox_vector_tile
import pytest

from onemap.api.app import create_app
from onemap.api.deps import ApiSettings
from onemap.api.ogc.tiles import TileAddress, get_tms, render_tile
from onemap.api.ogc.tilestore import DiskTiles, _digest, workspace_tiles
from onemap.cli.main import main
from onemap.store.access import Actor, Role
from onemap.store.reader import WorkspaceReader

from fastapi.testclient import TestClient

sys.path.insert(0, str(Path(__file__).resolve().parent))
from api_helpers import build_workspace, dltb_frame, token_for, workspace_copy

if TYPE_CHECKING:
    from onemap.store.workspace import Workspace

CID = "dltb_2020"
LON, LAT, Z = 115.95, 28.65, 8  # 360111 and 360121 in one tile


@pytest.fixture(scope="module")
def small_base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("tilestore") / "ws"
    build_workspace(root).close()
    return root


@pytest.fixture
def small(small_base: Path, tmp_path: Path):
    """A copy of the API test workspace (three counties, users), for one test to change."""
    ws = workspace_copy(small_base, tmp_path)
    yield ws
    ws.close()


def _client(ws: Workspace) -> TestClient:
    """A fresh app: empty in-memory tile cache, same workspace (and disk tier)."""
    return TestClient(create_app(ApiSettings(workspace=ws.root), ws))


def _addr(z: int = Z) -> TileAddress:
    t = get_tms("WebMercatorQuad").tile(LON, LAT, z)
    return TileAddress("WebMercatorQuad", z, t.x, t.y)


def _url(z: int = Z) -> str:
    a = _addr(z)
    return f"/collections/{CID}/tiles/WebMercatorQuad/{a.z}/{a.y}/{a.x}"


def _fresh(ws: Workspace, actor: Actor, z: int = Z) -> bytes:
    data = WorkspaceReader(ws).scoped(actor)
    return render_tile(data, data.by_collection(CID), _addr(z), ApiSettings().tile_max_bytes)


ADMIN = Actor(username="p", role=Role.ADMIN, regions=["360000"])


def _seed(ws: Workspace, capsys: pytest.CaptureFixture[str], *extra: str) -> dict:
    main(["tiles", "seed", str(ws.root), "--kind", "dltb", "--vintage", "2020", *extra,
          "--json"])
    return json.loads(capsys.readouterr().out)


def test_seed_is_idempotent_and_the_seeded_tile_is_served_from_disk(small, capsys) -> None:
    ws = small
    first = _seed(ws, capsys)
    assert first["rendered"] > 0 and first["skipped"] == 0 and first["zooms"] == [6, 7, 8, 9]
    assert first["scopes"] == ["provincial_admin:360000"]  # the layer is not public
    assert first["files"] == first["rendered"]
    again = _seed(ws, capsys)
    assert again["rendered"] == 0 and again["skipped"] == first["tiles"]
    assert again["files"] == first["files"]

    disk = workspace_tiles(ws.root)
    r = _client(ws).get(_url(), headers=token_for(ws, "admin"))
    assert r.status_code == 200
    stored = disk.get(r.headers["etag"])
    assert stored is not None and stored == r.content == _fresh(ws, ADMIN)  # byte for byte
    # what the router serves is the file: a (valid) file of other contents is served as is
    marker = mapbox_vector_tile.encode([{"name": CID, "features": []}])
    disk.put(r.headers["etag"], marker)
    again_r = _client(ws).get(_url(), headers=token_for(ws, "admin"))
    assert again_r.content == marker and again_r.headers["etag"] == r.headers["etag"]
    assert again_r.headers["cache-control"].startswith("private")


def test_scopes_never_share_a_tile(small, capsys) -> None:
    ws = small
    ws.set_layer_access("dltb", 2020, classification="public")
    seeded = _seed(ws, capsys, "--min-zoom", "8", "--max-zoom", "8")
    assert sorted(seeded["scopes"]) == ["provincial_admin:360000", "public:360000"]
    disk = workspace_tiles(ws.root)
    c = _client(ws)
    got = {who: c.get(_url(), headers=h) for who, h in
           [("admin", token_for(ws, "admin")), ("county", token_for(ws, "qingshanhu")),
            ("public", {})]}
    etags = {who: r.headers["etag"] for who, r in got.items()}
    assert len(set(etags.values())) == 3
    files = {who: disk.path(e) for who, e in etags.items()}
    assert all(p.is_file() for p in files.values())  # the county user's render was stored too
    # admin and public found the files the seed wrote (same keys); only the county's is new
    assert len(disk.files()) == seeded["files"] + 1
    assert len({p.read_bytes() for p in files.values()}) == 3
    counties = {who: {f["properties"]["county"] for f in
                      mapbox_vector_tile.decode(r.content)[CID]["features"]}
                for who, r in got.items()}
    assert counties["county"] == {"360111"} and counties["admin"] >= {"360111", "360121"}
    assert got["public"].content == _fresh(ws, Actor(username="anonymous", role=Role.PUBLIC,
                                                     regions=["360000"], origin="anonymous"))
    assert got["admin"].content == _fresh(ws, ADMIN)
    # a fresh app serves each caller its own file again
    c2 = _client(ws)
    assert c2.get(_url(), headers=token_for(ws, "qingshanhu")).content == got["county"].content
    assert c2.get(_url()).content == got["public"].content


def test_rewritten_partition_gives_a_new_tile(small, capsys) -> None:
    ws = small
    _seed(ws, capsys, "--min-zoom", "8", "--max-zoom", "8")
    admin = token_for(ws, "admin")
    before = _client(ws).get(_url(), headers=admin)
    disk = workspace_tiles(ws.root)
    assert disk.has(before.headers["etag"])
    frame = dltb_frame()
    frame = frame[frame.ZLDWDM.str.startswith("360111")].copy()
    frame["DLBM"] = "1101"
    ws.write_layer("dltb", 2020, frame)  # re-import one county
    again = _seed(ws, capsys, "--min-zoom", "8", "--max-zoom", "8")
    assert again["rendered"] >= 1 and again["skipped"] >= 1  # only tiles over 360111 change
    after = _client(ws).get(_url(), headers=admin)
    assert after.headers["etag"] != before.headers["etag"]
    assert after.content != before.content
    feats = mapbox_vector_tile.decode(after.content)[CID]["features"]
    assert {f["properties"]["DLBM"] for f in feats
            if f["properties"]["county"] == "360111"} == {"1101"}
    assert after.content == _fresh(ws, ADMIN) == disk.get(after.headers["etag"])


def test_corrupt_tile_file_is_rendered_again(small, capsys) -> None:
    ws = small
    _seed(ws, capsys, "--min-zoom", "8", "--max-zoom", "8")
    admin = token_for(ws, "admin")
    good = _client(ws).get(_url(), headers=admin)
    path = workspace_tiles(ws.root).path(good.headers["etag"])
    raw = path.read_bytes()
    path.write_bytes(raw[: len(raw) // 2])  # torn write
    r = _client(ws).get(_url(), headers=admin)
    assert r.status_code == 200 and r.content == good.content
    assert path.read_bytes() == raw  # rewritten whole
    path.write_bytes(b"")
    assert _client(ws).get(_url(), headers=admin).content == good.content


def test_disk_tier_prunes_the_least_recently_touched(tmp_path: Path) -> None:
    disk = DiskTiles(tmp_path / "tiles", max_bytes=3 * (1000 + 16))
    keys = [f'"{i:040x}"' for i in range(4)]
    for i, k in enumerate(keys[:3]):
        disk.put(k, bytes([i]) * 1000)
        os.utime(disk.path(k), (1_000_000 + i, 1_000_000 + i))
    assert disk.get(keys[0]) == b"\x00" * 1000  # read: touched now, kept
    disk.put(keys[3], b"\x03" * 1000)  # over the cap: the oldest untouched go
    assert not disk.has(keys[1])
    assert disk.has(keys[0]) and disk.has(keys[3])
    assert disk.size() <= 0.9 * disk.max_bytes + 1016
    assert not list((tmp_path / "tiles").rglob("*.tmp"))
    with pytest.raises(ValueError):
        disk.path('"../../etc"')
    assert _digest(b"a") != _digest(b"b")
