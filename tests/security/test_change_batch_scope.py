"""Issue 12 item 12 (part): a detection batch's summary gave county users province totals.

``GET /change/batches/{id}`` (and the listing) recomputes counts, areas, legality and
class tallies and the verified-sample scores over the caller's counties only; the stored
batch is not changed by reading it.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import pytest
import shapely.geometry

from actors import SYSTEM, bearer_headers
from onemap.api.app import create_app
from onemap.api.deps import ApiSettings
from onemap.change import service
from onemap.change.models import BatchSummary, ChangePatch
from onemap.change.scores import TruthItem, score_detection
from onemap.store.access import Role
from onemap.store.workspace import Workspace

from fastapi.testclient import TestClient

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from change_world import write_world

USERS = [("prov", Role.ADMIN, ["360000"]), ("west", Role.ANALYST, ["360111"]),
         ("east", Role.READONLY, ["360121"])]


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory):
    ws = Workspace.create(tmp_path_factory.mktemp("sec-change") / "ws")
    truth = write_world(ws)
    items = [TruthItem(t.geometry, t.violation, t.above_threshold, t.key, t.county)
             for t in truth]
    batch = service.detect_changes(ws, SYSTEM, from_year=2019, to_year=2020, truth=items,
                                   truth_name="change_world").batch
    headers = bearer_headers(ws, USERS)
    client = TestClient(create_app(ApiSettings(workspace=ws.root), ws))
    yield client, headers, ws, batch, items
    ws.close()


def _patches(client: TestClient, headers: dict[str, str], batch: int) -> list[ChangePatch]:
    r = client.get(f"/change/batches/{batch}/patches", headers=headers)
    assert r.status_code == 200, r.text
    return [ChangePatch.model_validate(p) for p in r.json()]


@pytest.mark.parametrize(("user", "county"), [("west", "360111"), ("east", "360121")])
def test_a_county_user_sees_the_totals_of_their_county_only(env, user: str,
                                                            county: str) -> None:
    client, h, _ws, stored, items = env
    r = client.get(f"/change/batches/{stored.id}", headers=h[user])
    assert r.status_code == 200, r.text
    mine = BatchSummary.model_validate(r.json())
    patches = _patches(client, h[user], stored.id)
    assert patches and {p.county for p in patches} == {county}
    assert mine.counties == [county] and mine.scoped
    assert mine.patches == len(patches) < stored.patches
    assert mine.area_m2 == pytest.approx(sum(p.area_m2 for p in patches), rel=1e-12)
    assert mine.area_m2 < stored.area_m2
    assert mine.by_legality == dict(Counter(p.legality.value for p in patches))
    assert mine.by_class == dict(Counter(c for p in patches for c in p.classes))
    expected = score_detection(
        [shapely.geometry.shape(p.geometry) for p in patches], [p.legality.value for p in patches],
        [t for t in items if t.county == county], sample="change_world")
    assert mine.scores is not None and stored.scores is not None
    assert mine.scores == expected
    assert mine.scores.truth_count < stored.scores.truth_count
    listed = [BatchSummary.model_validate(b) for b in
              client.get("/change/batches", headers=h[user]).json()]
    assert listed == [mine]


def test_the_province_sees_the_stored_totals_and_reads_change_nothing(env) -> None:
    client, h, ws, stored, _items = env
    for user in ("west", "east"):
        client.get(f"/change/batches/{stored.id}", headers=h[user])
    full = BatchSummary.model_validate(
        client.get(f"/change/batches/{stored.id}", headers=h["prov"]).json())
    assert full == stored and not full.scoped
    assert full.counties == ["360111", "360121"]
    assert full.area_m2 == pytest.approx(
        sum(p.area_m2 for p in _patches(client, h["prov"], stored.id)), rel=1e-12)
    assert service.get_batch(ws, SYSTEM, stored.id) == stored


def test_anonymous_users_get_no_batch(env) -> None:
    client, _h, _ws, stored, _items = env
    for path in (f"/change/batches/{stored.id}", "/change/batches",
                 f"/change/batches/{stored.id}/patches", f"/change/batches/{stored.id}/matrix"):
        assert client.get(path).status_code == 401, path


def test_a_readonly_user_cannot_run_detection(env) -> None:
    client, h, ws, _stored, _items = env
    before = len(service.list_batches(ws, SYSTEM))
    r = client.post("/change/batches", json={"from_year": 2019, "to_year": 2020},
                    headers=h["east"])
    assert r.status_code == 403, r.text
    assert len(service.list_batches(ws, SYSTEM)) == before
