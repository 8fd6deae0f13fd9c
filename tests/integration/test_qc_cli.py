from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from typer.testing import CliRunner

from actors import SYSTEM
from onemap.cli.main import create_cli
from onemap.quality.models import QcReport
from onemap.quality.service import get_report, list_runs, run_quality_checks
from onemap.reports.xlsx import read_xlsx
from onemap.store.access import Actor, Role
from onemap.users.models import UserCreate
from onemap.users.service import UserService
from qc_fixture import EXPECTED_COUNTS, admin_county, dltb_layer

if TYPE_CHECKING:
    from onemap.store.workspace import Workspace

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "qc_fixture.json"
runner = CliRunner()


@pytest.fixture
def qc_ws(workspace: Workspace) -> Workspace:
    workspace.write_layer("admin_county", None, admin_county())
    workspace.write_layer("dltb", 2023, dltb_layer())
    return workspace


def _stable(report: QcReport) -> dict:
    data = report.model_dump(mode="json")
    for key in ("id", "started_at", "finished_at"):
        data["run"].pop(key)
    return data


def test_qc_json_report_matches_golden(qc_ws: Workspace, update_golden: bool) -> None:
    UserService(qc_ws).add_user(UserCreate(username="system", password="system-admin-pw",
                                           role=Role.ADMIN, regions=["360000"]))
    res = runner.invoke(create_cli(), ["qc", str(qc_ws.root), "--kind", "dltb", "--vintage",
                                       "2023", "--json", "--user", "system"])
    assert res.exit_code == 0, res.output
    report = QcReport.model_validate_json(res.stdout)
    assert report.run.counts == EXPECTED_COUNTS
    assert report.run.errors == sum(EXPECTED_COUNTS.values()) and report.run.warnings == 0
    if update_golden:
        GOLDEN.write_text(json.dumps(_stable(report), ensure_ascii=False, indent=2) + "\n",
                          encoding="utf-8")
    assert _stable(report) == json.loads(GOLDEN.read_text(encoding="utf-8"))


def test_runs_are_persisted_in_the_catalog(qc_ws: Workspace) -> None:
    report = run_quality_checks(qc_ws, "dltb", 2023, actor=SYSTEM)
    runs = list_runs(qc_ws, actor=SYSTEM)
    assert [r.id for r in runs] == [report.run.id]
    again = get_report(qc_ws, report.run.id, actor=SYSTEM)
    assert again.findings == report.findings
    gaps = get_report(qc_ws, report.run.id, actor=SYSTEM, rule="COVERAGE_GAP").findings
    assert len(gaps) == 1 and gaps[0].wkt.startswith("POLYGON")
    outsider = Actor(username="x", role=Role.ANALYST, regions=["360121"])
    assert list_runs(qc_ws, actor=outsider) == []
    assert qc_ws.audit_log(action="qc.run")[0].detail["run"] == report.run.id


def test_html_and_xlsx_reports(qc_ws: Workspace, tmp_path: Path) -> None:
    html, xlsx = tmp_path / "qc.html", tmp_path / "qc.xlsx"
    for out in (html, xlsx):
        res = runner.invoke(create_cli(), ["qc", str(qc_ws.root), "--kind", "dltb",
                                           "--out", str(out)])
        assert res.exit_code == 0, res.output
    text = html.read_text(encoding="utf-8")
    assert "数据质量检查报告" in text and "图斑重叠" in text and "未通过" in text
    assert "COVERAGE_GAP" in text and "1|2" in text
    book = read_xlsx(xlsx)
    assert list(book) == ["汇总", "问题清单"]
    findings = book["问题清单"]
    assert findings[0][:4] == ["县级行政区代码", "规则代码", "级别", "标识码"]
    assert len(findings) == 1 + sum(EXPECTED_COUNTS.values())
    summary = {r[0]: r[3] for r in book["汇总"][2:]}
    assert summary == EXPECTED_COUNTS


def test_english_report(qc_ws: Workspace, tmp_path: Path) -> None:
    out = tmp_path / "qc_en.html"
    res = runner.invoke(create_cli(), ["qc", str(qc_ws.root), "--out", str(out), "--lang", "en"])
    assert res.exit_code == 0, res.output
    assert "Data quality check report" in out.read_text(encoding="utf-8")


def test_clean_layer_passes(workspace: Workspace) -> None:
    import geopandas as gpd
    import shapely

    from onemap.geometry.area import ellipsoidal_area

    county = admin_county()
    cells = [shapely.box(115.80 + i * 0.01, 28.60, 115.81 + i * 0.01, 28.62) for i in range(4)]
    area = ellipsoidal_area(cells).round(2)
    workspace.write_layer("admin_county", None, county)
    workspace.write_layer("dltb", 2023, gpd.GeoDataFrame(
        {"BSM": list("abcd"), "DLBM": ["0101", "0301", "0702", "1101"],
         "ZLDWDM": ["360111001001"] * 4, "TBMJ": area, "KCXS": [0.0] * 4, "KCMJ": [0.0] * 4,
         "TBDLMJ": area}, geometry=cells, crs=4490))
    report = run_quality_checks(workspace, "dltb", 2023, actor=SYSTEM)
    assert report.findings == [] and report.run.passed


def test_compute_executor_gives_the_same_findings(qc_ws: Workspace) -> None:
    from onemap.compute import get_executor

    threads = run_quality_checks(qc_ws, "dltb", 2023, actor=SYSTEM)
    with get_executor("inprocess") as executor:
        other = run_quality_checks(qc_ws, "dltb", 2023, actor=SYSTEM, executor=executor)
    assert other.findings == threads.findings
    res = runner.invoke(create_cli(), ["qc", str(qc_ws.root), "--executor", "inprocess",
                                       "--json"])
    assert QcReport.model_validate_json(res.stdout).findings == threads.findings


def test_duplicate_ids_across_counties(qc_ws: Workspace) -> None:
    other = dltb_layer().iloc[[0]].assign(ZLDWDM="360121001001", BSM="7")  # 7 is in 360111
    qc_ws.write_layer("dltb", 2023, other)
    report = run_quality_checks(qc_ws, "dltb", 2023, actor=SYSTEM)
    dups = sorted((f.county, f.feature_id) for f in report.findings if f.rule == "BSM_DUPLICATE")
    assert dups == [("360111", "5"), ("360111", "7"), ("360121", "7")]
    assert report.run.counts["COUNTY_BOUNDARY_MISSING"] == 1 and report.run.warnings == 1


def test_fail_on_error_exits_15_after_writing_the_report(qc_ws: Workspace,
                                                         tmp_path: Path) -> None:
    base = ["qc", str(qc_ws.root), "--kind", "dltb", "--vintage", "2023"]
    out = tmp_path / "qc.json"
    res = runner.invoke(create_cli(), [*base, "--json", "--out", str(out),
                                       "--fail-on", "error"])
    assert res.exit_code == 15, res.output
    report = QcReport.model_validate_json(res.stdout)  # the JSON is complete, nothing after
    assert report.run.errors == sum(EXPECTED_COUNTS.values())
    assert out.is_file() and "质检未通过" in res.stderr
    assert runner.invoke(create_cli(), [*base, "--fail-on", "warning"]).exit_code == 15
    assert runner.invoke(create_cli(), [*base, "--fail-on", "never"]).exit_code == 0
    assert runner.invoke(create_cli(), base).exit_code == 0  # default: never
    assert runner.invoke(create_cli(), [*base, "--fail-on", "bogus"]).exit_code == 2


def test_fail_on_warning_but_not_error_for_warnings_only(workspace: Workspace) -> None:
    import geopandas as gpd
    import shapely

    from onemap.geometry.area import ellipsoidal_area

    cells = [shapely.box(115.80 + i * 0.01, 28.60, 115.81 + i * 0.01, 28.62) for i in range(2)]
    area = ellipsoidal_area(cells).round(2)
    workspace.write_layer("dltb", 2023, gpd.GeoDataFrame(
        {"BSM": list("ab"), "DLBM": ["0101", "0301"], "ZLDWDM": ["360111001001"] * 2,
         "TBMJ": area, "KCXS": [0.0] * 2, "KCMJ": [0.0] * 2, "TBDLMJ": area},
        geometry=cells, crs=4490))  # no admin_county layer: a warning, no error
    base = ["qc", str(workspace.root), "--kind", "dltb", "--vintage", "2023", "--json"]
    res = runner.invoke(create_cli(), [*base, "--fail-on", "error"])
    assert res.exit_code == 0, res.output
    report = QcReport.model_validate_json(res.stdout)
    assert report.run.errors == 0 and report.run.warnings > 0
    assert runner.invoke(create_cli(), [*base, "--fail-on", "warning"]).exit_code == 15
