from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from typer.testing import CliRunner

from onemap.cli.main import create_cli
from onemap.reports.xlsx import read_xlsx
from onemap.stats.models import StatsRow
from onemap.stats.service import compute_statistics
from onemap.store.access import Actor, Role
from stats_fixture import ADMIN_NAMES, EXPECTED_M2, admin_layers, dltb_layer

if TYPE_CHECKING:
    from onemap.store.workspace import Workspace

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "stats_fixture.csv"
runner = CliRunner()


@pytest.fixture
def stats_ws(workspace: Workspace) -> Workspace:
    for kind, gdf in admin_layers():
        workspace.write_layer(kind, None, gdf)
    workspace.write_layer("dltb", 2023, dltb_layer())
    return workspace


def test_stats_json_rows_match_the_hand_computation(stats_ws: Workspace) -> None:
    res = runner.invoke(create_cli(), ["stats", str(stats_ws.root), "--vintage", "2023", "--json"])
    assert res.exit_code == 0, res.output
    rows = [StatsRow.model_validate(r) for r in json.loads(res.stdout)]
    got = {(r.level, r.admin_code, r.class_code): r for r in rows}
    for key, m2 in EXPECTED_M2.items():
        assert got[key].area_m2 == m2, key
    assert got[("county", "360121", "total")].admin_name == "南昌县"
    assert got[("province", "360000", "total")].admin_name == "江西省"
    assert {r.level for r in rows} == {"province", "city", "county", "township"}


def test_stats_level_and_csv_golden(stats_ws: Workspace, tmp_path: Path,
                                    update_golden: bool) -> None:
    out = tmp_path / "stats.csv"
    res = runner.invoke(create_cli(), ["stats", str(stats_ws.root), "--vintage", "2023",
                                       "--out", str(out)])
    assert res.exit_code == 0, res.output
    text = out.read_text(encoding="utf-8-sig")
    if update_golden:
        GOLDEN.write_text(text, encoding="utf-8")
    assert text == GOLDEN.read_text(encoding="utf-8")
    header = next(csv.reader(text.splitlines()))
    assert header[:3] == ["级别", "行政区代码", "行政区名称"] and "面积(亩)" in header


def test_stats_xlsx_has_a_sheet_per_level(stats_ws: Workspace, tmp_path: Path) -> None:
    out = tmp_path / "stats.xlsx"
    res = runner.invoke(create_cli(), ["stats", str(stats_ws.root), "--level", "county",
                                       "--out", str(out)])
    assert res.exit_code == 0, res.output
    book = read_xlsx(out)
    assert list(book) == ["县级"]
    sheet = book["县级"]
    assert sheet[1] == ["行政区代码", "行政区名称", "地类级别", "地类编码", "地类",
                        "面积(平方米)", "面积(公顷)", "面积(亩)"]
    total = next(r for r in sheet[2:] if r[0] == "360111" and r[3] == "合计")
    assert total[1] == ADMIN_NAMES["360111"] and total[5] == 8333.88 and total[6] == 0.83
    ridge = next(r for r in sheet[2:] if r[0] == "360111" and r[3] == "1203")
    assert ridge[4] == "田坎" and ridge[5] == 250.05


def test_county_user_sees_only_their_county(stats_ws: Workspace) -> None:
    actor = Actor(username="nc", role=Role.ANALYST, regions=["360121"])
    table = compute_statistics(stats_ws, 2023, actor=actor)
    assert table.counties == ["360121"]
    assert {r.admin_code[:6] for r in table.rows} == {"360121"}
    assert {r.level for r in table.rows} == {"county", "township"}


def test_unknown_vintage_exits_with_not_found(stats_ws: Workspace) -> None:
    from onemap.cli.main import main

    with pytest.raises(SystemExit) as exc:
        main(["stats", str(stats_ws.root), "--vintage", "1999", "--json"])
    assert exc.value.code == 8


def test_stats_with_a_compute_executor(stats_ws: Workspace) -> None:
    res = runner.invoke(create_cli(), ["stats", str(stats_ws.root), "--executor", "inprocess",
                                       "--json"])
    assert res.exit_code == 0, res.output
    got = {(r["level"], r["admin_code"], r["class_code"]): r["area_m2"]
           for r in json.loads(res.stdout)}
    assert all(got[k] == v for k, v in EXPECTED_M2.items())
