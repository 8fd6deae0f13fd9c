"""Admins administer their own regions only; roles get only their actions (issue 12 item 11).

Reproduces: a 360111-limited admin read the province audit log and created a province-wide
user; read-only users created review records (see test_review_access.py); inspectors
imported layers (test_import_claims.py) and edited the catalog (test_indicators_access.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from actors import bearer_headers
from onemap.api.app import create_app
from onemap.api.deps import ApiSettings
from onemap.store.access import Role
from onemap.store.workspace import Workspace
from onemap.users.service import UserService

from fastapi.testclient import TestClient

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

PASSWORD = "admin-scope-password"


@pytest.fixture
def env(tmp_path: Path) -> Iterator[tuple[Workspace, TestClient, dict[str, dict[str, str]]]]:
    ws = Workspace.create(tmp_path / "ws")
    headers = bearer_headers(ws, [("prov", Role.ADMIN, ["360000"]),
                                  ("admin111", Role.ADMIN, ["360111"]),
                                  ("ana111", Role.ANALYST, ["360111"])])
    yield ws, TestClient(create_app(ApiSettings(workspace=ws.root), ws)), headers
    ws.close()


def _usernames(ws: Workspace) -> list[str]:
    return [u.username for u in UserService(ws).list_users()]


def test_a_county_admin_cannot_read_the_province_audit_log(env: tuple) -> None:
    _ws, c, h = env
    assert c.get("/admin/audit", headers=h["admin111"]).status_code == 403
    assert c.get("/admin/audit", headers=h["prov"]).status_code == 200


@pytest.mark.parametrize("regions", [["360000"], ["360100"], ["360121"], ["360111", "360121"]])
def test_a_county_admin_creates_no_user_beyond_its_county(env: tuple,
                                                          regions: list[str]) -> None:
    ws, c, h = env
    before = _usernames(ws)
    body = {"username": "wide", "password": "wide-password-1", "role": "readonly",
            "regions": regions}
    assert c.post("/admin/users", json=body, headers=h["admin111"]).status_code == 403
    assert _usernames(ws) == before


def test_a_county_admin_manages_its_own_county(env: tuple) -> None:
    _ws, c, h = env
    body = {"username": "clerk", "password": "clerk-password-1", "role": "analyst"}
    r = c.post("/admin/users", json=body, headers=h["admin111"])
    assert r.status_code == 201 and r.json()["regions"] == ["360111"]  # the admin's own
    listed = [u["username"] for u in c.get("/admin/users", headers=h["admin111"]).json()]
    assert "prov" not in listed and {"admin111", "ana111", "clerk"} <= set(listed)


def test_layer_access_is_a_province_setting(env: tuple) -> None:
    ws, c, h = env
    import geopandas as gpd
    import shapely

    ws.write_layer("pbf", 2020, gpd.GeoDataFrame({"XZQDM": ["360111"]}, geometry=[
        shapely.box(115.9, 28.6, 115.91, 28.61)], crs=4490))
    for who in ("admin111", "ana111"):
        r = c.put("/admin/layers/pbf_2020/access", json={"classification": "public"},
                  headers=h[who])
        assert r.status_code == 403
    assert ws.layer("pbf", 2020).classification == "internal"
