"""Indicators on the demo province: spatial values vs independent computations, freshness,
corrections with history, statistics import, evaluation."""

from __future__ import annotations

from typing import TYPE_CHECKING

import geopandas as gpd
import pandas as pd
import pyarrow.parquet as pq
import pytest
from indicator_world import COUNTIES, build_indicator_demo, copy_demo
from pyproj import Geod

from actors import SYSTEM
from onemap.demo.indicator_inputs import load_demo_statistics
from onemap.indicators import service
from onemap.indicators.errors import IndicatorInputError
from onemap.indicators.records import read_values
from onemap.indicators.statistics import import_statistics, set_value
from onemap.standards.landuse import construction_codes, farmland_codes
from onemap.store.access import Actor, Role
from onemap.store.workspace import Workspace

if TYPE_CHECKING:
    from pathlib import Path

GEOD = Geod(a=6378137.0, f=1 / 298.257222101)  # CGCS2000
M2_PER_WANMU = 10000 / 15 * 1e4


@pytest.fixture(scope="module")
def demo_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_indicator_demo(tmp_path_factory.mktemp("ind") / "demo")


@pytest.fixture
def ws(demo_root: Path, tmp_path: Path):
    w = Workspace.open(copy_demo(demo_root, tmp_path / "ws"))
    yield w
    w.close()


def _geod_area(geoms) -> float:
    return float(sum(abs(GEOD.geometry_area_perimeter(g)[0]) for g in geoms))


def _layer(ws: Workspace, kind: str, vintage: int) -> gpd.GeoDataFrame:
    """Read a layer with plain geopandas from its partition files (independent path)."""
    files = [ws.root / p.path for p in ws.partitions(kind, vintage)]
    return pd.concat([gpd.read_parquet(f) for f in files], ignore_index=True)


def _value(ws: Workspace, ind: str, region: str, year: int) -> float:
    (v,) = read_values(ws, [ind], region, year)
    assert v.value is not None
    return v.value


def test_spatial_indicators_equal_independent_computations(ws: Workspace):
    assert service.refresh_spatial_indicators(ws, actor=SYSTEM) > 0
    for year in (2019, 2020):
        dltb = _layer(ws, "dltb", year)
        farm = dltb[dltb.DLBM.isin(sorted(farmland_codes()))]
        by_county = farm.groupby("county").TBDLMJ.sum() / M2_PER_WANMU
        for county in COUNTIES:
            assert _value(ws, "farmland_retained", county, year) == pytest.approx(
                by_county[county], rel=1e-12)
        assert _value(ws, "farmland_retained", "360000", year) == pytest.approx(
            by_county.sum(), rel=1e-12)
        assert _value(ws, "farmland_retained", "360100", year) == pytest.approx(
            by_county[["360111", "360121"]].sum(), rel=1e-12)
    for ind, kind, unit in (("pbf_area", "pbf", M2_PER_WANMU),
                            ("high_standard_farmland", "hsf", M2_PER_WANMU),
                            ("eco_redline_area", "eco_redline", 1e6)):
        frame = _layer(ws, kind, 2020)
        assert len(frame) > 0
        for county, part in frame.groupby("county"):
            assert _value(ws, ind, str(county), 2020) == pytest.approx(
                _geod_area(part.geometry) / unit, rel=1e-8), (ind, county)
        assert _value(ws, ind, "360000", 2020) == pytest.approx(
            _geod_area(frame.geometry) / unit, rel=1e-8)
    # new construction land 2019 → 2020: overlay with plain geopandas
    prev, cur = _layer(ws, "dltb", 2019), _layer(ws, "dltb", 2020)
    cons = sorted(construction_codes())
    total = 0.0
    for county in COUNTIES:
        a = cur[(cur.county == county) & cur.DLBM.isin(cons)][["geometry"]]
        b = prev[(prev.county == county) & ~prev.DLBM.isin(cons)][["geometry"]]
        pieces = gpd.overlay(a, b, how="intersection", keep_geom_type=True)
        expected = _geod_area(pieces.geometry) / M2_PER_WANMU
        total += expected
        assert _value(ws, "new_construction_land", county, 2020) == pytest.approx(
            expected, rel=1e-7, abs=1e-9)
    assert total > 0
    assert _value(ws, "new_construction_land", "360000", 2020) == pytest.approx(total, rel=1e-7)
    (v,) = read_values(ws, ["pbf_area"], "360111", 2020)
    assert [(r.kind, r.vintage) for r in v.source.layers] == [("pbf", 2020)]


def test_construction_land_per_gdp_from_layers_and_statistics(ws: Workspace):
    load_demo_statistics(ws, seed=5, actor=SYSTEM)
    cons = sorted(construction_codes())
    areas = {y: _layer(ws, "dltb", y) for y in (2019, 2020)}
    area = {y: f[f.DLBM.isin(cons)].groupby("county").TBDLMJ.sum() for y, f in areas.items()}
    gdp = {y: {c: _value(ws, "gdp", c, y) for c in COUNTIES} for y in (2019, 2020)}
    c = "360121"
    expected = (1 - (area[2019][c] / gdp[2019][c]) / (area[2020][c] / gdp[2020][c])) * 100
    assert _value(ws, "construction_land_per_gdp_decline", c, 2019) == pytest.approx(expected)
    assert _value(ws, "construction_land_per_gdp_decline", c, 2020) == pytest.approx(0.0)
    prov = (1 - (area[2019].sum() / sum(gdp[2019].values()))
            / (area[2020].sum() / sum(gdp[2020].values()))) * 100
    assert _value(ws, "construction_land_per_gdp_decline", "360000", 2019) == pytest.approx(prov)


def test_stale_values_are_recomputed_on_read_and_history_kept(ws: Workspace):
    service.refresh_spatial_indicators(ws, actor=SYSTEM)
    before = _value(ws, "farmland_retained", "360111", 2020)
    assert service.stale_indicators(ws) == []
    dltb = ws.read_layer("dltb", 2020, counties=["360111"])
    farm = dltb.DLBM.isin(sorted(farmland_codes()))
    converted = dltb[farm].index[:5]
    dltb.loc[converted, "DLBM"] = "0702"  # five farmland polygons become rural homesteads
    ws.write_layer("dltb", 2020, dltb.drop(columns="county"))
    assert ("farmland_retained", 2020) in service.stale_indicators(ws)
    evs = service.evaluate(ws, 2020, actor=SYSTEM, indicator="farmland_retained",
                           region="360111")
    after = evs.evaluations[0].value
    lost = dltb.loc[converted, "TBDLMJ"].sum() / M2_PER_WANMU
    assert after == pytest.approx(before - lost, rel=1e-12)
    (v,) = read_values(ws, ["farmland_retained"], "360111", 2020)
    assert v.history[-1].value == pytest.approx(before)
    assert v.source.layers[0].revision == ws.layer("dltb", 2020).revision


def test_new_vintage_triggers_recompute(ws: Workspace):
    service.refresh_spatial_indicators(ws, actor=SYSTEM)
    dltb = ws.read_layer("dltb", 2020)
    farm = dltb.index[dltb.DLBM.isin(sorted(farmland_codes()))][:10]
    dltb.loc[farm, "DLBM"] = "0601"  # industrial land in 2021
    ws.write_layer("dltb", 2021, dltb.drop(columns="county"))
    added = service.refresh_spatial_indicators(ws, "dltb", 2021, actor=SYSTEM)
    assert added > 0
    got = _value(ws, "new_construction_land", "360000", 2021)
    expected = _geod_area(dltb.loc[farm].geometry) / M2_PER_WANMU
    assert got == pytest.approx(expected, rel=1e-7)
    assert _value(ws, "farmland_retained", "360000", 2021) < _value(
        ws, "farmland_retained", "360000", 2020)


def test_correction_keeps_the_old_value_in_history(ws: Workspace):
    first = set_value(ws, "abandoned_open_pit_mines_restored", "360111", 2021, 3,
                      actor=SYSTEM, entered_by="张三")
    assert first.history == [] and first.source.entered_by == "张三"
    second = set_value(ws, "abandoned_open_pit_mines_restored", "360111", 2021, 4,
                       actor=SYSTEM, entered_by="李四", note="复核更正")
    assert second.value == 4 and second.source.entered_by == "李四"
    assert [h.value for h in second.history] == [3]
    assert second.history[0].source.entered_by == "张三"
    audit = ws.audit_log(action="indicators.set")
    assert len(audit) == 2


def test_scope_and_roles(ws: Workspace):
    viewer = Actor(username="v", role=Role.READONLY, regions=["360121"])
    analyst = Actor(username="a", role=Role.ANALYST, regions=["360111"])
    with pytest.raises(Exception, match="your role may not edit"):
        set_value(ws, "gdp", "360121", 2021, 1.0, actor=viewer)
    with pytest.raises(Exception, match=r"scope|region"):
        set_value(ws, "gdp", "360121", 2021, 1.0, actor=analyst)
    load_demo_statistics(ws, seed=1, actor=SYSTEM)
    evs = service.evaluate(ws, 2023, actor=viewer)
    assert {e.region for e in evs.evaluations} == {"360121"}


def test_import_is_all_or_nothing(ws: Workspace, tmp_path: Path):
    good = tmp_path / "stats.csv"
    good.write_text("指标,行政区代码,年度,数值\ngdp,360111,2021,812.5\n"
                    "abandoned_open_pit_mines_restored,360121,2021,4\n", encoding="utf-8")
    result = import_statistics(ws, good, actor=SYSTEM, entered_by="省统计局")
    assert (result.rows, result.added) == (2, 2)
    (v,) = read_values(ws, ["gdp"], "360111", 2021)
    assert (v.value, v.source.kind, v.source.file, v.source.entered_by) == (
        812.5, "import", "stats.csv", "省统计局")
    bad = tmp_path / "bad.xlsx"
    pd.DataFrame({"id": ["gdp", "no_such_indicator"], "region": ["360111", "360111"],
                  "year": [2022, 2022], "value": [900, 1]}).to_excel(bad, index=False)
    with pytest.raises(IndicatorInputError) as err:
        import_statistics(ws, bad, actor=SYSTEM)
    assert err.value.line == 3
    assert read_values(ws, ["gdp"], "360111", 2022) == []


def test_quotas_come_from_a_file_too(ws: Workspace, tmp_path: Path):
    from onemap.indicators.records import read_quotas

    service.refresh_spatial_indicators(ws, actor=SYSTEM)
    f = tmp_path / "quotas.csv"
    f.write_text("指标,行政区代码,年度,数值,类型\n"
                 "farmland_retained,360111,,99,下达指标\n"
                 "gdp,360111,2021,700,\n", encoding="utf-8")
    result = import_statistics(ws, f, actor=SYSTEM)
    assert (result.rows, result.quotas) == (1, 1)
    assert read_quotas(ws)[("farmland_retained", "360111")].value == 99
    e = service.evaluate(ws, 2020, actor=SYSTEM, indicator="farmland_retained",
                         region="360111").evaluations[0]
    assert (e.target, e.warning, e.rule_id) == (99, "red", "below_floor")
    bad = tmp_path / "bad_quota.csv"
    bad.write_text("id,region,year,value,kind\ngdp,360111,,5,quota\n", encoding="utf-8")
    with pytest.raises(IndicatorInputError, match="quota"):
        import_statistics(ws, bad, actor=SYSTEM)


def test_demo_statistics_are_seeded(ws: Workspace, demo_root: Path, tmp_path: Path):
    first = load_demo_statistics(ws, seed=11, actor=SYSTEM)
    assert first.counties == 3 and first.values > 0
    other = Workspace.open(copy_demo(demo_root, tmp_path / "again"))
    load_demo_statistics(other, seed=11, actor=SYSTEM)
    a = {(v.id, v.region, v.year): v.value for v in read_values(ws)}
    b = {(v.id, v.region, v.year): v.value for v in read_values(other)}
    assert a == b
    evs = service.evaluate(ws, 2023, actor=SYSTEM)
    counts = evs.counts()
    assert counts["green"] > 0 and counts["yellow"] + counts["red"] > 0
    assert all(e.rule for e in evs.evaluations)
    other.close()


def test_partition_files_are_plain_geoparquet(ws: Workspace):
    # the independent computations above read the files directly; make sure they are whole
    part = ws.partitions("dltb", 2020)[0]
    assert {"DLBM", "TBDLMJ", "geometry"} <= set(pq.read_schema(ws.root / part.path).names)


def test_process_executor_gives_the_same_values(ws: Workspace):
    from onemap.compute import get_executor
    from onemap.indicators.spatial import layer_amounts

    cons = tuple(sorted(construction_codes()))
    tasks = [("class_area", tuple(sorted(farmland_codes()))), ("class_change", cons),
             ("class_area", cons)]
    local, prev = layer_amounts(ws, "dltb", 2020, tasks)
    with get_executor("processes", workers=2) as pool:
        remote, _ = layer_amounts(ws, "dltb", 2020, tasks, pool)
    assert prev == 2019
    assert remote == local and all(len(t) == len(COUNTIES) for t in local)


def test_regions_an_indicator_applies_to(ws: Workspace):
    from onemap.indicators.catalog import ensure_catalog, update_indicator

    service.refresh_spatial_indicators(ws, actor=SYSTEM)
    ensure_catalog(ws, actor=SYSTEM)
    update_indicator(ws, "pbf_area", {"regions": ["360100"]}, actor=SYSTEM)
    evs = service.evaluate(ws, 2020, actor=SYSTEM, indicator="pbf_area")
    assert {e.region for e in evs.evaluations} == {"360100", "360111", "360121"}
