"""Registration on a hand-built world: import and QC, registers, stages, coverage, scope."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import mapbox_vector_tile
import morecantile
import pytest
from sqlalchemy import func, select

from onemap.api.app import create_app
from onemap.api.deps import ApiSettings
from onemap.cli.main import main as cli_main
from onemap.errors import ScopeViolation
from onemap.indicators.records import read_values
from onemap.registry import service
from onemap.registry.errors import StageRefused, UnitsRejected
from onemap.registry.models import Register, StageIn, Unit
from onemap.registry.schema import RegistryRegisterRow, RegistryStageRow
from onemap.store.access import Actor, Role
from onemap.store.formats.models import ImportRequest

from fastapi.testclient import TestClient

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from registry_world import (
    FOREST_A,
    RIVER_B,
    UNIT_A_BOX,
    UNIT_B_BOX,
    X0,
    Y0,
    A,
    B,
    D,
    box_area,
    cells,
    hand_status,
    standard_units,
    unit_file,
    write_world,
)

from actors import bearer_headers

PROVINCE = Actor(username="prov", role=Role.ADMIN, regions=["360000"])
EAST = Actor(username="east", role=Role.ANALYST, regions=[A])


def _request(path: Path) -> ImportRequest:
    return ImportRequest(path=path, kind="registration_unit")


@pytest.fixture
def world(workspace, tmp_path):
    write_world(workspace)
    service.import_units(workspace, PROVINCE, _request(standard_units(tmp_path / "u.geojson")))
    return workspace


def test_register_of_a_hand_built_unit_equals_the_hand_computation(world):
    batch = service.compute_registers(world, PROVINCE, vintage=2020)
    regs = {r.unit.number: r for r in batch.registers}
    for number, box, k, codes in ((FOREST_A, UNIT_A_BOX, 0, ["0301", "1101", "0101", "0301"]),
                                  (RIVER_B, UNIT_B_BOX, 1, ["1101", "0404", "0701", "0301"])):
        got = {r.resource: r.area_m2 for r in regs[number].natural_status if r.area_m2 > 0}
        hand = hand_status(box, k, codes)
        assert got.keys() == hand.keys()
        for name, area in hand.items():
            assert got[name] == pytest.approx(area, abs=0.01), name
        assert regs[number].unit.area_m2 == pytest.approx(box_area(*box), abs=0.01)
    forest = regs[FOREST_A]
    pbf = box_area(X0 + 0.2 * D, Y0 + D, X0 + D, Y0 + 1.8 * D)
    assert [(c.control, round(c.area_m2, 2)) for c in forest.controls] == [("pbf", round(pbf, 2))]
    river = regs[RIVER_B]
    assert [m.licence for m in river.mining_rights] == ["C3600002020001"]
    assert river.mining_rights[0].area_m2 == pytest.approx(
        box_area(X0 + 2.8 * D, Y0 + 0.5 * D, X0 + 3.0 * D, Y0 + 1.0 * D), abs=0.01)
    assert river.mining_rights[0].name == "西区采石场"


@pytest.mark.parametrize("rows, kind", [
    ([("3601022300001", "23", A, UNIT_A_BOX)], "invalid_number"),
    ([("36010299000001", "99", A, UNIT_A_BOX)], "unknown_type"),
    ([("36010223000001", "23", A, UNIT_A_BOX),
      ("36010223000002", "23", A, (X0 + 1.0 * D, Y0, X0 + 1.9 * D, Y0 + D))],
     "forbidden_overlap"),
])
def test_bad_units_are_reported_with_the_unit_and_change_nothing(world, tmp_path, rows, kind):
    before_units = service.list_units(world, PROVINCE)
    with world.session() as s:
        events = s.scalar(select(func.count()).select_from(RegistryStageRow))
    revision = world.layer("registration_unit").revision
    with pytest.raises(UnitsRejected) as err:
        service.import_units(world, PROVINCE, _request(unit_file(tmp_path / "bad.geojson", rows)))
    findings = err.value.extra["findings"]
    assert findings[0]["kind"] == kind and findings[0]["unit"] == rows[0][0]
    assert rows[0][0] in err.value.user_message
    if kind == "forbidden_overlap":
        assert findings[0]["other"] == "36010223000002"
        assert findings[0]["overlap_m2"] == pytest.approx(
            box_area(X0 + 1.0 * D, Y0 + 0.3 * D, X0 + 1.5 * D, Y0 + D), abs=0.01)
    assert service.list_units(world, PROVINCE) == before_units
    assert world.layer("registration_unit").revision == revision
    with world.session() as s:
        assert s.scalar(select(func.count()).select_from(RegistryStageRow)) == events


def test_stages_advance_one_step_and_register_before_dengbu(world):
    with pytest.raises(StageRefused):
        service.advance_stage(world, PROVINCE, FOREST_A, StageIn(stage="审核"))
    for stage in ("地籍调查", "审核", "公告"):
        service.advance_stage(world, PROVINCE, FOREST_A, StageIn(stage=stage))
    with pytest.raises(StageRefused):
        service.advance_stage(world, PROVINCE, FOREST_A, StageIn(stage="登簿"))
    service.compute_registers(world, PROVINCE, vintage=2020, numbers=[FOREST_A], record=True)
    service.advance_stage(world, PROVINCE, FOREST_A, StageIn(stage="登簿"))
    assert service.get_unit(world, PROVINCE, FOREST_A).stage == "登簿"
    assert [e.stage for e in service.stage_history(world, PROVINCE, FOREST_A)] == [
        "预划", "地籍调查", "审核", "公告", "登簿"]
    with pytest.raises(ScopeViolation):
        service.advance_stage(world, EAST, RIVER_B, StageIn(stage="地籍调查"))
    actions = [e.action for e in world.audit_log(50)]
    assert actions.count("registry.stage") == 4 and "registry.register" in actions
    assert "registry.import" in actions
    with world.session() as s, pytest.raises(Exception, match="append-only"):
        s.execute(RegistryRegisterRow.__table__.delete())


def test_new_vintage_lists_units_to_reregister(world):
    report = service.reregistration(world, PROVINCE, to_vintage=2021, threshold=0.05)
    assert [i.unit for i in report.items] == [FOREST_A]
    moved = box_area(X0 + D, Y0 + D, X0 + 1.5 * D, Y0 + 1.8 * D)
    item = report.items[0]
    assert item.changed_m2 == pytest.approx(moved, abs=0.01)
    assert {c.resource: round(c.change_m2, 2) for c in item.changes} == {
        "林地": round(-moved, 2), "建设用地": round(moved, 2)}


def test_coverage_by_stage_and_type_gaps_and_indicator(world):
    service.compute_registers(world, PROVINCE, vintage=2020, numbers=[RIVER_B], record=True)
    for stage in ("地籍调查", "审核", "公告", "登簿"):
        service.advance_stage(world, PROVINCE, RIVER_B, StageIn(stage=stage))
    report = service.compute_coverage(world, PROVINCE, vintage=2020, write_gaps=True,
                                      post_indicator=True)
    rows = {(r.region, r.resource): r for r in report.rows}
    county_b = sum(box_area(*c.bounds) for c in cells(1))  # the DLTB cells tile it
    total_b = rows[(B, "合计")]
    assert total_b.territory_m2 == pytest.approx(county_b, abs=0.01)
    assert total_b.covered_m2["登簿"] == pytest.approx(box_area(*UNIT_B_BOX), abs=0.01)
    assert rows[(A, "合计")].covered_m2["地籍调查"] == pytest.approx(0.0, abs=1e-6)
    assert rows[(A, "合计")].covered_m2["预划"] == pytest.approx(box_area(*UNIT_A_BOX), abs=0.01)
    water_b = rows[(B, "水域")]
    assert water_b.covered_share["登簿"] == pytest.approx(
        box_area(X0 + 2.1 * D, Y0 + 0.1 * D, X0 + 3 * D, Y0 + D) / box_area(
            X0 + 2 * D, Y0, X0 + 3 * D, Y0 + D), rel=1e-9)
    province = rows[("360000", "合计")]
    assert province.gap_m2 == pytest.approx(
        county_b + box_area(X0, Y0, X0 + 2 * D, Y0 + 2 * D) - box_area(*UNIT_A_BOX)
        - box_area(*UNIT_B_BOX), abs=0.05)
    gaps = world.read_layer("registration_gap")
    assert sorted(gaps["XZQDM"]) == [A, B]
    assert gaps["MJ"].sum() == pytest.approx(province.gap_m2, abs=0.05)
    values = {v.region: v.value for v in read_values(world, ["registration_coverage"], None,
                                                     2020)}
    assert values[B] == pytest.approx(100 * box_area(*UNIT_B_BOX) / county_b, abs=1e-4)
    assert values[A] == 0.0


def test_register_pdf_and_xlsx(world, tmp_path):
    from onemap.reports.registry import render_register_pdf, write_registers_xlsx
    from onemap.reports.xlsx import read_xlsx

    reg = service.register_for_export(world, PROVINCE, FOREST_A, vintage=2020)
    pdf = tmp_path / "r.pdf"
    render_register_pdf(world, reg, service.unit_geometry(world, PROVINCE, FOREST_A), pdf)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "自然资源登记簿" in text and FOREST_A in text and "永久基本农田" in text
    assert "林地" in text and "公共管制" in text
    xlsx = write_registers_xlsx(tmp_path / "r.xlsx",
                                service.registers_for_export(world, PROVINCE, vintage=2020))
    sheets = read_xlsx(xlsx)
    assert {FOREST_A, RIVER_B} <= {row[0] for row in sheets["登记单元"]}
    assert [e.action for e in world.audit_log(5)].count("registry.export") == 2


def test_county_user_sees_only_their_units_through_cli_api_ogc_and_tiles(world, capsys):
    headers = bearer_headers(world, [("east", Role.ANALYST, [A]), ("admin", Role.ADMIN,
                                                                    ["360000"])])
    root = str(world.root)
    # CLI
    cli_main(["registry", "units", root, "--user", "east", "--json"])
    listed = [Unit.model_validate(u).number for u in json.loads(capsys.readouterr().out)]
    assert listed == [FOREST_A]
    with pytest.raises(SystemExit) as exit_:
        cli_main(["registry", "register", root, RIVER_B, "--user", "east", "--json"])
    assert exit_.value.code == 12
    capsys.readouterr()
    # API
    c = TestClient(create_app(ApiSettings(workspace=world.root), world))
    east, admin = headers["east"], headers["admin"]
    assert [u["number"] for u in c.get("/registry/units", headers=east).json()] == [FOREST_A]
    assert c.get(f"/registry/units/{RIVER_B}/register", headers=east).status_code == 403
    assert c.get(f"/registry/units/{RIVER_B}/register.pdf", headers=east).status_code == 403
    assert c.get(f"/registry/units/{RIVER_B}", headers=east).status_code == 403
    mine = c.get(f"/registry/units/{FOREST_A}/register", headers=east)
    assert Register.model_validate(mine.json()).unit.number == FOREST_A
    assert c.get(f"/registry/units/{FOREST_A}/register").status_code == 401
    cov = c.get("/registry/coverage?vintage=2020", headers=east).json()["rows"]
    assert {r["region"] for r in cov} == {A}
    (total,) = [r for r in cov if r["resource"] == "合计"]
    assert total["territory_m2"] == pytest.approx(sum(box_area(*g.bounds) for g in cells(0)),
                                                  abs=0.01)
    feats = c.get("/registry/units.geojson", headers=east).json()["features"]
    assert [f["properties"]["number"] for f in feats] == [FOREST_A]
    # OGC Features
    items = c.get("/collections/registration_unit/items", headers=east).json()["features"]
    assert [f["properties"]["DJDYH"] for f in items] == [FOREST_A]
    every = c.get("/collections/registration_unit/items", headers=admin).json()["features"]
    assert sorted(f["properties"]["DJDYH"] for f in every) == [FOREST_A, RIVER_B]
    # Tiles over county B
    tile = morecantile.tms.get("WebMercatorQuad").tile(X0 + 2.5 * D, Y0 + 0.5 * D, 14)
    url = f"/collections/registration_unit/tiles/WebMercatorQuad/{tile.z}/{tile.y}/{tile.x}"
    full = mapbox_vector_tile.decode(c.get(url, headers=admin).content)
    assert len(full["registration_unit"]["features"]) == 1
    hidden = mapbox_vector_tile.decode(c.get(url, headers=east).content)
    assert hidden.get("registration_unit", {}).get("features", []) == []


def test_cli_import_reports_the_bad_unit_and_changes_nothing(world, tmp_path, capsys):
    bad = unit_file(tmp_path / "bad.geojson", [("36010223000009", "77", A, UNIT_A_BOX)])
    before = service.list_units(world, PROVINCE)
    with pytest.raises(SystemExit) as exit_:
        cli_main(["registry", "import", str(world.root), str(bad), "--json"])
    assert exit_.value.code != 0
    error = json.loads(capsys.readouterr().out)["error"]
    assert error["code"] == "registry_units_rejected"
    assert error["findings"][0]["unit"] == "36010223000009"
    assert error["findings"][0]["kind"] == "unknown_type"
    assert service.list_units(world, PROVINCE) == before
    cli_main(["registry", "import", str(world.root), str(bad), "--check", "--json"])
    assert json.loads(capsys.readouterr().out)["findings"][0]["unit"] == "36010223000009"


def test_api_upload_imports_units_or_reports_the_findings(world, tmp_path):
    headers = bearer_headers(world, [("east", Role.ANALYST, [A])])["east"]
    c = TestClient(create_app(ApiSettings(workspace=world.root), world))
    bad = unit_file(tmp_path / "bad.geojson", [("3601022300001", "23", A, UNIT_A_BOX)])
    r = c.post("/registry/import", headers=headers,
               files={"file": ("bad.geojson", bad.read_bytes(), "application/geo+json")})
    assert r.status_code == 422 and r.json()["findings"][0]["unit"] == "3601022300001"
    other = unit_file(tmp_path / "other.geojson", [(RIVER_B, "21", B, UNIT_B_BOX)])
    r = c.post("/registry/import", headers=headers,
               files={"file": ("other.geojson", other.read_bytes(), "application/geo+json")})
    assert r.status_code == 403
    good = unit_file(tmp_path / "good.geojson", [(FOREST_A, "23", A, UNIT_A_BOX),
                                                  ("36010222000001", "22", A, UNIT_A_BOX)])
    r = c.post("/registry/import", headers=headers,
               files={"file": ("good.geojson", good.read_bytes(), "application/geo+json")})
    assert r.status_code == 201, r.text
    assert {u.number for u in service.list_units(world, PROVINCE)} == {
        FOREST_A, RIVER_B, "36010222000001"}
