"""Every file format both ways, encoding detection, CRS rules and broken files."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely

from onemap.errors import CoordinateFileError, CrsError, ImportRejected, InvalidInput
from onemap.store.formats import (
    format_for_path,
    get_format,
    load_features,
    measure_features,
    read_coordinate_txt,
    read_features,
    registered_formats,
    write_features,
)
from onemap.store.formats.shapefile import detect_dbf_encoding
from onemap.store.formats.sheets import read_table, write_table
from onemap.testing import assert_layers_equal

DATA = Path(__file__).resolve().parents[1] / "data"
sys.path.insert(0, str(DATA))
import make_fixtures  # noqa: E402

if TYPE_CHECKING:
    import geopandas as gpd


@pytest.fixture(scope="module")
def fixtures(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return make_fixtures.build(tmp_path_factory.mktemp("fixtures"))


def _dltb_4490() -> gpd.GeoDataFrame:
    return make_fixtures.dltb_frame().to_crs(4490)


ROUND_TRIP = [("shapefile", "x.shp"), ("gpkg", "x.gpkg"), ("geojson", "x.geojson"),
              ("flatgeobuf", "x.fgb"), ("filegdb", "x.gdb"), ("geoparquet", "x.parquet"),
              ("csv", "x.csv"), ("xlsx", "x.xlsx")]


@pytest.mark.parametrize(("fmt", "name"), ROUND_TRIP)
def test_each_format_writes_and_reads_back(tmp_path: Path, fmt: str, name: str) -> None:
    frame = _dltb_4490()
    files = write_features(frame, tmp_path / name, format=fmt)
    assert all(Path(f).exists() for f in files)
    assert format_for_path(tmp_path / name).name == fmt
    got = read_features(tmp_path / name, crs=4490 if fmt in ("csv", "xlsx") else None)
    assert got.crs.to_epsg() == 4490
    assert got.attrs["source"].format == fmt
    got = got.sort_values("BSM").reset_index(drop=True)  # FlatGeobuf's index reorders
    for col in ["BSM", "DLBM", "DLMC", "ZLDWDM", "QSXZ", "ZLDWMC"]:
        assert got[col].astype(str).tolist() == frame[col].tolist(), col
    if fmt != "filegdb":
        assert_layers_equal(frame, got, columns=["BSM"], tolerance=1e-12)
    # FileGDB stores coordinates on a 1e-9° grid (≈0.1 mm) and writes MultiPolygons
    gap = shapely.hausdorff_distance(got.geometry.to_numpy(), frame.geometry.to_numpy())
    assert (gap < 1e-8).all()
    assert got["DLMC"].tolist() == ["水田", "旱地", "乔木林地", "农村宅基地", "河流水面"]
    assert pd.to_numeric(got["TBMJ"]).tolist() == [10_000.0] * 5


@pytest.mark.parametrize(("fmt", "name"), ROUND_TRIP)
def test_each_format_round_trips_a_gauss_kruger_zone(tmp_path: Path, fmt: str,
                                                      name: str) -> None:
    frame = _dltb_4490()
    write_features(frame, tmp_path / name, format=fmt, crs=4527)
    loaded = load_features(tmp_path / name, crs=4527 if fmt in ("csv", "xlsx") else None)
    assert loaded.source.crs == "EPSG:4527" and loaded.source.zone == 39
    order = np.argsort(loaded.frame["BSM"].to_numpy())
    native = loaded.native.to_numpy()[order]
    expected = make_fixtures.dltb_frame().geometry.to_numpy()
    gap = shapely.hausdorff_distance(native, expected)
    assert (gap < 1e-3).all()  # back in zone 39 to the millimetre


def test_gbk_shapefile_without_cpg_is_detected(fixtures: dict[str, Path]) -> None:
    shp = fixtures["dltb_gbk_nocpg.shp"]
    assert not shp.with_suffix(".cpg").exists()
    assert detect_dbf_encoding(shp).encoding == "GB18030"
    got = read_features(shp)
    src = got.attrs["source"]
    assert (src.encoding, src.encoding_origin, src.crs) == ("GB18030", "detected", "EPSG:4527")
    assert got["DLMC"].tolist() == ["水田", "旱地", "乔木林地", "农村宅基地", "河流水面"]
    assert got["ZLDWMC"].tolist()[0] == "青山湖区"
    # GDAL alone (no .cpg → ISO-8859-1) garbles the same file: detection is what saves it
    raw = pyogrio.read_dataframe(shp)
    assert raw["DLMC"].tolist()[0] != "水田"


def test_utf8_shapefile_with_cpg_and_a_lying_cpg(tmp_path: Path) -> None:
    frame = make_fixtures.dltb_frame()
    pyogrio.write_dataframe(frame, tmp_path / "u.shp", encoding="UTF-8")
    assert (tmp_path / "u.cpg").read_text() == "UTF-8"
    assert read_features(tmp_path / "u.shp")["DLMC"].tolist()[2] == "乔木林地"
    make_fixtures.write_gbk_shapefile_without_cpg(tmp_path / "g.shp")
    (tmp_path / "g.cpg").write_text("UTF-8")  # wrong: the DBF is GBK
    got = load_features(tmp_path / "g.shp")
    assert got.frame["DLMC"].tolist()[0] == "水田"
    assert any(".cpg says UTF-8" in n for n in got.source.notes)


def test_shapefile_export_in_gbk_for_legacy_tools(tmp_path: Path) -> None:
    files = write_features(_dltb_4490(), tmp_path / "legacy.shp", crs=4527, encoding="GBK")
    assert tmp_path / "legacy.cpg" in [Path(f) for f in files]
    assert (tmp_path / "legacy.cpg").read_text() == "GBK"
    dbf = (tmp_path / "legacy.dbf").read_bytes()
    assert dbf[29] == 0x4D  # LDID code page 936
    assert "乔木林地".encode("gbk") in dbf and "乔木林地".encode() not in dbf
    (tmp_path / "legacy.cpg").unlink()
    assert read_features(tmp_path / "legacy.shp")["DLMC"].tolist()[2] == "乔木林地"


def test_mixed_encodings_are_refused_naming_the_feature(fixtures: dict[str, Path]) -> None:
    with pytest.raises(ImportRejected, match="mixed text encodings") as info:
        read_features(fixtures["dltb_mixed_encoding.shp"])
    assert info.value.feature_id == 4 and "DLMC" in info.value.reason


def test_a_wrong_user_encoding_is_refused(fixtures: dict[str, Path]) -> None:
    with pytest.raises(ImportRejected, match="cannot be decoded as utf-8"):
        read_features(fixtures["dltb_gbk_nocpg.shp"], encoding="utf-8")
    with pytest.raises(InvalidInput, match="unknown text encoding"):
        read_features(fixtures["dltb_gbk_nocpg.shp"], encoding="klingon")


def test_coordinate_txt_two_parcels_with_hole(fixtures: dict[str, Path]) -> None:
    doc = read_coordinate_txt(fixtures["parcels_two_with_hole.txt"])
    assert doc.encoding == "GB18030" and len(doc.parcels) == 2
    assert len(doc.parcels[1].geometry.interiors) == 1
    bom = read_coordinate_txt(fixtures["parcels_two_with_hole_utf8bom.txt"])
    assert bom.encoding == "UTF-8"
    assert [p.geometry.wkt for p in bom.parcels] == [p.geometry.wkt for p in doc.parcels]
    gdf = read_features(fixtures["parcels_two_with_hole.txt"])
    assert gdf.crs.to_epsg() == 4490 and gdf["DKBH"].tolist() == ["DK01", "DK02"]
    assert 115.8 < gdf.total_bounds[0] < 116.0 and 28.5 < gdf.total_bounds[1] < 28.7


def test_coordinate_txt_write_from_a_layer_and_back(tmp_path: Path) -> None:
    frame = _dltb_4490()
    write_features(frame, tmp_path / "out.txt", encoding="GBK")
    doc = read_coordinate_txt(tmp_path / "out.txt")
    assert doc.zone == 39 and doc.encoding == "GB18030"
    assert [p.number for p in doc.parcels] == frame["BSM"].tolist()
    assert [p.name for p in doc.parcels] == frame["DLMC"].tolist()
    assert [p.area_ha for p in doc.parcels] == pytest.approx([1.0] * 5, abs=1e-4)


def test_area_of_every_parcel_and_feature(fixtures: dict[str, Path]) -> None:
    rows = measure_features(fixtures["parcels_two_with_hole.txt"])
    assert [r.id for r in rows] == ["DK01", "DK02"]
    assert [r.line for r in rows] == [13, 19]
    assert rows[0].planar_area_m2 == pytest.approx(10_000)
    assert rows[1].planar_area_m2 == pytest.approx(37_500)
    assert rows[1].declared_area_m2 == pytest.approx(37_500)
    # ellipsoidal vs planar in zone 39 at 115.9°E (1.1° off the CM): scale² ≈ 1 + 2.9e-4
    for r in rows:
        assert r.area_m2 == pytest.approx(r.planar_area_m2 / 1.000286, rel=2e-4)
    shp = measure_features(fixtures["dltb_gbk_nocpg.shp"])
    assert shp[0].name == "水田" and shp[0].id == "3601112019000001"


@pytest.mark.parametrize("name", sorted(make_fixtures.bad_txts()))
def test_bad_coordinate_files_raise_with_a_line(fixtures: dict[str, Path], name: str) -> None:
    if name == "bad_unknown_code.txt":  # well-formed: the importer rejects the code
        assert len(read_features(fixtures[name])) == 2
        return
    if name == "bad_unclosed.txt":  # closed on read with a warning; refused when strict
        assert len(read_features(fixtures[name])) >= 1
        with pytest.raises(CoordinateFileError) as info:
            read_coordinate_txt(fixtures[name], strict=True)
        assert info.value.line and name in info.value.user_message
        return
    with pytest.raises(CoordinateFileError) as info:
        read_features(fixtures[name])
    assert info.value.line and name in info.value.user_message


# -- CRS rules ----------------------------------------------------------------------------
def test_no_crs_is_refused_with_a_hint(tmp_path: Path) -> None:
    make_fixtures.write_gbk_shapefile_without_cpg(tmp_path / "n.shp")
    (tmp_path / "n.prj").unlink()
    with pytest.raises(CrsError, match="pass --crs 4527"):
        read_features(tmp_path / "n.shp")
    assert read_features(tmp_path / "n.shp", crs="4527").attrs["source"].crs_origin == "user"


def test_wrong_crs_is_refused(tmp_path: Path) -> None:
    projected = make_fixtures.dltb_frame()
    pyogrio.write_dataframe(projected.set_crs(4490, allow_override=True), tmp_path / "deg.gpkg")
    with pytest.raises(CrsError, match=r"look projected|zone prefix 39"):
        read_features(tmp_path / "deg.gpkg")
    pyogrio.write_dataframe(projected, tmp_path / "zone.gpkg")
    with pytest.raises(CrsError, match="no zone prefix but the eastings"):
        read_features(tmp_path / "zone.gpkg", crs=4548)
    with pytest.raises(CrsError, match="zone 38 with zone prefix"):
        read_features(tmp_path / "zone.gpkg", crs=4526)
    swapped = projected.set_geometry(shapely.transform(projected.geometry.to_numpy(),
                                                       lambda xy: xy[:, ::-1]))
    pyogrio.write_dataframe(swapped, tmp_path / "swap.gpkg")
    with pytest.raises(CrsError, match="swapped"):
        read_features(tmp_path / "swap.gpkg")
    far = _dltb_4490()
    far = far.set_geometry(far.geometry.translate(xoff=-100))
    pyogrio.write_dataframe(far, tmp_path / "far.gpkg")
    with pytest.raises(CrsError, match="outside China"):
        read_features(tmp_path / "far.gpkg")


# -- broken files -------------------------------------------------------------------------
def test_broken_files_are_refused_clearly(tmp_path: Path) -> None:
    make_fixtures.write_gbk_shapefile_without_cpg(tmp_path / "t.shp")
    data = (tmp_path / "t.shp").read_bytes()
    (tmp_path / "t.shp").write_bytes(data[:120])
    with pytest.raises(ImportRejected, match=r"t\.shp"):
        read_features(tmp_path / "t.shp")
    make_fixtures.write_gbk_shapefile_without_cpg(tmp_path / "d.shp")
    (tmp_path / "d.dbf").unlink()
    with pytest.raises(ImportRejected, match=r"no \.dbf"):
        read_features(tmp_path / "d.shp")
    (tmp_path / "junk.gpkg").write_bytes(b"not a geopackage at all" * 10)
    with pytest.raises(ImportRejected, match="cannot open"):
        read_features(tmp_path / "junk.gpkg")
    pd.DataFrame({"a": [1]}).to_parquet(tmp_path / "plain.parquet")
    with pytest.raises(ImportRejected, match="GeoParquet"):
        read_features(tmp_path / "plain.parquet")
    (tmp_path / "x.dwg").write_bytes(b"")
    with pytest.raises(InvalidInput, match="suffix"):
        read_features(tmp_path / "x.dwg")
    with pytest.raises(ImportRejected, match="not found"):
        read_features(tmp_path / "missing.gpkg")


def test_geopackage_with_several_layers_needs_a_layer(tmp_path: Path) -> None:
    frame = _dltb_4490()
    pyogrio.write_dataframe(frame, tmp_path / "m.gpkg", layer="a")
    pyogrio.write_dataframe(frame.iloc[:2], tmp_path / "m.gpkg", layer="b", append=False)
    with pytest.raises(ImportRejected, match="--layer"):
        read_features(tmp_path / "m.gpkg")
    assert len(read_features(tmp_path / "m.gpkg", layer="b")) == 2


def test_tables_keep_leading_zeros_and_chinese(tmp_path: Path) -> None:
    table = pd.DataFrame({"DLBM": ["0101", "1203"], "名称": ["水田", "田坎"], "MJ": [1.5, 2.0]})
    for name in ("t.csv", "t.xlsx"):
        write_table(table, tmp_path / name)
        got, _ = read_table(tmp_path / name)
        assert got["DLBM"].tolist() == ["0101", "1203"] and got["名称"].tolist() == ["水田", "田坎"]
    assert (tmp_path / "t.csv").read_bytes().startswith(b"\xef\xbb\xbf")  # BOM for Excel
    pd.DataFrame({"DLBM": ["0101"], "经度": ["115.9"], "纬度": ["28.6"]}).to_csv(
        tmp_path / "pts.csv", index=False, encoding="gbk")
    pts = read_features(tmp_path / "pts.csv")
    assert pts.geometry.iloc[0].equals(shapely.Point(115.9, 28.6))
    assert pts.attrs["source"].encoding == "GB18030"


def test_registry_lists_every_builtin_format() -> None:
    names = set(registered_formats())
    assert {"shapefile", "gpkg", "geojson", "flatgeobuf", "filegdb", "geoparquet",
            "coordinate_txt", "csv", "xlsx"} <= names
    assert get_format("shp").name == "shapefile" and get_format("gdb").name == "filegdb"
    with pytest.raises(InvalidInput, match="unknown file format"):
        get_format("dwg")
    assert np.all([get_format(n).name == n for n in names])


def test_committed_fixtures_match_the_generator(fixtures: dict[str, Path]) -> None:
    for name, made in fixtures.items():
        committed = DATA / name
        assert committed.exists(), f"run tests/data/make_fixtures.py: {name} is missing"
        if name.endswith(".txt"):
            assert committed.read_bytes() == made.read_bytes(), name
        else:
            a = read_features(made) if "mixed" not in name else None
            if a is not None:
                b = read_features(committed)
                assert b.drop(columns="geometry").equals(a.drop(columns="geometry")), name
    readme = (DATA / "README.md").read_text(encoding="utf-8")
    assert all(f"`{name}`" in readme or f"`{name}` (" in readme for name in fixtures)


def test_zipped_shapefile_and_zip_errors(fixtures: dict[str, Path], tmp_path: Path) -> None:
    import zipfile

    shp = fixtures["dltb_gbk_nocpg.shp"]
    with zipfile.ZipFile(tmp_path / "site.zip", "w") as zf:
        for f in shp.parent.glob("dltb_gbk_nocpg.*"):
            zf.write(f, f"交付成果/{f.name}")
        zf.writestr("../../evil.dat", "not extracted outside")
        zf.writestr("说明.doc", "ignored: not a supported format")
    got = read_features(tmp_path / "site.zip")
    assert got["DLMC"].tolist()[0] == "水田" and got.attrs["source"].encoding == "GB18030"
    assert got.attrs["source"].path.endswith("!交付成果/dltb_gbk_nocpg.shp")
    assert not (tmp_path.parent / "evil.dat").exists()
    with zipfile.ZipFile(tmp_path / "two.zip", "w") as zf:
        zf.write(shp, "a.shp")
        zf.write(fixtures["parcels_two_with_hole.txt"], "b.txt")
    with pytest.raises(ImportRejected, match="exactly one supported file"):
        read_features(tmp_path / "two.zip")
    (tmp_path / "bad.zip").write_bytes(b"PK\x03\x04 broken")
    with pytest.raises(ImportRejected, match="ZIP"):
        read_features(tmp_path / "bad.zip")


def test_hand_written_prj_is_identified_and_old_datums_refused(tmp_path: Path) -> None:
    make_fixtures.write_gbk_shapefile_without_cpg(tmp_path / "tm.shp")
    (tmp_path / "tm.prj").write_text(  # a bare TM on GRS80 as some tools write it
        'PROJCS["custom",GEOGCS["GCS_GRS_1980",DATUM["D_GRS_1980",SPHEROID["GRS_1980",'
        '6378137.0,298.257222101]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],'
        'PROJECTION["Transverse_Mercator"],PARAMETER["False_Easting",39500000.0],'
        'PARAMETER["False_Northing",0.0],PARAMETER["Central_Meridian",117.0],'
        'PARAMETER["Scale_Factor",1.0],PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]')
    assert read_features(tmp_path / "tm.shp").attrs["source"].crs == "EPSG:4527"
    xian = make_fixtures.dltb_frame().set_crs(2384, allow_override=True)  # Xian 1980 CM 117E
    pyogrio.write_dataframe(xian, tmp_path / "xian.gpkg")
    with pytest.raises(CrsError, match="Xian 1980"):
        read_features(tmp_path / "xian.gpkg")


def test_every_format_is_documented() -> None:
    doc = (Path(__file__).resolve().parents[2] / "docs" / "import-export.md").read_text(
        encoding="utf-8")
    for name in registered_formats():
        assert f"`{name}`" in doc, f"docs/import-export.md does not describe format {name}"
