"""Each step of the import pipeline alone: request, read, normalise, validate, claims, stage."""

from __future__ import annotations

import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely

from actors import SYSTEM
from onemap.errors import ImportRejected, InvalidInput
from onemap.store.counties import (
    BOUNDARY_TOLERANCE_M,
    METRES_PER_DEGREE_MAX,
    check_claims,
    claimed_counties,
    county_shares,
)
from onemap.store.formats.models import ImportRequest
from onemap.store.importer.normalise import coerce, map_fields, normalise
from onemap.store.importer.read import read_source, source_fingerprint
from onemap.store.importer.stage import Staging, commit
from onemap.store.importer.validate import (
    CheckedChunk,
    CountyBoundaries,
    check_codes,
    check_geometry,
    feature_id,
    validate,
)
from onemap.store.kinds import COUNTY_COLUMN, FieldSpec, get_kind

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "data"))
from typing import TYPE_CHECKING

import make_fixtures

if TYPE_CHECKING:
    from onemap.store.workspace import Workspace

DLTB = get_kind("dltb")
PBF = get_kind("pbf")
WEST, EAST = shapely.box(116.0, 28.6, 116.1, 28.7), shapely.box(116.1, 28.6, 116.2, 28.7)
BOUNDARIES = CountyBoundaries(geoms=np.array([WEST, EAST], dtype=object),
                              codes=np.array(["360111", "360121"], dtype=object))


# -- the request --------------------------------------------------------------------------
def test_request_parses_aliases_once_for_cli_and_api() -> None:
    r = ImportRequest(path=Path("a.txt"), kind="approval", vintage=2024,
                      aliases=["DKBH=PZWH", " DKYT = YDLX "])
    assert r.aliases == {"DKBH": "PZWH", "DKYT": "YDLX"}
    assert ImportRequest(path=Path("a.txt"), kind="approval", vintage=2024,
                         aliases={"A": "PZWH"}).aliases == {"A": "PZWH"}
    for bad in ("DKBH", "=PZWH", "DKBH="):
        with pytest.raises(InvalidInput, match="SRC=FIELD"):
            ImportRequest(path=Path("a.txt"), kind="approval", vintage=2024, aliases=[bad])


def test_request_vintage_rule_kind_and_display_name() -> None:
    with pytest.raises(ImportRejected, match="needs a vintage") as info:
        ImportRequest(path=Path("/tmp/up/x.shp"), kind="dltb", source_name="x.shp")
    assert info.value.path == "x.shp"
    assert ImportRequest(path=Path("c.shp"), kind="admin_county", vintage=2020).vintage == 0
    with pytest.raises(InvalidInput, match="unknown layer kind 'nope'"):
        ImportRequest(path=Path("x.shp"), kind="nope", vintage=2020)
    r = ImportRequest(path=Path("/tmp/up/x.shp"), kind="dltb", vintage=2019)
    assert r.display_name == "/tmp/up/x.shp"
    assert r.model_copy(update={"source_name": "x.shp"}).display_name == "x.shp"


# -- read ---------------------------------------------------------------------------------
def test_read_opens_chunks_names_the_source_and_fingerprints(tmp_path: Path) -> None:
    gpkg = tmp_path / "dltb.gpkg"
    pyogrio.write_dataframe(make_fixtures.dltb_frame(), gpkg)
    whole = read_source(ImportRequest(path=gpkg, kind="dltb", vintage=2019,
                                      source_name="mine.gpkg"))
    assert whole.in_memory and whole.total == 5 and "DLBM" in whole.columns
    assert whole.source.path == "mine.gpkg" and whole.source.crs == "EPSG:4527"
    assert [len(c.frame) for c in whole.chunks] == [5]
    chunked = read_source(ImportRequest(path=gpkg, kind="dltb", vintage=2019, chunk_size=2))
    assert not chunked.in_memory
    assert [(c.offset, len(c.frame)) for c in chunked.chunks] == [(0, 2), (2, 2), (4, 1)]
    assert chunked.fingerprint == whole.fingerprint  # chunking does not change the layer
    assert chunked.fingerprint == source_fingerprint(gpkg, {
        "kind": "dltb", "vintage": 2019, "encoding": None, "crs": "", "layer": None,
        "aliases": {}, "skip_invalid": False, "replace": False})


def test_read_errors_name_the_upload_not_the_server_folder(tmp_path: Path) -> None:
    (tmp_path / "junk.gpkg").write_bytes(b"junk" * 100)
    request = ImportRequest(path=tmp_path / "junk.gpkg", kind="dltb", vintage=2019,
                            source_name="junk.gpkg")
    with pytest.raises(ImportRejected) as info:
        read_source(request)
    text = str(info.value.to_dict())
    assert "junk.gpkg" in text and str(tmp_path) not in text


# -- normalise ----------------------------------------------------------------------------
def test_map_fields_orders_cli_aliases_then_onemap_toml_then_schema() -> None:
    columns = ["标识码", "DM", "DM2", "ZL", "TBMJ", "备注"]
    mapping, ignored = map_fields(columns, DLTB, {"ZL": "ZLDWDM"}, configured={
        "DM": "DLBM", "absent": "DLMC"})
    assert mapping == {"ZL": "ZLDWDM", "DM": "DLBM", "标识码": "BSM", "TBMJ": "TBMJ"}
    assert ignored == ["DM2", "备注"]
    with pytest.raises(ImportRejected, match="missing required field"):
        map_fields(["BSM"], DLTB, {})
    with pytest.raises(InvalidInput, match="no field 'NOPE'"):
        map_fields(columns, DLTB, {"NOPE": "DLBM"})
    assert map_fields(["A", "B"], get_kind("generic"), {})[0] == {"A": "A", "B": "B"}


def test_coerce_numbers_text_and_required_fields() -> None:
    reasons: dict[int, list[str]] = {}
    out = coerce(pd.Series(["1.5", "一百", "", "2"]), FieldSpec("TBMJ", "float", "图斑面积",
                                                                required=True), reasons)
    assert out.tolist()[::3] == [1.5, 2.0]
    assert reasons == {1: ["field TBMJ: '一百' is not a number"],
                       2: ["required field TBMJ is empty"]}
    codes = coerce(pd.Series([101.0, 1101.0, np.nan]), FieldSpec("DLBM", "str", "地类编码"), {})
    assert codes.tolist()[:2] == ["101", "1101"] and codes.isna().tolist()[2]
    ints: dict[int, list[str]] = {}
    coerce(pd.Series([1.0, 2.5]), FieldSpec("GDDB", "int", "耕地等别"), ints)
    assert ints == {1: ["field GDDB: 2.5 is not an integer"]}


def test_normalise_renames_and_keeps_lines_and_offset(tmp_path: Path) -> None:
    frame = make_fixtures.dltb_frame().rename(columns={"ZLDWDM": "ZL"})
    path = tmp_path / "d.gpkg"
    pyogrio.write_dataframe(frame, path)
    chunk = next(read_source(ImportRequest(path=path, kind="dltb", vintage=2019)).chunks)
    mapping, _ = map_fields(list(frame.columns.drop("geometry")), DLTB, {"ZL": "ZLDWDM"})
    out = normalise(chunk, DLTB, mapping)
    assert "ZLDWDM" in out.frame.columns and "ZL" not in out.frame.columns
    assert out.reasons == {} and out.offset == 0 and out.frame.crs.to_epsg() == 4490


# -- validate -----------------------------------------------------------------------------
def test_geometry_checks_reject_and_repair() -> None:
    bow = shapely.Polygon([(0, 0), (1, 1), (1, 0), (0, 1)])
    geoms = np.array([shapely.box(0, 0, 1, 1), None, shapely.Point(0, 0), bow,
                      shapely.Polygon([(0, 0), (1, 1), (2, 2), (0, 0)])], dtype=object)
    reasons: dict[int, list[str]] = {}
    fixed, repairs = check_geometry(geoms, DLTB, reasons)
    assert reasons[1] == ["empty geometry"] and "needs polygons" in reasons[2][0]
    assert "cannot be repaired" in reasons[4][0]
    assert [i for i, _ in repairs] == [3] and fixed[3].is_valid and geoms[3] is bow


def test_unknown_codes_get_a_hint() -> None:
    reasons: dict[int, list[str]] = {}
    check_codes(pd.DataFrame({"DLBM": ["0101", "101", "9999"], "KCDLBM": [None, None, "1203"]}),
                reasons)
    assert list(reasons) == [1, 2] and "'0101' is a class" in reasons[1][0]


def test_feature_ids_use_the_standard_id_fields() -> None:
    frame = pd.DataFrame({"BSM": pd.array(["A1", None], dtype="string")})
    assert (feature_id(frame, 0, 10), feature_id(frame, 1, 11)) == ("10 (BSM A1)", "11")
    assert feature_id(pd.DataFrame({"X": [1]}), 0, 3) == "3"


def _chunk(rows: list[tuple[str | None, shapely.Geometry]], offset: int = 0):  # type: ignore[no-untyped-def]
    from onemap.store.importer.normalise import NormalisedChunk

    frame = gpd.GeoDataFrame({"BSM": [f"B{i}" for i in range(len(rows))],
                              "XZQDM": pd.array([r[0] for r in rows], dtype="string")},
                             geometry=[r[1] for r in rows], crs=4490)
    return NormalisedChunk(frame=frame, reasons={}, lines=None, offset=offset)


def test_validate_holds_county_claims_against_the_boundaries() -> None:
    inside_east = shapely.box(116.15, 28.61, 116.16, 28.62)
    chunk = _chunk([("360111001", inside_east), ("360121001", inside_east),
                    (None, inside_east), ("360111001", shapely.box(117, 28, 117.01, 28.01))],
                   offset=100)
    checked = validate(chunk, PBF, BOUNDARIES, "360000")
    assert [(r.index, r.claimed_county, r.located_county) for r in checked.rejected] == [
        (100, "360111", "360121"), (103, "360111", None)]
    assert "XZQDM claims county 360111" in checked.rejected[0].reasons[0]
    assert "outside every county boundary" in checked.rejected[1].reasons[0]
    assert checked.accepted()[COUNTY_COLUMN].tolist() == ["360121", "360121"]
    plain = validate(chunk, PBF, None, "360000")  # no admin_county layer: attributes decide
    assert not plain.rejected
    assert plain.frame[COUNTY_COLUMN].tolist() == ["360111", "360121", "360000", "360111"]


def test_claimed_counties_read_county_then_code_fields() -> None:
    frame = pd.DataFrame({"ZLDWDM": ["360121001", "bad", None], "XZQDM": ["360111", "360111",
                                                                         None]})
    county, field = claimed_counties(frame, DLTB)
    assert county.tolist()[:2] == ["360121", "360111"] and county.isna().tolist()[2]
    assert field.tolist()[:2] == ["ZLDWDM", "XZQDM"]


def test_county_shares_half_splits_multiparts_and_points() -> None:
    half = shapely.box(116.09, 28.65, 116.11, 28.66)  # exactly half in each
    multi = shapely.MultiPolygon([shapely.box(116.05, 28.61, 116.06, 28.62),
                                  shapely.box(116.15, 28.61, 116.18, 28.62)])  # 1/4 west
    tol = BOUNDARY_TOLERANCE_M / METRES_PER_DEGREE_MAX
    points = [shapely.Point(116.15, 28.7 + 0.9 * tol), shapely.Point(116.15, 28.7 + 1.5 * tol),
              shapely.Point(116.1, 28.65)]  # near the north edge, beyond it, on the shared edge
    shares = county_shares([half, multi, *points], [WEST, EAST], ["360111", "360121"])
    claims = pd.Series(["360111", "360111", "360121", "360121", "360111"], dtype="string")
    check = check_claims(claims, shares, {"360111", "360121"})
    assert check.failed.tolist() == [False, True, False, True, False]
    assert check.located[1] == "360121" and check.located_share[1] == pytest.approx(0.75, 1e-3)
    assert check.located[3] is None


def test_a_claim_of_a_county_without_a_boundary_holds_unless_another_has_the_majority() -> None:
    shares = county_shares([shapely.box(116.15, 28.61, 116.16, 28.62),
                            shapely.box(118, 28, 118.01, 28.01)], [WEST, EAST],
                           ["360111", "360121"])
    check = check_claims(pd.Series(["360702", "360702"], dtype="string"), shares,
                         {"360111", "360121"})
    assert check.failed.tolist() == [True, False]
    assert check.county.tolist() == ["360702", "360702"]


# -- stage and commit ---------------------------------------------------------------------
def _accepted(county: str, n: int) -> gpd.GeoDataFrame:
    frame = make_fixtures.dltb_frame().to_crs(4490).head(n)
    frame[COUNTY_COLUMN] = county
    return frame


@pytest.mark.parametrize("in_memory", [True, False])
def test_staging_returns_whole_counties_and_leaves_nothing(workspace: Workspace,
                                                           in_memory: bool) -> None:
    with Staging(workspace, in_memory=in_memory) as staged:
        for frame in (_accepted("360111", 2), _accepted("360121", 1), _accepted("360111", 3)):
            staged.add(frame)
        parts = list(staged.parts())
        assert staged.rows == 6 and staged.counties == {"360111", "360121"}
        if not in_memory:
            assert [len(p) for p in parts] == [5, 1]  # one frame per county
            assert staged.folder.exists()
    assert sum(len(p) for p in parts) == 6
    assert not staged.folder.exists() and not staged.folder.parent.exists()


def test_a_discarding_staging_counts_and_keeps_nothing(workspace: Workspace) -> None:
    with Staging(workspace, in_memory=False, discard=True) as staged:
        staged.add(_accepted("360111", 2))
        assert staged.rows == 2 and list(staged.parts()) == [] and not staged.folder.exists()


def test_commit_writes_the_layer_once_and_audits(workspace: Workspace) -> None:
    request = ImportRequest(path=Path("d.gpkg"), kind="dltb", vintage=2019, source_name="d.gpkg")
    checked = CheckedChunk(frame=_accepted("360111", 3), rejected=[], repaired=[], offset=0)
    from onemap.store.formats.models import SourceInfo

    with Staging(workspace, in_memory=True) as staged:
        staged.add(checked.accepted())
        info = commit(workspace, request, staged, source=SourceInfo(path="d.gpkg", format="gpkg"),
                      fingerprint="f" * 64, actor=SYSTEM, counts={"rejected": 0, "repaired": 0})
    assert (info.features, info.source_path) == (3, "d.gpkg")
    entry = workspace.audit_log(action="layer.import")[0]
    assert entry.detail["path"] == "d.gpkg" and entry.detail["features"] == 3
