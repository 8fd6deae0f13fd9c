"""Issue 12 items 2 and 4: who reads plan indicators, who edits the province catalog.

* Indicator data is internal: anonymous users get 401 on every /indicators read.
* Values computed from a layer the caller may not read (secret, or unpublished for
  readonly users) are withheld from them: no value in the listing, the evaluation shows
  the indicator as withheld.
* A read never writes to the catalog: no catalog entries, no values, no quotas are
  stored by a GET (stale values are recomputed in memory for it).
* ``PATCH /indicators/{id}`` (province targets) needs ``CONFIGURE`` at the root region:
  a county analyst, an inspector and a province analyst are refused and nothing changes.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from actors import SYSTEM, bearer_headers
from onemap.api.app import create_app
from onemap.api.deps import ApiSettings
from onemap.indicators import service
from onemap.indicators.catalog import read_plan_table
from onemap.indicators.models import Evaluation, Indicator, IndicatorValue
from onemap.indicators.schema import IndicatorQuotaRow, IndicatorRow, IndicatorValueRow
from onemap.standards.landuse import farmland_codes
from onemap.store.access import Role
from onemap.store.workspace import Workspace

from fastapi.testclient import TestClient

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "integration"))
from indicator_world import build_indicator_demo, copy_demo

USERS = [("prov", Role.ADMIN, ["360000"]), ("prov_analyst", Role.ANALYST, ["360000"]),
         ("west", Role.ANALYST, ["360111"]), ("inspector", Role.INSPECTOR, ["360111"]),
         ("viewer", Role.READONLY, ["360100"])]
READS = ["/indicators", "/indicators/pbf_area", "/indicators/evaluations?year=2020",
         "/indicators/values", "/indicators/dashboard?year=2020",
         "/indicators/report.html?year=2020", "/indicators/report.pdf?year=2020",
         "/indicators/values.xlsx?year=2020"]


@pytest.fixture(scope="module")
def demo_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_indicator_demo(tmp_path_factory.mktemp("sec-ind") / "demo")


@pytest.fixture
def env(demo_root: Path, tmp_path: Path):
    ws = Workspace.open(copy_demo(demo_root, tmp_path / "ws"))
    headers = bearer_headers(ws, USERS)
    client = TestClient(create_app(ApiSettings(workspace=ws.root), ws))
    yield client, headers, ws
    ws.close()


def _rows(ws: Workspace) -> tuple[int, int, int]:
    with ws.session() as s:
        return tuple(int(s.scalar(select(func.count()).select_from(t)) or 0)  # type: ignore[return-value]
                     for t in (IndicatorRow, IndicatorValueRow, IndicatorQuotaRow))


def _catalog(ws: Workspace) -> dict[str, dict]:
    with ws.session() as s:
        return {r.id: dict(r.data) for r in s.scalars(select(IndicatorRow))}


def test_anonymous_users_read_no_indicator_data_and_write_nothing(env) -> None:
    client, _h, ws = env
    before = _rows(ws)
    assert before == (0, 0, 0)  # a fresh workspace: nothing stored yet
    for path in READS:
        r = client.get(path)
        assert r.status_code == 401, (path, r.status_code, r.text[:200])
    assert _rows(ws) == before
    service.refresh_spatial_indicators(ws, actor=SYSTEM)
    stored = _rows(ws)
    for path in READS:
        assert client.get(path).status_code == 401, path
    assert _rows(ws) == stored


def test_reads_by_logged_in_users_never_write(env) -> None:
    client, h, ws = env
    r = client.get("/indicators", headers=h["viewer"])
    packaged = [i.id for i in read_plan_table()]
    assert r.status_code == 200 and [i["id"] for i in r.json()] == packaged  # not stored
    assert _rows(ws) == (0, 0, 0)
    service.refresh_spatial_indicators(ws, actor=SYSTEM)
    (old,) = service.list_values(ws, actor=SYSTEM, indicator="farmland_retained",
                                 region="360111", year=2020)
    dltb = ws.read_layer("dltb", 2020, counties=["360111"])
    farm = dltb.index[dltb.DLBM.isin(sorted(farmland_codes()))][:5]
    dltb.loc[farm, "DLBM"] = "0702"
    ws.write_layer("dltb", 2020, dltb.drop(columns="county"))  # the stored values are stale
    stored = _rows(ws)
    for user in ("viewer", "west", "inspector"):
        for path in READS[:6]:
            r = client.get(path, headers=h[user])
            assert r.status_code == 200, (user, path, r.text[:200])
        r = client.get("/indicators/evaluations", headers=h[user], params={
            "year": 2020, "indicator": "farmland_retained", "region": "360111"})
        (fresh,) = [Evaluation.model_validate(e) for e in r.json()]
        assert fresh.value is not None and fresh.value < old.value  # recomputed in memory
        assert _rows(ws) == stored, user  # ... and not stored
    assert ("farmland_retained", 2020) in service.stale_indicators(ws)


def test_values_from_a_secret_layer_are_withheld(env) -> None:
    client, h, ws = env
    service.refresh_spatial_indicators(ws, actor=SYSTEM)
    ws.set_layer_access("pbf", 2020, classification="secret")
    ws.set_layer_access("hsf", 2020, published=False)
    stored = _rows(ws)

    def evaluations(user: str, indicator: str) -> list[Evaluation]:
        r = client.get("/indicators/evaluations", headers=h[user],
                       params={"year": 2020, "indicator": indicator})
        assert r.status_code == 200, r.text
        return [Evaluation.model_validate(e) for e in r.json()]

    for user in ("west", "viewer", "prov_analyst"):
        pbf = evaluations(user, "pbf_area")
        assert pbf and all(e.withheld and e.value is None and e.history == [] for e in pbf)
        assert all(e.warning == "none" and "withheld" in e.rule for e in pbf)
        values = [IndicatorValue.model_validate(v) for v in client.get(
            "/indicators/values", headers=h[user]).json()]
        assert values and "pbf_area" not in {v.id for v in values}
        book = load_workbook(io.BytesIO(client.get(
            "/indicators/values.xlsx", params={"year": 2020}, headers=h[user]).content),
            read_only=True)
        assert "pbf_area" not in {r[0] for r in book["指标值"].iter_rows(values_only=True)}
    hsf_viewer = evaluations("viewer", "high_standard_farmland")
    assert hsf_viewer and all(e.withheld for e in hsf_viewer)  # unpublished: not for readonly
    hsf_west = evaluations("west", "high_standard_farmland")
    assert hsf_west and all(not e.withheld and e.value is not None for e in hsf_west)
    admin = evaluations("prov", "pbf_area")
    assert admin and all(not e.withheld and e.value is not None for e in admin)
    assert _rows(ws) == stored


@pytest.mark.parametrize("user", ["west", "inspector", "prov_analyst"])
def test_only_a_province_admin_edits_the_catalog(env, user: str) -> None:
    client, h, ws = env
    client.patch("/indicators/pbf_area", json={"target_value": 1.0}, headers=h["prov"])
    before_catalog, before_rows = _catalog(ws), _rows(ws)
    r = client.patch("/indicators/farmland_retained", json={"target_value": 1.0},
                     headers=h[user])
    assert r.status_code == 403, r.text
    assert _catalog(ws) == before_catalog and _rows(ws) == before_rows
    denied = ws.audit_log(5, action="access.denied")
    assert denied[0].actor == user and denied[0].detail["action"] == "configure"
    assert ws.audit_log(5, action="indicators.catalog.edit")[0].actor == "prov"
    r = client.patch("/indicators/farmland_retained", json={"target_value": 1.0},
                     headers=h["prov"])
    assert r.status_code == 200 and Indicator.model_validate(r.json()).target_value == 1.0


def test_the_cli_refuses_catalog_edits_and_statistics_by_inspectors(
        env, capsys: pytest.CaptureFixture[str]) -> None:
    from onemap.cli.main import main

    _client, _h, ws = env
    before = _rows(ws), _catalog(ws)
    for args in (["edit", str(ws.root), "farmland_retained", "--target-value", "1"],
                 ["catalog", str(ws.root), "--replace"],
                 ["set", str(ws.root), "gdp", "360111", "2021", "5", "--by", "x"],
                 ["refresh", str(ws.root)]):
        for user in ("west", "inspector"):
            if args[0] == "set" and user == "west":
                continue  # a county analyst enters their county's statistics
            with pytest.raises(SystemExit) as stop:
                main(["indicators", *args, "--user", user, "--json"])
            assert stop.value.code == 12, (args, user)
            assert '"scope_violation"' in capsys.readouterr().out
    assert (_rows(ws), _catalog(ws)) == before
