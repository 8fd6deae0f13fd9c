"""The demo province generator writes a consistent workspace (tiny scale, three counties)."""

from __future__ import annotations

import json

import numpy as np
import pytest
import shapely
from typer.testing import CliRunner

from onemap.cli.main import create_cli
from onemap.demo.models import DemoOptions, DemoResult
from onemap.demo.service import build_demo
from onemap.demo.truth import TRUTH_COLUMNS, load_ground_truth
from onemap.geometry.area import ellipsoidal_area
from onemap.standards.landuse import construction_codes, land_classes
from onemap.store.workspace import Workspace

COUNTIES = ["360111", "360121", "360722"]  # town by the lake, plains, mountains with mines
KINDS = ["admin_province", "admin_city", "admin_county", "admin_township", "dltb", "pbf",
         "eco_redline", "udb", "nature_reserve", "hsf", "approval", "land_supply",
         "mining_right", "hazard_point", "hazard_zone"]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    path = tmp_path_factory.mktemp("demo") / "ws"
    result = build_demo(path, DemoOptions(scale="tiny", seed=7, counties=COUNTIES))
    ws = Workspace.open(path)
    yield result, ws
    ws.close()


def _local_m(geom):
    return shapely.transform(geom, lambda xy: xy * np.array([98_500.0, 110_600.0]))


def test_result_and_layers(built):
    result, ws = built
    assert result.counties == 3 and result.polygons_2019 > 300
    assert result.changes > 10
    kinds = {i.kind for i in ws.list_layers()}
    assert set(KINDS) <= kinds
    assert ws.vintages("dltb") == [2019, 2020]


@pytest.mark.parametrize("vintage", [2019, 2020])
def test_dltb_tiles_each_county(built, vintage):
    _, ws = built
    counties = ws.read_layer("admin_county")
    for code in COUNTIES:
        county = counties.geometry[counties.XZQDM == code].iloc[0]
        d = ws.read_layer("dltb", vintage, counties=[code])
        geoms = d.geometry.to_numpy()
        assert shapely.is_valid(geoms).all()
        if vintage == 2019:  # edits may leave T-junctions (a vertex on a neighbour's edge)
            assert shapely.coverage_is_valid(geoms), code  # no overlaps, edges matched
        left, right = shapely.STRtree(geoms).query(geoms, predicate="overlaps")
        # only float slivers (< 1 cm wide) where a cut met a km-long edge of a neighbour
        for piece in shapely.intersection(geoms[left], geoms[right]):
            for part in shapely.get_parts(piece):
                if part.geom_type == "Polygon" and part.area > 0:
                    m = _local_m(part)
                    assert 2 * m.area / m.length < 0.01, code
        total, ref = d.TBMJ.sum(), ellipsoidal_area([county])[0]
        assert abs(total - ref) / ref < 1e-6, code
        gaps = shapely.get_parts(shapely.difference(county, shapely.coverage_union_all(geoms)))
        for gap in gaps:  # only float noise along the border: < 1 cm wide
            if gap.area > 0:
                m = _local_m(gap)
                assert 2 * m.area / m.length < 0.01


def test_dltb_fields_are_consistent(built):
    _, ws = built
    townships = set(ws.read_layer("admin_township").XZQDM)
    classes = land_classes()
    cons = construction_codes()
    for vintage in (2019, 2020):
        d = ws.read_layer("dltb", vintage)
        assert d.BSM.is_unique
        assert (d.SJNF == vintage).all()
        assert d.ZLDWDM.str.fullmatch(r"\d{19}").all()
        assert (d.ZLDWDM.str[:6] == d.county).all()
        assert set(d.ZLDWDM.str[:9]) <= townships
        assert (d.DLMC == d.DLBM.map(lambda c: classes[c].name_zh)).all()
        area = ellipsoidal_area(d.geometry.to_numpy())
        assert np.allclose(d.TBMJ, area, atol=0.006)
        assert np.allclose(d.KCMJ, (d.TBMJ * d.KCXS).round(2), atol=0.0051)
        assert np.allclose(d.TBDLMJ, d.TBMJ - d.KCMJ, atol=0.0051)
        farm = d.DLBM.isin(["0101", "0102", "0103"])
        assert d.GDDB[farm].between(1, 15).all() and (d.GDDB[~farm] == 0).all()
        assert d.GDPDJB[farm].isin(list("12345")).all() and (d.GDPDJB[~farm] == "").all()
        assert (d.KCXS[~farm] == 0).all()
        assert (d.KCDLBM[d.KCXS > 0] == "1203").all()
        built_up = d.DLBM.isin([c for c in cons if c[:2] in ("05", "06", "07", "08", "09")])
        assert (d.CZCSXM[built_up] != "").all()


def test_ground_truth_matches_vintage_differences(built):
    _, ws = built
    truth = load_ground_truth(ws.root)
    assert list(truth.columns) == [*TRUTH_COLUMNS, "geometry"]
    assert truth.patch_id.is_unique
    assert set(truth.change_type) == {
        "urban_growth_legal", "illegal_construction_farmland", "illegal_construction_pbf",
        "construction_in_redline", "farmland_out", "farmland_in", "reclamation",
        "mining_beyond_license"}
    for code in COUNTIES:
        old = ws.read_layer("dltb", 2019, counties=[code])
        new = ws.read_layer("dltb", 2020, counties=[code])
        a, b = old.geometry.to_numpy(), new.geometry.to_numpy()
        ia, ib = shapely.STRtree(a).query(b, predicate="intersects")[::-1]
        differ = old.DLBM.to_numpy()[ia] != new.DLBM.to_numpy()[ib]
        changed = ellipsoidal_area(shapely.intersection(a[ia[differ]], b[ib[differ]])).sum()
        t = truth[truth.county == code]
        assert changed == pytest.approx(t.area_m2.sum(), rel=1e-3), code
        by_bsm_new = new.set_index("BSM")
        by_bsm_old = old.set_index("BSM")
        for row in t.itertuples():
            poly = by_bsm_new.loc[row.bsm_2020]
            assert poly.DLBM == row.to_code
            assert ellipsoidal_area([shapely.symmetric_difference(poly.geometry,
                                                                  row.geometry)])[0] < 1.0
            assert by_bsm_old.loc[row.bsm_2019].DLBM == row.from_code
            assert row.bsm_2019 not in set(new.BSM)  # edited polygons get new 标识码


def test_change_patches_are_detectable(built):
    _, ws = built
    truth = load_ground_truth(ws.root)
    assert (truth.area_m2 > 600).all()
    for g in truth.geometry:
        inner = shapely.buffer(_local_m(g), -10.0)  # wider than 20 m somewhere
        assert not inner.is_empty


def test_legality_follows_the_controls(built):
    _, ws = built
    truth = load_ground_truth(ws.root)
    approvals = ws.read_layer("approval", 2020)
    by_number = approvals.set_index("PZWH")
    for row in truth.itertuples():
        if row.change_type == "urban_growth_legal":
            assert row.legal and row.in_udb and row.approval
            cover = by_number.loc[row.approval].geometry
            assert shapely.area(shapely.difference(row.geometry, cover)) < 1e-12
        if row.change_type.startswith("illegal") or row.change_type in (
                "construction_in_redline", "mining_beyond_license"):
            assert not row.legal and not row.approval
            hit = approvals.geometry[shapely.intersects(approvals.geometry.to_numpy(),
                                                        row.geometry)]
            overlap = sum(shapely.area(shapely.intersection(h, row.geometry)) for h in hit)
            assert overlap < 0.01 * shapely.area(row.geometry)
        if row.change_type == "illegal_construction_pbf":
            assert row.in_pbf
        if row.change_type == "construction_in_redline":
            assert row.in_redline


def test_controls_are_consistent_with_land_use(built):
    _, ws = built
    d = ws.read_layer("dltb", 2019)
    pbf = ws.read_layer("pbf", 2020)
    udb = shapely.union_all(ws.read_layer("udb", 2020).geometry.to_numpy())
    red = shapely.union_all(ws.read_layer("eco_redline", 2020).geometry.to_numpy())
    pbf_u = shapely.union_all(pbf.geometry.to_numpy())
    tol = 1e-6 * ellipsoidal_area([pbf_u])[0]  # float noise of unions, not data

    def area(g):
        return ellipsoidal_area([g])[0]

    assert area(shapely.intersection(pbf_u, udb)) < tol
    assert area(shapely.intersection(red, udb)) < tol
    farm = shapely.union_all(d.geometry[d.DLBM.isin(["0101", "0102", "0103"])].to_numpy())
    assert area(shapely.difference(pbf_u, farm)) < tol
    assert area(pbf_u) > 0.6 * area(farm)
    reserves = ws.read_layer("nature_reserve", 2020)
    assert set(reserves.ZONE) == {"core", "general"}
    res_u = shapely.union_all(reserves.geometry.to_numpy())
    assert shapely.area(shapely.difference(res_u, red)) < 0.01 * shapely.area(res_u)
    mines = shapely.union_all(d.geometry[d.DLBM == "0602"].to_numpy())
    rights = shapely.union_all(ws.read_layer("mining_right", 2020).geometry.to_numpy())
    assert area(shapely.difference(mines, rights)) < 1e-6 * area(mines)
    points = ws.read_layer("hazard_point", 2020)
    assert (points.WXRK > 0).all() and set(points.ZHLX) <= {"landslide", "collapse",
                                                           "debris_flow"}
    appr = ws.read_layer("approval", 2020)
    assert np.allclose(appr.PZMJ, ellipsoidal_area(appr.geometry.to_numpy()), rtol=1e-6)


def test_townships_tile_each_county(built):
    _, ws = built
    tw = ws.read_layer("admin_township")
    counties = ws.read_layer("admin_county")
    assert tw.XZQDM.str.fullmatch(r"\d{9}").all() and tw.XZQDM.is_unique
    for code in COUNTIES:
        parts = tw.geometry[tw.XZQDM.str[:6] == code].to_numpy()
        county = counties.geometry[counties.XZQDM == code].iloc[0]
        assert len(parts) >= 2
        assert ellipsoidal_area(parts).sum() == pytest.approx(
            ellipsoidal_area([county])[0], rel=1e-6)


def _checksums(ws, county):
    out = {}
    for info in ws.list_layers():
        for p in ws.partitions(info.kind, info.vintage, counties=[county]):
            out[(info.kind, info.vintage)] = p.checksum
    return out


def test_same_seed_same_bytes_and_county_independence(built, tmp_path):
    _, ws = built
    again = build_demo(tmp_path / "again", DemoOptions(scale="tiny", seed=7,
                                                        counties=["360111"]))
    ws2 = Workspace.open(again.workspace)
    try:
        first, second = _checksums(ws, "360111"), _checksums(ws2, "360111")
        assert len(second) >= 10 and first == {k: first[k] for k in second}
        assert first == {k: v for k, v in first.items() if k in second} == second
        t1 = load_ground_truth(ws.root)
        t2 = load_ground_truth(ws2.root)
        assert t1[t1.county == "360111"].reset_index(drop=True).equals(t2)
    finally:
        ws2.close()
    other = build_demo(tmp_path / "other", DemoOptions(scale="tiny", seed=8,
                                                        counties=["360111"]))
    ws3 = Workspace.open(other.workspace)
    try:
        assert _checksums(ws3, "360111")[("dltb", 2019)] != first[("dltb", 2019)]
    finally:
        ws3.close()


def test_cli_builds_and_reports_json(tmp_path):
    runner = CliRunner()
    out = runner.invoke(create_cli(), ["demo", str(tmp_path / "cli"), "--scale", "tiny",
                                       "--counties", "360111", "--json", "--picture"])
    assert out.exit_code == 0, out.output
    result = DemoResult.model_validate_json(out.stdout)
    assert result.counties == 1 and result.polygons_2019 > 10
    assert result.picture_path and result.picture_path.endswith("landuse.png")
    summary = json.loads((tmp_path / "cli" / "outputs" / "demo-summary.json").read_text())
    assert summary["picture_path"] == result.picture_path


def test_cli_rejects_unknown_county(tmp_path):
    runner = CliRunner()
    out = runner.invoke(create_cli(), ["demo", str(tmp_path / "bad"), "--scale", "tiny",
                                       "--counties", "999999", "--json"])
    assert out.exit_code != 0


def test_overwrite_replaces_only_demo_workspaces(tmp_path):
    runner = CliRunner()
    target = tmp_path / "again"
    args = ["demo", str(target), "--scale", "tiny", "--counties", "360111", "--json",
            "--no-picture"]
    assert runner.invoke(create_cli(), args).exit_code == 0
    assert runner.invoke(create_cli(), args).exit_code != 0  # exists
    assert runner.invoke(create_cli(), [*args, "--overwrite"]).exit_code == 0
    other = tmp_path / "other"
    Workspace.create(other).close()
    out = runner.invoke(create_cli(), ["demo", str(other), "--scale", "tiny", "--counties",
                                       "360111", "--overwrite", "--json"])
    assert out.exit_code != 0 and (other / "onemap.toml").exists()
