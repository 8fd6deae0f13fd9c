"""POST /reviews (GeoJSON body and multipart upload), GET /reviews/{id} and its reports."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import geopandas as gpd
import pytest
from api_helpers import token_for
from review_world import SITES, build_world, geod_area

from onemap.api.app import create_app
from onemap.api.deps import ApiSettings
from onemap.review.models import ReviewRecord, SiteReview
from onemap.store.access import Role
from onemap.store.workspace import Workspace
from onemap.users.models import UserCreate
from onemap.users.service import UserService

from fastapi.testclient import TestClient

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, Workspace]]:
    ws = build_world(Workspace.create(tmp_path_factory.mktemp("review_api") / "ws"))
    users = UserService(ws)
    users.add_user(UserCreate(username="nanchang", password="secret-pw-0001", role=Role.ANALYST,
                              regions=["360100"]))
    users.add_user(UserCreate(username="county121", password="secret-pw-0001", role=Role.ANALYST,
                              regions=["360121"]))
    with TestClient(create_app(ApiSettings(workspace=ws.root), ws)) as c:
        yield c, ws
    ws.close()


def _feature(name: str) -> dict:
    frame = gpd.GeoDataFrame({"DKBH": [name]}, geometry=[SITES[name]], crs=4490)
    return json.loads(frame.to_json())


def test_post_geojson_drawn_on_the_map(client: tuple[TestClient, Workspace]) -> None:
    c, ws = client
    auth = token_for(ws, "nanchang")
    resp = c.post("/reviews", json=_feature("half_redline"), headers=auth,
                  params={"project": "地图绘制"})
    assert resp.status_code == 201, resp.text
    review = SiteReview.model_validate(resp.json())
    assert review.verdict == "不通过" and review.reviewer == "nanchang"
    assert review.area_m2 == pytest.approx(geod_area(SITES["half_redline"]), abs=0.01)
    assert review.links["pdf"] == f"/reviews/{review.review_id}/report.pdf"
    got = c.get(f"/reviews/{review.review_id}", headers=auth)
    assert got.status_code == 200
    assert SiteReview.model_validate(got.json()).verdict == "不通过"
    listed = [ReviewRecord.model_validate(r) for r in c.get("/reviews", headers=auth).json()]
    assert listed[0].review_id == review.review_id and listed[0].actor == "nanchang"
    pdf = c.get(review.links["pdf"], headers=auth)
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content[:4] == b"%PDF"
    html = c.get(review.links["html"], headers=auth, params={"lang": "en"})
    assert html.status_code == 200 and "Rejected" in html.text


def test_post_uploaded_coordinate_file(client: tuple[TestClient, Workspace],
                                       tmp_path: Path) -> None:
    c, ws = client
    x0, y0 = 39_400_000.0, 3_169_000.0  # zone 39, inside the test world (≈115.98°E 28.63°N)
    corners = [(x0, y0), (x0 + 400, y0), (x0 + 400, y0 + 400), (x0, y0 + 400), (x0, y0)]
    names = ["J1", "J2", "J3", "J4", "J1"]
    text = "[属性描述]\n带号=39\n[地块坐标]\n5,,DK1,一号,面,,,,@\n" + "".join(
        f"{n},1,{y:.3f},{x:.3f}\n" for n, (x, y) in zip(names, corners, strict=True))
    resp = c.post("/reviews", files={"file": ("site.txt", text.encode("gbk"), "text/plain")},
                  headers=token_for(ws, "nanchang"))
    assert resp.status_code == 201, resp.text
    review = SiteReview.model_validate(resp.json())
    assert review.parcels[0].parcel_id == "DK1"
    assert review.area_m2 == pytest.approx(160_000, rel=2e-3)  # 400 m × 400 m in zone 39
    assert review.landuse and review.totals.uncovered_m2 == 0.0


def test_bad_upload_names_the_line_and_stores_nothing(client: tuple[TestClient, Workspace]
                                                      ) -> None:
    c, ws = client
    auth = token_for(ws, "nanchang")
    before = len(c.get("/reviews", headers=auth).json())
    text = ("[属性描述]\n带号=39\n[地块坐标]\n6,,DK1,一号,面,,,,@\n"
            "J1,1,3168400.000,39311000.000\nJ2,1,3168400.000,39311400.000\n"
            "J3,1,3168800.000,39311400.000\nJ1,1,3168400.000,39311000.000\n")
    resp = c.post("/reviews", files={"file": ("bad.txt", text.encode(), "text/plain")},
                  headers=auth)
    assert resp.status_code == 422
    problem = resp.json()
    assert problem["line"] == 4 and problem["code"] == "coordinate_file_error"
    assert problem["path"] == "bad.txt" and "line 4" in problem["detail"]
    assert len(c.get("/reviews", headers=auth).json()) == before


def test_scope_and_anonymous_users(client: tuple[TestClient, Workspace]) -> None:
    c, ws = client
    assert c.post("/reviews", json=_feature("hole_farmland")).status_code in (400, 401, 403)
    resp = c.post("/reviews", json=_feature("half_redline"), headers=token_for(ws, "county121"))
    assert resp.status_code == 403  # the site lies in 360111
    assert c.get("/reviews/RVNOPE", headers=token_for(ws, "nanchang")).status_code == 404
    bad = c.post("/reviews", content=b"not json", headers={
        **token_for(ws, "nanchang"), "content-type": "application/json"})
    assert bad.status_code == 400
