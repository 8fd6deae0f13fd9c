"""Site reviews: anonymous and read-only users, county scope of the data read, CLI identity.

Reproductions of issue 12: item 2 (anonymous reads of every site review), item 3's second
half (review read every county's partitions without scope), item 6 (the CLI's ``--user`` was
a free-text label acting as a province admin), item 11 (read-only users created review
records) and item 12 (the review map of an edge site drew a neighbour county's parcel).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from sqlalchemy import func, select
from typer.testing import CliRunner

from onemap.api.app import create_app
from onemap.api.deps import ApiSettings
from onemap.cli.main import create_cli
from onemap.errors import AuthenticationFailed, ScopeViolation
from onemap.review.schema import ReviewRow
from onemap.review.service import ReviewService
from onemap.store.access import Actor, Role
from onemap.store.workspace import Workspace
from onemap.users.identity import Identity
from onemap.users.models import UserCreate
from onemap.users.service import UserService

from fastapi.testclient import TestClient

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "integration"))
from typing import TYPE_CHECKING

from review_world import SITES, build_world

if TYPE_CHECKING:
    from collections.abc import Iterator

PASSWORD = "review-access-password"
USERS = {"prov": (Role.ADMIN, ["360000"]), "east": (Role.ANALYST, ["360121"]),
         "viewer": (Role.READONLY, ["360121"])}
EDGE = shapely.box(115.9505, 28.605, 115.954, 28.609)  # in 360121, 50 m from 360111


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Workspace, TestClient,
                                                                      dict[str, str]]]:
    ws = build_world(Workspace.create(tmp_path_factory.mktemp("review-access") / "ws"))
    users = UserService(ws)
    tokens = {}
    for name, (role, regions) in USERS.items():
        users.add_user(UserCreate(username=name, password=PASSWORD, role=role, regions=regions))
        tokens[name] = users.create_token(name).token
    client = TestClient(create_app(ApiSettings(workspace=ws.root), ws))
    r = client.post("/reviews", json=json.loads(shapely.to_geojson(SITES["half_redline"])),
                    headers={"Authorization": f"Bearer {tokens['prov']}"})
    assert r.status_code == 201, r.text
    yield ws, client, {"review": r.json()["review_id"], **tokens}
    ws.close()


def _records(ws: Workspace) -> int:
    with ws.session() as s:
        return int(s.scalar(select(func.count()).select_from(ReviewRow)) or 0)


@pytest.mark.parametrize("path", ["/reviews", "/reviews/{review}", "/reviews/{review}/report.html",
                                  "/reviews/{review}/report.pdf"])
def test_anonymous_users_read_no_review(world: tuple[Workspace, TestClient, dict[str, str]],
                                        path: str) -> None:
    ws, client, ids = world
    before = _records(ws)
    resp = client.get(path.format(**ids))
    assert resp.status_code == 401, resp.text  # log in first (QGIS asks for a password)
    assert resp.headers["content-type"].startswith("application/problem+json")
    assert _records(ws) == before


def test_read_only_users_read_reviews_but_record_none(
        world: tuple[Workspace, TestClient, dict[str, str]]) -> None:
    ws, client, ids = world
    auth = {"Authorization": f"Bearer {ids['viewer']}"}
    before = _records(ws)
    site = json.loads(shapely.to_geojson(SITES["outside_udb"]))  # inside 360121
    assert client.post("/reviews", json=site, headers=auth).status_code == 403
    assert _records(ws) == before
    assert client.get("/reviews", headers=auth).status_code == 200


def _edge(ws: Workspace) -> tuple[Identity, ReviewService, Actor, gpd.GeoDataFrame]:
    """The county user of 360121 and a site of theirs 50 m from 360111."""
    identity = Identity(ws)
    site = gpd.GeoDataFrame({"parcel_id": ["E"], "name": [""]}, geometry=[EDGE], crs=4490)
    return identity, ReviewService(ws), identity.for_username("east"), site


def test_a_county_review_reads_only_its_county(
        world: tuple[Workspace, TestClient, dict[str, str]]) -> None:
    ws, _, _ = world
    identity, service, east, site = _edge(ws)
    mine = service.review(site, east, record=False)
    assert {c for v in mine.vintages for c in v.counties} == {"360121"}
    assert list(mine.totals.counties) == ["360121"]
    admin = service.review(site, identity.for_username("prov"), record=False)
    assert "360111" in {c for v in admin.vintages for c in v.counties}  # the bbox reaches it
    assert admin.verdict == mine.verdict  # the site is wholly in 360121: same answer


def test_the_report_map_of_an_edge_site_shows_no_neighbour_parcel(
        world: tuple[Workspace, TestClient, dict[str, str]]) -> None:
    ws, _, _ = world
    identity, service, east, site = _edge(ws)
    review = service.review(site, east)
    _, _, layers = service.report_inputs(review.review_id, east, "html")
    assert set(layers["dltb"]["county"]) == {"360121"}
    _, _, admin_layers = service.report_inputs(review.review_id,
                                               identity.for_username("prov"), "html")
    assert "360111" in set(admin_layers["dltb"]["county"])  # what the county user must not see


def test_a_site_reaching_into_another_county_is_refused(
        world: tuple[Workspace, TestClient, dict[str, str]]) -> None:
    ws, _, _ = world
    site = gpd.GeoDataFrame({"parcel_id": ["T"], "name": [""]},
                            geometry=[SITES["two_counties"]], crs=4490)
    before = _records(ws)
    with pytest.raises(ScopeViolation, match="360111"):
        ReviewService(ws).review(site, Identity(ws).for_username("east"))
    assert _records(ws) == before
    assert ws.audit_log(1, action="access.denied")[0].detail["region"] == "360111"


def _cli_review(ws: Workspace, site: Path, *extra: str) -> object:
    return CliRunner().invoke(create_cli(), ["review", str(ws.root), str(site), "--json",
                                             *extra])


def test_cli_user_is_a_workspace_account(
        world: tuple[Workspace, TestClient, dict[str, str]], tmp_path: Path) -> None:
    ws, _, _ = world
    site = tmp_path / "site.geojson"
    gpd.GeoDataFrame({"DKBH": ["A"]}, geometry=[SITES["outside_udb"]], crs=4490).to_file(site)
    before = _records(ws)
    ghost = _cli_review(ws, site, "--user", "ghost-admin")
    assert isinstance(ghost.exception, AuthenticationFailed)  # type: ignore[attr-defined]
    viewer = _cli_review(ws, site, "--user", "viewer")  # a read-only account
    assert isinstance(viewer.exception, ScopeViolation)  # type: ignore[attr-defined]
    assert _records(ws) == before
    east = _cli_review(ws, site, "--user", "east")
    assert east.exit_code == 0, east.output  # type: ignore[attr-defined]
    assert json.loads(east.stdout)["reviewer"] == "east"  # type: ignore[attr-defined]
    half = tmp_path / "half.geojson"
    gpd.GeoDataFrame({"DKBH": ["B"]}, geometry=[SITES["half_redline"]], crs=4490).to_file(half)
    refused = _cli_review(ws, half, "--user", "east")  # the site lies in 360111
    assert isinstance(refused.exception, ScopeViolation)  # type: ignore[attr-defined]


def test_cli_without_user_is_the_local_operator(
        world: tuple[Workspace, TestClient, dict[str, str]], tmp_path: Path) -> None:
    ws, _, _ = world
    site = tmp_path / "site.geojson"
    gpd.GeoDataFrame({"DKBH": ["A"]}, geometry=[SITES["outside_udb"]], crs=4490).to_file(site)
    result = _cli_review(ws, site)
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    operator = Identity(ws).local_operator()
    assert operator.username.startswith("os:") and operator.regions == [ws.root_region]
    assert json.loads(result.stdout)["reviewer"] == operator.username  # type: ignore
    assert ws.audit_log(1, action="review.run")[0].actor == operator.username
