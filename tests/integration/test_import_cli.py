"""``onemap import / export / area`` through the real CLI: JSON, atomicity, idempotence."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest
import shapely
from openpyxl import load_workbook
from typer.testing import CliRunner

from actors import SYSTEM
from onemap.cli.main import create_cli, main
from onemap.errors import ImportRejected
from onemap.store.formats.models import ExportReport, FeatureArea, ImportReport, ImportRequest
from onemap.store.workspace import Workspace

DATA = Path(__file__).resolve().parents[1] / "data"
sys.path.insert(0, str(DATA))
import make_fixtures  # noqa: E402

runner = CliRunner()


@pytest.fixture(scope="module")
def fixtures(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return make_fixtures.build(tmp_path_factory.mktemp("fixtures"))


@pytest.fixture
def ws_dir(tmp_path: Path) -> Path:
    Workspace.create(tmp_path / "ws").close()
    return tmp_path / "ws"


def _ok(args: list[str]) -> object:
    result = runner.invoke(create_cli(), [*map(str, args), "--json"])
    assert result.exit_code == 0, (result.output, result.exception)
    return json.loads(result.stdout)


def _snapshot(ws_dir: Path) -> tuple[object, ...]:
    ws = Workspace.open(ws_dir)
    try:
        layers = [(i.kind, i.vintage, i.features, i.revision, i.area_m2) for i in ws.list_layers()]
        audit = len(ws.audit_log(limit=10_000))
    finally:
        ws.close()
    files = sorted(str(p.relative_to(ws_dir)) for p in (ws_dir / "layers").rglob("*") if
                   p.is_file())
    return layers, audit, files


def _fail(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, object]]:
    with pytest.raises(SystemExit) as info:
        main([*map(str, argv), "--json"])
    out = capsys.readouterr().out
    return int(info.value.code), json.loads(out)["error"]


def test_import_gbk_shapefile_without_cpg(ws_dir: Path, fixtures: dict[str, Path]) -> None:
    shp = fixtures["dltb_gbk_nocpg.shp"]
    report = ImportReport.model_validate(
        _ok(["import", ws_dir, shp, "--kind", "dltb", "--vintage", "2019"]))
    assert report.features_read == report.features_imported == 5
    assert report.source.encoding == "GB18030" and report.source.crs == "EPSG:4527"
    assert report.counties == ["360111", "360121"]
    assert report.field_mapping["DLBM"] == "DLBM" and not report.rejected
    ws = Workspace.open(ws_dir)
    layer = ws.read_layer("dltb", 2019).sort_values("BSM")
    info = ws.layer("dltb", 2019)
    ws.close()
    assert layer["DLMC"].tolist() == ["水田", "旱地", "乔木林地", "农村宅基地", "河流水面"]
    assert layer.crs.to_epsg() == 4490 and layer["county"].tolist()[3] == "360121"
    assert (info.source_crs, info.source_encoding) == ("EPSG:4527", "GB18030")
    assert layer["TBMJ"].tolist() == [10_000.0] * 5


def test_reimport_is_idempotent(ws_dir: Path, fixtures: dict[str, Path]) -> None:
    args = ["import", ws_dir, fixtures["dltb_gbk_nocpg.shp"], "--kind", "dltb",
            "--vintage", "2019"]
    _ok(args)
    before = _snapshot(ws_dir)
    again = ImportReport.model_validate(_ok(args))
    assert again.unchanged and again.features_imported == 0
    assert _snapshot(ws_dir) == before
    # a different option is a different import, and writes the same content again
    forced = ImportReport.model_validate(_ok([*args, "--encoding", "GBK"]))
    assert not forced.unchanged and forced.layer is not None and forced.layer.features == 5


def test_one_bad_feature_changes_nothing(ws_dir: Path, tmp_path: Path,
                                         fixtures: dict[str, Path],
                                         capsys: pytest.CaptureFixture[str]) -> None:
    _ok(["import", ws_dir, fixtures["dltb_gbk_nocpg.shp"], "--kind", "dltb", "--vintage", "2019"])
    before = _snapshot(ws_dir)
    frame = make_fixtures.dltb_frame()
    frame.loc[2, "DLBM"] = "9999"
    frame.loc[2, "DLMC"] = "不存在"
    frame.loc[0, "DLMC"] = "改过的水田"
    bad = tmp_path / "bad.gpkg"
    pyogrio.write_dataframe(frame, bad)
    code, error = _fail(["import", ws_dir, bad, "--kind", "dltb", "--vintage", "2019"], capsys)
    assert code == 4 and error["code"] == "import_rejected"
    assert "bad.gpkg" in str(error["message"]) and "9999" in str(error["message"])
    rejected = error["rejected"]
    assert isinstance(rejected, list) and len(rejected) == 1
    assert rejected[0]["index"] == 2 and "3601112019000003" in rejected[0]["feature_id"]
    assert "unknown land-use code DLBM='9999'" in rejected[0]["reasons"][0]
    assert _snapshot(ws_dir) == before  # nothing changed: files, catalog, audit log
    ws = Workspace.open(ws_dir)
    assert "改过的水田" not in ws.read_layer("dltb", 2019)["DLMC"].tolist()
    ws.close()
    # --skip-invalid imports the others and still lists the rejected one
    report = ImportReport.model_validate(_ok(["import", ws_dir, bad, "--kind", "dltb",
                                              "--vintage", "2019", "--skip-invalid"]))
    assert report.features_imported == 4 and [r.index for r in report.rejected] == [2]


def test_missing_fields_and_type_errors(ws_dir: Path, tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    frame = make_fixtures.dltb_frame().drop(columns=["ZLDWDM"])
    pyogrio.write_dataframe(frame, tmp_path / "nozl.gpkg")
    code, error = _fail(["import", ws_dir, tmp_path / "nozl.gpkg", "--kind", "dltb",
                         "--vintage", "2019"], capsys)
    assert code == 4 and "missing required field(s) ZLDWDM" in str(error["message"])
    assert "BSM, DLBM" in str(error["message"])  # names what the file has
    frame = make_fixtures.dltb_frame().rename(columns={"ZLDWDM": "ZL"})
    frame["TBMJ"] = frame["TBMJ"].astype(str)
    frame.loc[1, "TBMJ"] = "一百"
    pyogrio.write_dataframe(frame, tmp_path / "types.gpkg")
    code, error = _fail(["import", ws_dir, tmp_path / "types.gpkg", "--kind", "dltb",
                         "--vintage", "2019", "--alias", "ZL=ZLDWDM"], capsys)
    assert code == 4
    assert error["rejected"][0]["reasons"] == ["field TBMJ: '一百' is not a number"]
    code, error = _fail(["import", ws_dir, tmp_path / "types.gpkg", "--kind", "dltb",
                         "--vintage", "2019", "--alias", "NOPE=ZLDWDM"], capsys)
    assert code == 3 and "no field 'NOPE'" in str(error["message"])
    assert _snapshot(ws_dir)[0] == []


def test_wrong_crs_and_broken_files_exit_non_zero(ws_dir: Path, tmp_path: Path,
                                                  fixtures: dict[str, Path],
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    before = _snapshot(ws_dir)
    code, error = _fail(["import", ws_dir, fixtures["dltb_gbk_nocpg.shp"], "--kind", "dltb",
                         "--vintage", "2019", "--crs", "4526"], capsys)
    assert code == 6 and error["code"] == "crs_error" and "zone prefix 39" in str(error["message"])
    code, error = _fail(["import", ws_dir, fixtures["bad_unclosed.txt"], "--kind", "generic",
                         "--vintage", "2024", "--strict"], capsys)
    assert code == 5 and error["line"] == 17 and "bad_unclosed.txt" in str(error["message"])
    code, error = _fail(["import", ws_dir, fixtures["dltb_mixed_encoding.shp"], "--kind",
                         "dltb", "--vintage", "2019"], capsys)
    assert code == 4 and error["feature_id"] == 4
    (tmp_path / "junk.gpkg").write_bytes(b"junk" * 100)
    code, error = _fail(["import", ws_dir, tmp_path / "junk.gpkg", "--kind", "dltb",
                         "--vintage", "2019"], capsys)
    assert code == 4 and "junk.gpkg" in str(error["message"])
    assert _snapshot(ws_dir) == before
    result = runner.invoke(create_cli(), ["import", str(ws_dir), str(tmp_path / "junk.gpkg"),
                                          "--kind", "dltb", "--vintage", "2019", "--json"])
    assert result.exit_code != 0 and isinstance(result.exception, ImportRejected)


def test_invalid_geometry_is_repaired_and_reported(ws_dir: Path, tmp_path: Path) -> None:
    frame = make_fixtures.dltb_frame()
    e, n = make_fixtures.E0, make_fixtures.N0
    frame.loc[1, "geometry"] = shapely.Polygon([(e, n), (e + 100, n + 100), (e + 100, n),
                                                (e, n + 100)])  # bow-tie
    pyogrio.write_dataframe(frame, tmp_path / "bow.gpkg")
    report = ImportReport.model_validate(_ok(["import", ws_dir, tmp_path / "bow.gpkg",
                                              "--kind", "dltb", "--vintage", "2019"]))
    assert report.features_imported == 5 and [r.index for r in report.repaired] == [1]
    assert "Self-intersection" in report.repaired[0].reason


def test_coordinate_txt_import_area_and_unknown_code(ws_dir: Path, fixtures: dict[str, Path],
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    txt = fixtures["parcels_two_with_hole.txt"]
    rows = [FeatureArea.model_validate(r) for r in _ok(["area", txt])]
    assert [r.id for r in rows] == ["DK01", "DK02"] and all(r.area_m2 > 0 for r in rows)
    report = ImportReport.model_validate(_ok([
        "import", ws_dir, txt, "--kind", "approval", "--vintage", "2024",
        "--alias", "DKBH=PZWH", "--alias", "DKYT=YDLX"]))
    assert report.features_imported == 2 and report.source.zone == 39
    ws = Workspace.open(ws_dir)
    layer = ws.read_layer("approval", 2024).sort_values("PZWH")
    ws.close()
    assert layer["PZWH"].tolist() == ["DK01", "DK02"] and layer["YDLX"].tolist()[0] == "工业用地"
    assert len(layer.geometry.iloc[1].interiors) == 1
    code, error = _fail(["import", ws_dir, fixtures["bad_unknown_code.txt"], "--kind", "pbf",
                         "--vintage", "2024"], capsys)
    assert code == 4 and error["rejected"][0]["line"] == 13
    assert "DLBM='9999'" in error["rejected"][0]["reasons"][0]


def test_area_of_a_shapefile_lists_every_feature(fixtures: dict[str, Path]) -> None:
    rows = _ok(["area", fixtures["dltb_gbk_nocpg.shp"]])
    assert isinstance(rows, list) and len(rows) == 5
    assert {"id", "area_m2"} <= set(rows[0]) and rows[0]["name"] == "水田"


@pytest.mark.parametrize(("fmt", "name"), [
    ("shapefile", "out.shp"), ("gpkg", "out.gpkg"), ("geojson", "out.geojson"),
    ("fgb", "out.fgb"), ("gdb", "out.gdb"), ("parquet", "out.parquet"), ("txt", "out.txt"),
    ("csv", "out.csv"), ("xlsx", "out.xlsx")])
def test_export_each_format_in_the_source_zone(ws_dir: Path, tmp_path: Path,
                                               fixtures: dict[str, Path], fmt: str,
                                               name: str) -> None:
    _ok(["import", ws_dir, fixtures["dltb_gbk_nocpg.shp"], "--kind", "dltb", "--vintage", "2019"])
    out = tmp_path / name
    report = ExportReport.model_validate(_ok([
        "export", ws_dir, "--kind", "dltb", "--vintage", "2019", "--format", fmt,
        "--out", out, "--crs", "source"]))
    assert report.features == 5 and report.crs == "EPSG:4527"
    area = [FeatureArea.model_validate(r) for r in _ok(
        ["area", out, *(["--crs", "4527"] if fmt in ("csv", "xlsx") else [])])]
    assert len(area) == 5
    assert all(r.planar_area_m2 == pytest.approx(10_000, abs=1e-3) for r in area)


def test_export_gbk_shapefile_and_xlsx_cells(ws_dir: Path, tmp_path: Path,
                                             fixtures: dict[str, Path]) -> None:
    _ok(["import", ws_dir, fixtures["parcels_two_with_hole.txt"], "--kind", "generic",
         "--vintage", "2024"])
    report = ExportReport.model_validate(_ok([
        "export", ws_dir, "--kind", "generic", "--vintage", "2024", "--format", "shp",
        "--out", tmp_path / "legacy.shp", "--encoding", "GBK", "--crs", "source"]))
    assert str(tmp_path / "legacy.cpg") in report.files
    assert (tmp_path / "legacy.cpg").read_text() == "GBK"
    back = gpd.read_file(tmp_path / "legacy.shp", encoding="gbk")
    assert sorted(back["DKMC"]) == sorted(["南昌县地块一", "带洞地块"])
    _ok(["export", ws_dir, "--kind", "generic", "--vintage", "2024", "--out",
         tmp_path / "t.xlsx"])
    sheet = load_workbook(tmp_path / "t.xlsx").worksheets[0]
    header = [c.value for c in sheet[1]]
    assert "DKMC" in header and "WKT" in header
    names = sorted(sheet.cell(row=r, column=header.index("DKMC") + 1).value for r in (2, 3))
    assert names == sorted(["南昌县地块一", "带洞地块"])


def test_chinese_field_names_map_onto_the_schema(ws_dir: Path, tmp_path: Path) -> None:
    frame = make_fixtures.dltb_frame().rename(columns={
        "BSM": "标识码", "DLBM": "地类编码", "DLMC": "地类名称", "ZLDWDM": "坐落单位代码",
        "TBMJ": "图斑面积"})
    frame["备注"] = "x"
    pyogrio.write_dataframe(frame, tmp_path / "zh.gpkg")
    report = ImportReport.model_validate(_ok(["import", ws_dir, tmp_path / "zh.gpkg",
                                              "--kind", "dltb", "--vintage", "2020"]))
    assert report.field_mapping["地类编码"] == "DLBM" and report.field_mapping["标识码"] == "BSM"
    assert report.ignored_fields == ["备注"] and report.features_imported == 5


def test_region_scope_and_role_are_enforced(ws_dir: Path, tmp_path: Path,
                                            fixtures: dict[str, Path]) -> None:
    from onemap.errors import ScopeViolation
    from onemap.store.access import Actor, Role
    from onemap.store.exporter import export_layer
    from onemap.store.importer import import_file

    shp = fixtures["dltb_gbk_nocpg.shp"]
    dltb = ImportRequest(path=shp, kind="dltb", vintage=2019)
    county_analyst = Actor(username="nc", role=Role.ANALYST, regions=["360121"])
    ws = Workspace.open(ws_dir)
    try:
        with pytest.raises(ScopeViolation) as info:
            import_file(ws, dltb, actor=county_analyst)
        assert "360111" in info.value.reason
        with pytest.raises(ScopeViolation):
            import_file(ws, dltb, actor=Actor(username="ro", role=Role.READONLY))
        assert ws.list_layers() == []
        import_file(ws, dltb, actor=SYSTEM)
        report = export_layer(ws, "dltb", 2019, tmp_path / "mine.gpkg", actor=county_analyst)
        assert report.features == 2  # only the two polygons of 360121
        with pytest.raises(ScopeViolation):
            export_layer(ws, "dltb", 2019, tmp_path / "x.gpkg", counties=["360111"],
                         actor=county_analyst)
        with pytest.raises(ScopeViolation):
            export_layer(ws, "dltb", 2019, tmp_path / "p.gpkg",
                         actor=Actor(username="anon", role=Role.PUBLIC))
    finally:
        ws.close()


def test_a_county_gdb_picks_its_dltb_feature_class(ws_dir: Path, tmp_path: Path) -> None:
    gdb = tmp_path / "360111.gdb"
    frame = make_fixtures.dltb_frame()
    pyogrio.write_dataframe(frame, gdb, driver="OpenFileGDB", layer="DLTB")
    county = gpd.GeoDataFrame({"XZQDM": ["360111"], "XZQMC": ["青山湖区"]},
                              geometry=[frame.union_all().envelope], crs=frame.crs)
    pyogrio.write_dataframe(county, gdb, driver="OpenFileGDB", layer="XZQ")
    report = ImportReport.model_validate(_ok(["import", ws_dir, gdb, "--kind", "dltb",
                                              "--vintage", "2019"]))
    assert report.features_imported == 5 and report.source.format == "filegdb"
    county_report = ImportReport.model_validate(_ok(["import", ws_dir, gdb, "--kind",
                                                     "admin_county"]))
    assert county_report.features_imported == 1 and county_report.vintage == 0


def test_numeric_codes_get_a_leading_zero_hint(ws_dir: Path, tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    frame = make_fixtures.dltb_frame()
    frame["DLBM"] = frame["DLBM"].astype(int)  # 0101 → 101, as a spreadsheet would
    pyogrio.write_dataframe(frame, tmp_path / "num.gpkg")
    code, error = _fail(["import", ws_dir, tmp_path / "num.gpkg", "--kind", "dltb",
                         "--vintage", "2019"], capsys)
    reasons = [r["reasons"][0] for r in error["rejected"]]
    assert code == 4 and len(reasons) == 4  # 1101 still matches a class
    assert "DLBM='101'" in reasons[0] and "'0101' is a class" in reasons[0]


@pytest.mark.parametrize("name", ["dltb_gbk_nocpg.shp", "dltb.gpkg"])
def test_chunked_import_equals_the_in_memory_one(tmp_path: Path, fixtures: dict[str, Path],
                                                 name: str) -> None:
    from onemap.store.importer import import_file

    src = fixtures["dltb_gbk_nocpg.shp"]
    if name.endswith(".gpkg"):
        pyogrio.write_dataframe(make_fixtures.dltb_frame(), tmp_path / name)
        src = tmp_path / name
    whole, chunked = (Workspace.create(tmp_path / n) for n in ("whole", "chunked"))
    try:
        a = import_file(whole, ImportRequest(path=src, kind="dltb", vintage=2019), actor=SYSTEM)
        b = import_file(chunked, ImportRequest(path=src, kind="dltb", vintage=2019,
                                               chunk_size=2), actor=SYSTEM)  # 3 chunks
        assert (b.features_read, b.features_imported, b.counties) == (5, 5, a.counties)
        assert b.source.encoding == a.source.encoding and b.source.features == 5
        left = whole.read_layer("dltb", 2019).sort_values("BSM").reset_index(drop=True)
        right = chunked.read_layer("dltb", 2019).sort_values("BSM").reset_index(drop=True)
        assert left.drop(columns="geometry").equals(right.drop(columns="geometry"))
        assert left.geometry.geom_equals_exact(right.geometry, 0).all()
        assert not (chunked.root / ".import-staging").exists()
    finally:
        whole.close()
        chunked.close()


def test_chunked_import_rejects_atomically_with_global_indices(tmp_path: Path) -> None:
    from onemap.store.importer import import_file

    frame = make_fixtures.dltb_frame()
    frame.loc[4, "DLBM"] = "9999"  # in the last of three chunks
    pyogrio.write_dataframe(frame, tmp_path / "bad.gpkg")
    bad = ImportRequest(path=tmp_path / "bad.gpkg", kind="dltb", vintage=2019, chunk_size=2)
    ws = Workspace.create(tmp_path / "ws")
    try:
        with pytest.raises(ImportRejected) as info:
            import_file(ws, bad, actor=SYSTEM)
        rejected = info.value.extra["rejected"]
        assert [r["index"] for r in rejected] == [4]
        assert rejected[0]["feature_id"].startswith("4 (BSM 3601212019000005)")
        assert ws.list_layers() == [] and not (ws.root / ".import-staging").exists()
        report = import_file(ws, bad.model_copy(update={"skip_invalid": True}), actor=SYSTEM)
        assert report.features_imported == 4 and [r.index for r in report.rejected] == [4]
    finally:
        ws.close()


def test_a_failed_export_leaves_the_previous_file(ws_dir: Path, tmp_path: Path,
                                                  fixtures: dict[str, Path],
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    _ok(["import", ws_dir, fixtures["dltb_gbk_nocpg.shp"], "--kind", "dltb", "--vintage", "2019"])
    out = tmp_path / "big.xlsx"
    out.write_bytes(b"previous export")
    ws = Workspace.open(ws_dir)
    frame = ws.read_layer("dltb", 2019)
    frame.loc[0, "geometry"] = frame.geometry.iloc[0].segmentize(1e-7)  # WKT > 32,767 chars
    ws.write_layer("dltb", 2019, frame)
    ws.close()
    code, error = _fail(["export", ws_dir, "--kind", "dltb", "--vintage", "2019", "--out", out],
                        capsys)
    assert code == 3 and "XLSX" in str(error["message"])
    assert out.read_bytes() == b"previous export"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_check_only_reports_and_writes_nothing(ws_dir: Path, fixtures: dict[str, Path]) -> None:
    before = _snapshot(ws_dir)
    report = ImportReport.model_validate(_ok(["import", ws_dir, fixtures["dltb_gbk_nocpg.shp"],
                                              "--kind", "dltb", "--vintage", "2019",
                                              "--check"]))
    assert report.dry_run and report.features_imported == 5 and report.layer is None
    assert report.counties == ["360111", "360121"]
    assert _snapshot(ws_dir) == before


def test_a_killed_imports_staging_is_swept_by_the_next_import(
        ws_dir: Path, fixtures: dict[str, Path]) -> None:
    import os
    import subprocess
    import time

    from onemap.store import staging

    # A real process id that is gone: the child has exited when run() returns.
    gone = int(subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                              capture_output=True, text=True, check=True).stdout)
    mine = staging.new_staging_folder(ws_dir)  # a concurrent import of this process
    killed = mine.with_name(f"{gone}@{mine.name.split('@', 1)[1]}")
    legacy_old = ws_dir / staging.STAGING_DIR / ("a" * 32)  # pre-PID name, 2 days old
    legacy_new = ws_dir / staging.STAGING_DIR / ("b" * 32)
    for folder in (mine, killed, legacy_old, legacy_new):
        (folder / "360111").mkdir(parents=True)
        make_fixtures.dltb_frame().to_parquet(folder / "360111" / "00000000.parquet")
    old = time.time() - 2 * staging.STALE_AFTER_S
    os.utime(legacy_old, (old, old))
    assert staging.owner_of(killed) == (gone, staging.owner_of(mine)[1])  # type: ignore[index]
    assert [staging.is_stale(f) for f in (mine, killed, legacy_old, legacy_new)] == [
        False, True, True, False]

    # Opening the workspace already sweeps them (onemap.store.orphans); nothing trips over
    # the leftovers before the next import.
    Workspace.open(ws_dir).close()
    assert not killed.exists() and not legacy_old.exists()
    assert _ok(["layers", ws_dir]) == []
    report = _ok(["import", ws_dir, fixtures["dltb_gbk_nocpg.shp"], "--kind", "dltb",
                  "--vintage", "2019"])
    assert report["features_imported"] == 5  # type: ignore[index]
    assert not killed.exists() and not legacy_old.exists()
    assert mine.exists() and legacy_new.exists()  # may still be in use
    ws = Workspace.open(ws_dir)
    try:
        swept = ws.audit_log(action="workspace.orphans_swept")
        assert sorted(Path(f).name for f in swept[-1].detail["staging"]) == sorted(
            [killed.name, legacy_old.name])
        assert [i.features for i in ws.list_layers()] == [5]
    finally:
        ws.close()
    assert [i["kind"] for i in _ok(["layers", ws_dir])] == ["dltb"]  # type: ignore[union-attr]


def test_onemap_toml_aliases_map_a_chinese_column(ws_dir: Path, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    from onemap.store.config import load_config, save_config

    frame = make_fixtures.dltb_frame().rename(columns={"DLBM": "地类代码"})
    pyogrio.write_dataframe(frame, tmp_path / "dm.gpkg")
    args = ["import", ws_dir, tmp_path / "dm.gpkg", "--kind", "dltb", "--vintage", "2020"]
    code, error = _fail(args, capsys)  # 地类代码 is no name of DLBM in the schema
    assert code == 4 and "DLBM" in str(error["message"])

    config = load_config(ws_dir)
    save_config(ws_dir, config.model_copy(update={"aliases": {"dltb": {
        "地类代码": "DLBM", "不在文件里": "DLMC"}}}))  # absent columns are no error
    assert "[aliases.dltb]" in (ws_dir / "onemap.toml").read_text(encoding="utf-8")
    assert _ok(["config", "validate", ws_dir]) == {  # type: ignore[comparison-overlap]
        "path": str(ws_dir / "onemap.toml"), "valid": True}
    report = ImportReport.model_validate(_ok(args))
    assert report.field_mapping["地类代码"] == "DLBM" and report.features_imported == 5
    ws = Workspace.open(ws_dir)
    try:
        codes = sorted(ws.read_layer("dltb", 2020)["DLBM"])
    finally:
        ws.close()
    assert codes == sorted(frame["地类代码"])

    # The command line wins over onemap.toml for the same standard field.
    frame["DM2"] = frame["地类代码"]
    pyogrio.write_dataframe(frame, tmp_path / "both.gpkg")
    both = ImportReport.model_validate(_ok([
        "import", ws_dir, tmp_path / "both.gpkg", "--kind", "dltb", "--vintage", "2021",
        "--alias", "DM2=DLBM"]))
    assert both.field_mapping["DM2"] == "DLBM" and "地类代码" in both.ignored_fields


def test_onemap_toml_aliases_to_unknown_fields_are_refused(
        ws_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    toml = ws_dir / "onemap.toml"
    toml.write_text(toml.read_text(encoding="utf-8") + '\n[aliases.dltb]\n"地类代码" = "NOPE"\n',
                    encoding="utf-8")
    code, error = _fail(["config", "validate", ws_dir], capsys)
    assert code == 3 and "NOPE" in str(error["message"])
    code, error = _fail(["layers", ws_dir], capsys)
    assert code == 9 and "NOPE" in str(error["message"])


def test_a_really_killed_chunked_import_is_cleaned_up(tmp_path: Path) -> None:
    import subprocess

    from onemap.store.importer import import_file
    from onemap.store.staging import STAGING_DIR, owner_of

    pyogrio.write_dataframe(make_fixtures.dltb_frame(), tmp_path / "d.gpkg")
    Workspace.create(tmp_path / "ws").close()
    script = (  # SIGKILL itself once the first chunk is staged on disk
        "import os, signal, sys\n"
        "from onemap.store.formats.models import ImportRequest\n"
        "from onemap.store.importer import import_file\n"
        "from onemap.store.workspace import Workspace\n"
        "from onemap.users.identity import local_operator\n"
        "ws = Workspace.open(sys.argv[1])\n"
        "import_file(ws, ImportRequest(path=sys.argv[2], kind='dltb', vintage=2019,\n"
        "                              chunk_size=2), actor=local_operator(ws),\n"
        "            progress=lambda d, t, s: os.kill(os.getpid(), signal.SIGKILL))\n")
    proc = subprocess.run([sys.executable, "-c", script, str(tmp_path / "ws"),
                           str(tmp_path / "d.gpkg")], capture_output=True, text=True)
    assert proc.returncode == -9, proc.stderr
    left = list((tmp_path / "ws" / STAGING_DIR).iterdir())
    assert len(left) == 1 and list(left[0].rglob("*.parquet"))
    assert owner_of(left[0]) is not None
    ws = Workspace.open(tmp_path / "ws")
    try:
        assert ws.list_layers() == []
        report = import_file(ws, ImportRequest(path=tmp_path / "d.gpkg", kind="dltb",
                                               vintage=2019, chunk_size=2), actor=SYSTEM)
        assert report.features_imported == 5
        assert not (tmp_path / "ws" / STAGING_DIR).exists()
    finally:
        ws.close()
