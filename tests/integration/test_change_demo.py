"""Change detection on the demo province against its ground truth (the oracle)."""

from __future__ import annotations

import pytest
import shapely.geometry

from actors import SYSTEM
from onemap.change import service
from onemap.change.models import Legality
from onemap.change.scores import TruthItem
from onemap.demo.models import DemoOptions
from onemap.demo.service import build_demo
from onemap.demo.truth import load_ground_truth
from onemap.store.workspace import Workspace

COUNTIES = ["360722", "361127"]


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    root = tmp_path_factory.mktemp("demo") / "ws"
    build_demo(root, DemoOptions(scale="small", counties=COUNTIES, picture=False))
    ws = Workspace.open(root)
    yield ws, load_ground_truth(root)
    ws.close()


def test_demo_truth_recall_no_false_violation_and_areas(demo):
    ws, truth = demo
    assert len(truth) > 20 and (~truth["legal"]).sum() > 10
    items = [TruthItem(g, not legal, True, key)
             for g, legal, key in zip(truth.geometry, truth["legal"], truth["patch_id"],
                                      strict=True)]
    result = service.detect_changes(ws, SYSTEM, from_year=2019, to_year=2020, truth=items,
                                    truth_name="demo ground truth")
    scores = result.batch.scores
    assert scores is not None
    assert scores.recall == 1.0
    assert scores.legal_flagged_as_violation == 0
    assert scores.found == len(truth)
    assert scores.max_area_rel_error < 1e-3
    # and checked here independently, truth item by truth item
    patches = [(shapely.geometry.shape(p.geometry), p) for p in result.patches]
    for row in truth.itertuples():
        hits = [p for g, p in patches if g.intersection(row.geometry).area > 0]
        assert len(hits) == 1, row.patch_id
        p = hits[0]
        assert (p.from_code, p.to_code, p.county) == (row.from_code, row.to_code, row.county)
        assert abs(p.area_m2 - row.area_m2) / row.area_m2 < 1e-3, row.patch_id
        if row.legal:
            assert p.legality != Legality.SUSPECTED, row.patch_id
        else:
            assert p.legality in (Legality.SUSPECTED, Legality.PENDING), row.patch_id
    # every patch is a truth change: nothing invented
    assert len(result.patches) == len(truth)


def test_every_demo_violation_becomes_a_case_and_ledger_balances(demo):
    from onemap.cases import service as cases
    from onemap.ledgers import service as ledgers

    ws, truth = demo
    result = service.detect_changes(ws, SYSTEM, from_year=2019, to_year=2020)
    opened = cases.open_cases(ws, SYSTEM, result.batch.id)
    shapes = [shapely.geometry.shape(c.geometry) for c in opened.created]
    for row in truth[~truth["legal"]].itertuples():
        assert any(g.intersection(row.geometry).area > 0 for g in shapes), row.patch_id
    assert all(not c.illegal for c in opened.created)  # suspicion only, no verdict yet
    posted = ledgers.post_batch(ws, SYSTEM, result.batch.id)
    out_truth = truth[truth["change_type"] == "farmland_out"]["area_m2"].sum()
    in_truth = truth[truth["change_type"].isin(["farmland_in", "reclamation"])]["area_m2"].sum()
    assert posted.out_m2 == pytest.approx(out_truth, rel=1e-3)
    assert posted.in_m2 == pytest.approx(in_truth, rel=1e-3)
