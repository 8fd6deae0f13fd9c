"""The demo's registration units: registers equal the generator's truth; coverage posted."""

from __future__ import annotations

import json

import geopandas as gpd
import pytest

from onemap.demo.models import DemoOptions
from onemap.demo.registry import VINTAGE, build_demo_registry
from onemap.demo.service import build_demo
from onemap.indicators.records import read_values
from onemap.registry import service
from onemap.store.workspace import Workspace
from onemap.users.identity import local_operator

COUNTIES = ["360121", "360124"]  # neighbours, each with a reserve, rivers, wetland, forest


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("registry-demo") / "ws"
    build_demo(root, DemoOptions(scale="tiny", seed=2019, counties=COUNTIES, picture=False,
                                 workers=1))
    ws = Workspace.open(root)
    truth_path = build_demo_registry(ws, 2019, actor=local_operator(ws))
    yield ws, json.loads(truth_path.read_text(encoding="utf-8"))
    ws.close()


def _neighbour_share(ws: Workspace, number: str, unit: gpd.GeoDataFrame) -> dict[str, float]:
    """What other counties' DLTB adds inside the unit (GeoPandas overlay, independent)."""
    from onemap.registry.register import resource_classes

    home = unit["county"].iloc[0]
    others = [c for c in COUNTIES if c != home]
    dltb = ws.read_layer("dltb", VINTAGE, counties=others, columns=["DLBM", "geometry"])
    if not len(dltb):
        return {}
    pieces = gpd.overlay(dltb, unit[["geometry"]], how="intersection", keep_geom_type=True)
    if not len(pieces):
        return {}
    from onemap.geometry.area import ellipsoidal_area

    areas = ellipsoidal_area(pieces.geometry.to_numpy())
    out: dict[str, float] = {}
    for res, a in zip(resource_classes(pieces["DLBM"].to_numpy()), areas, strict=True):
        out[str(res)] = out.get(str(res), 0.0) + float(a)
    return out


def test_demo_registers_equal_the_generator_truth(demo):
    ws, truth = demo
    units = ws.read_layer("registration_unit")
    types = set(units["DJDYLX"])
    assert {"11", "21", "22", "23"} <= types and len(units) >= 8
    regs = service.compute_registers(ws, local_operator(ws), vintage=VINTAGE).registers
    assert {r.unit.number for r in regs} == set(truth)
    for reg in regs:
        got = {r.resource: r.area_m2 for r in reg.natural_status}
        unit = units[units["DJDYH"] == reg.unit.number]
        extra = _neighbour_share(ws, reg.unit.number, unit)
        for name in set(got) | set(truth[reg.unit.number]) | set(extra):
            expected = truth[reg.unit.number].get(name, 0.0) + extra.get(name, 0.0)
            assert got.get(name, 0.0) == pytest.approx(expected, abs=0.01), (
                reg.unit.number, name)


def test_demo_records_registers_coverage_gaps_and_the_indicator(demo):
    ws, truth = demo
    with ws.session() as s:
        from sqlalchemy import func, select

        from onemap.registry.schema import RegistryRegisterRow
        assert s.scalar(select(func.count()).select_from(RegistryRegisterRow)) == len(truth)
    assert ws.has_layer("registration_gap")
    values = read_values(ws, ["registration_coverage"], None, VINTAGE)
    assert {v.region for v in values} >= {*COUNTIES, "360000"}
    assert all(0.0 <= v.value <= 100.0 for v in values)


def test_demo_units_over_converted_forest_are_listed_for_reregistration(demo):
    ws, truth = demo
    report = service.reregistration(ws, local_operator(ws), to_vintage=VINTAGE, from_vintage=2019)
    changed = {i.unit for i in report.items}
    assert changed and all("变更林区" in i.name for i in report.items)
    for item in report.items:  # the 2020 side of each change is the generator's truth
        assert sum(c.change_m2 for c in item.changes) == pytest.approx(0.0, abs=0.05)
        after = {c.resource: c.after_m2 for c in item.changes}
        for res, area in after.items():
            assert area == pytest.approx(truth[item.unit].get(res, 0.0), abs=0.05)
