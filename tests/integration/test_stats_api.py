from __future__ import annotations

import io

import pytest
from api_helpers import build_workspace, token_for
from openpyxl import load_workbook

from onemap.api.app import create_app
from onemap.api.deps import ApiSettings
from onemap.quality.models import QcReport, QcRunSummary
from onemap.stats.models import StatsRow

from fastapi.testclient import TestClient


@pytest.fixture
def client_ws(tmp_path):
    ws = build_workspace(tmp_path / "ws")
    client = TestClient(create_app(ApiSettings(workspace=ws.root), ws))
    yield client, ws
    ws.close()


def test_stats_rows_follow_the_region_scope(client_ws) -> None:
    client, ws = client_ws
    res = client.get("/stats", params={"vintage": 2020, "level": "county"},
                     headers=token_for(ws, "admin"))
    assert res.status_code == 200, res.text
    rows = [StatsRow.model_validate(r) for r in res.json()]
    assert {r.admin_code for r in rows} == {"360111", "360121", "360203"}
    totals = {r.admin_code: r.area_m2 for r in rows if r.class_code == "total"}
    dltb = ws.read_layer("dltb", 2020)
    tbmj = dltb.groupby("county")["TBMJ"].sum()
    for county, m2 in totals.items():
        assert m2 == pytest.approx(tbmj[county], abs=0.005)
    res = client.get("/stats", params={"level": "county"}, headers=token_for(ws, "qingshanhu"))
    assert {r["admin_code"] for r in res.json()} == {"360111"}
    res = client.get("/stats", params={"level": "city"}, headers=token_for(ws, "qingshanhu"))
    assert res.json() == []  # the city row would include other counties
    res = client.get("/stats", params={"county": "360121"}, headers=token_for(ws, "qingshanhu"))
    assert res.status_code == 403
    assert client.get("/stats").status_code in (401, 403)  # anonymous


def test_stats_export_xlsx(client_ws) -> None:
    client, ws = client_ws
    res = client.get("/stats/export", params={"format": "xlsx"}, headers=token_for(ws, "admin"))
    assert res.status_code == 200
    book = load_workbook(io.BytesIO(res.content), read_only=True)
    assert book.sheetnames == ["省级", "市级", "县级", "乡级"]
    assert ws.audit_log(action="stats.export")[0].actor == "admin"


def test_qc_runs_via_api(client_ws) -> None:
    client, ws = client_ws
    res = client.post("/qc/runs", params={"kind": "dltb", "vintage": 2020},
                      headers=token_for(ws, "admin"))
    assert res.status_code == 201, res.text
    report = QcReport.model_validate(res.json())
    run_id = report.run.id
    res = client.get("/qc/runs", headers=token_for(ws, "nanchang"))
    assert [QcRunSummary.model_validate(r).id for r in res.json()] == [run_id]
    res = client.get(f"/qc/runs/{run_id}", headers=token_for(ws, "qingshanhu"))
    assert res.status_code == 200
    assert {f["county"] for f in res.json()["findings"]} <= {"360111"}
    assert client.get(f"/qc/runs/{run_id}").status_code in (401, 403)
    assert client.get("/qc/runs/999", headers=token_for(ws, "admin")).status_code == 404
    assert client.get(f"/qc/runs/{2**40}", headers=token_for(ws, "admin")).status_code == 422
    html = client.get(f"/qc/runs/{run_id}/report.html", headers=token_for(ws, "admin"))
    assert html.status_code == 200 and "数据质量检查报告" in html.text
    xlsx = client.get(f"/qc/runs/{run_id}/report.xlsx", headers=token_for(ws, "admin"))
    assert load_workbook(io.BytesIO(xlsx.content)).sheetnames == ["汇总", "问题清单"]
    res = client.post("/qc/runs", headers=token_for(ws, "viewer121"))
    assert res.status_code == 403
