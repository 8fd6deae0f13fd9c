"""Change detection on the seeded two-vintage world: truth found, legality, areas, storage."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from onemap.change import service
from onemap.change.models import ChangePatch, Legality
from onemap.change.scores import TruthItem
from onemap.errors import ScopeViolation
from onemap.store.access import Actor, Role

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from change_world import geod_area, write_world

ADMIN = Actor(username="prov", role=Role.ADMIN, regions=["360000"])


@pytest.fixture
def world(workspace):
    truth = write_world(workspace)
    return workspace, truth


def _match(patches: list[ChangePatch], geom) -> list[ChangePatch]:
    import shapely.geometry

    return [p for p in patches
            if shapely.geometry.shape(p.geometry).intersection(geom).area > 1e-12]


def test_every_truth_change_found_with_classes_legality_and_area(world):
    ws, truth = world
    items = [TruthItem(t.geometry, t.violation, t.above_threshold, t.key) for t in truth]
    result = service.detect_changes(ws, ADMIN, from_year=2019, to_year=2020, truth=items,
                                    truth_name="change_world")
    patches = result.patches
    assert len(patches) == sum(t.above_threshold for t in truth)
    for t in truth:
        hits = _match(patches, t.geometry)
        if not t.above_threshold:
            assert hits == [], t.key
            continue
        assert len(hits) == 1, t.key
        p = hits[0]
        assert (p.county, p.from_code, p.to_code) == (t.county, t.from_code, t.to_code), t.key
        assert sorted(p.classes) == sorted(t.classes), t.key
        assert p.legality == Legality(t.legality), t.key
        assert abs(p.area_m2 - geod_area(t.geometry)) / geod_area(t.geometry) < 1e-6, t.key
    scores = result.batch.scores
    assert scores is not None
    assert scores.recall == 1.0
    assert scores.legal_flagged_as_violation == 0
    assert scores.precision == 1.0
    assert scores.max_area_rel_error < 1e-3
    # the batch states its thresholds
    assert result.batch.sliver.min_area_construction_m2 == 400.0
    assert result.batch.sliver.min_area_farmland_m2 == 600.0
    assert result.batch.by_legality["疑似违法"] == 6


def test_batch_is_stored_and_read_back_within_scope(world):
    ws, _ = world
    result = service.detect_changes(ws, ADMIN, from_year=2019, to_year=2020)
    again = service.batch_patches(ws, ADMIN, result.batch.id)
    assert [p.model_dump() for p in again] == [p.model_dump() for p in result.patches]
    east = Actor(username="east", role=Role.INSPECTOR, regions=["360121"])
    mine = service.batch_patches(ws, east, result.batch.id)
    assert {p.county for p in mine} == {"360121"} and len(mine) == 2
    with pytest.raises(ScopeViolation):
        service.detect_changes(ws, east, from_year=2019, to_year=2020, counties=["360111"])
    assert service.list_batches(ws, east)[0].id == result.batch.id


def test_monitoring_patches_take_missing_classes_from_dltb(world):
    import geopandas as gpd

    ws, truth = world
    picked = [t for t in truth if t.key in ("relabel_cell", "approved_industry", "east_build")]
    mon = gpd.GeoDataFrame({"JCBH": [f"JC{i}" for i in range(3)],
                            "QSX": ["", "0101", ""], "HSX": ["0702", "", ""],
                            "XZQDM": [t.county for t in picked]},
                           geometry=[t.geometry for t in picked], crs="EPSG:4490")
    ws.write_layer("monitoring_patch", 2020, mon)
    result = service.detect_changes(ws, ADMIN, from_year=2019, to_year=2020, source="monitoring")
    got = {p.source_ref: p for p in result.patches}
    assert len(got) == 3
    for i, t in enumerate(picked):
        p = got[f"JC{i}"]
        assert (p.from_code, p.to_code, p.legality.value) == (t.from_code, t.to_code, t.legality)
        assert p.source == "monitoring"
