"""Quality checks and statistics on one county of the demo province (built in ~5 s)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from actors import SYSTEM
from onemap.demo.models import DemoOptions
from onemap.demo.service import build_demo
from onemap.geometry.area import ellipsoidal_area
from onemap.quality.service import run_quality_checks
from onemap.stats.service import compute_statistics
from onemap.store.workspace import Workspace

COUNTY = "360111"


@pytest.fixture(scope="module")
def demo_ws(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("demo") / "ws"
    build_demo(root, DemoOptions(scale="small", counties=[COUNTY], picture=False))
    ws = Workspace.open(root)
    yield ws
    ws.close()


def test_demo_dltb_passes_quality_checks(demo_ws: Workspace) -> None:
    report = run_quality_checks(demo_ws, "dltb", 2019, actor=SYSTEM)
    assert report.run.features > 100
    assert report.findings == [], report.run.counts


def test_planted_gap_and_overlap_are_found_with_their_areas(demo_ws: Workspace) -> None:
    dltb = demo_ws.read_layer("dltb", 2019).drop(columns=["county"])
    area = ellipsoidal_area(dltb.geometry.to_numpy())
    dropped = int(np.argsort(area)[len(area) // 2])  # a mid-sized polygon goes missing
    copied = int(np.argsort(area)[len(area) // 3])  # another one is digitised twice
    twin = dltb.iloc[[copied]].assign(BSM="DUPLICATE-OF-" + str(dltb.BSM.iloc[copied]))
    spoilt = pd.concat([dltb.drop(index=dltb.index[dropped]), twin], ignore_index=True)
    demo_ws.write_layer("dltb", 2099, spoilt)
    report = run_quality_checks(demo_ws, "dltb", 2099, actor=SYSTEM)
    assert report.run.counts == {"COVERAGE_GAP": 1, "COVERAGE_OVERLAP": 1}
    by_rule = {f.rule: f for f in report.findings}
    # the gap may absorb sub-tolerance seams along its edge: agree to 1e-5
    assert by_rule["COVERAGE_GAP"].area_m2 == pytest.approx(area[dropped], rel=1e-5)
    overlap = by_rule["COVERAGE_OVERLAP"]
    assert overlap.area_m2 == pytest.approx(area[copied], rel=1e-6)
    assert set(overlap.feature_id.split("|")) == {str(dltb.BSM.iloc[copied]), twin.BSM.iloc[0]}


def test_demo_statistics_reconcile_with_the_layer(demo_ws: Workspace) -> None:
    table = compute_statistics(demo_ws, 2019, actor=SYSTEM)
    assert table.levels == ["province", "city", "county", "township"]
    dltb = demo_ws.read_layer("dltb", 2019)
    cents = lambda s: int(np.rint(s.to_numpy() * 100).sum())  # noqa: E731
    rows = {(r.level, r.admin_code, r.class_code): r for r in table.rows}
    total = rows[("county", COUNTY, "total")]
    assert round(total.area_m2 * 100) == cents(dltb.TBMJ)
    assert total.admin_name == "青山湖区"
    if (dltb.KCMJ > 0).any():
        assert round(rows[("county", COUNTY, "1203")].area_m2 * 100) == cents(dltb.KCMJ)
    farmland = dltb[dltb.DLBM.str.startswith("01")]
    assert round(rows[("county", COUNTY, "01")].area_m2 * 100) == cents(farmland.TBDLMJ)
    townships = [r for r in table.rows if r.level == "township" and r.class_level == 0]
    assert round(sum(r.area_m2 for r in townships), 2) == total.area_m2
    assert all(r.admin_name for r in townships)
    assert rows[("province", "360000", "total")].area_m2 == total.area_m2
