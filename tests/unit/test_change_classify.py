"""Change classification rules, class sets, legality pre-judgement."""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely

from onemap.change.classify import classify_patches, default_rules, in_set, parse_rules
from onemap.change.errors import ChangeRuleError
from onemap.change.overlay import area_inside
from onemap.geometry.area import ellipsoidal_area

BOX = shapely.box(116.0, 28.0, 116.001, 28.001)


def _patch(from_code, to_code, geom=BOX):
    return gpd.GeoDataFrame({"from_code": [from_code], "to_code": [to_code],
                             "area_m2": ellipsoidal_area([geom])}, geometry=[geom],
                            crs="EPSG:4490")


def _layer(geom, **cols):
    return gpd.GeoDataFrame({k: [v] for k, v in cols.items()}, geometry=[geom], crs="EPSG:4490")


def test_default_table_parses_with_every_class():
    table = default_rules()
    assert {r.id for r in table.rules} >= {"new_construction", "non_agri", "pbf_construction",
                                           "redline_construction", "outside_udb", "non_grain",
                                           "farmland_in", "mining_outside"}
    assert len(table.checksum) == 64


def test_sets_expand_codes_prefixes_and_aggregations():
    assert in_set(["0101", "0702", "1006", "0201K"], ["@construction"]).tolist() == [
        False, True, False, False]
    assert in_set(["1104A", "1104", "1107"], ["1104", "1104A"]).tolist() == [True, True, False]


@pytest.mark.parametrize(("share", "expected"), [(1.0, "合法"), (0.5, "待核查"), (0.0, "疑似违法")])
def test_approval_share_decides_the_pre_judgement(share, expected):
    layers = {"udb": _layer(BOX)}
    if share:
        x0, y0, x1, y1 = BOX.bounds
        layers["approval"] = _layer(shapely.box(x0, y0, x0 + (x1 - x0) * share, y1),
                                    PZWH="批1")
    out = classify_patches(_patch("0101", "0601"), layers, default_rules())
    assert out.loc[0, "legality"] == expected
    assert sorted(out.loc[0, "classes"]) == ["new_construction", "non_agri"]
    assert out.loc[0, "approval_share"] == pytest.approx(share, abs=1e-6)
    if share:
        assert out.loc[0, "approvals"][0]["ref"] == "批1"


def test_inside_and_outside_control_lines():
    layers = {"pbf": _layer(BOX), "eco_redline": _layer(BOX),
              "udb": gpd.GeoDataFrame(geometry=[], crs="EPSG:4490")}
    out = classify_patches(_patch("0101", "0702"), layers, default_rules())
    assert set(out.loc[0, "classes"]) == {"new_construction", "non_agri", "pbf_construction",
                                          "redline_construction", "outside_udb"}
    assert out.loc[0, "overlaps_m2"]["pbf"] == pytest.approx(out.loc[0, "area_m2"])


def test_non_grain_in_and_ledger():
    table = default_rules()
    out = classify_patches(_patch("0101", "0301"), {}, table)
    assert out.loc[0, "classes"] == ["non_grain"] and out.loc[0, "ledger"] == "out"
    assert out.loc[0, "legality"] == "待核查"
    back = classify_patches(_patch("0301", "0101"), {}, table)
    assert back.loc[0, "classes"] == ["farmland_in"] and back.loc[0, "ledger"] == "in"
    assert back.loc[0, "legality"] == "合法"
    same = classify_patches(_patch("0301", "0404"), {}, table)
    assert same.loc[0, "classes"] == [] and same.loc[0, "legality"] == "合法"


def test_rule_table_errors_are_clear():
    with pytest.raises(ChangeRuleError, match="unknown class set"):
        parse_rules('[sets]\na=["0101"]\n[[rules]]\nid="x"\nname="x"\nto_sets=["b"]\n')
    with pytest.raises(ChangeRuleError, match="control layer"):
        parse_rules('[sets]\na=["0101"]\n[[rules]]\nid="x"\nname="x"\nwithin="moon"\n')


def test_area_inside_counts_overlapping_records_once():
    halves = [shapely.box(116.0, 28.0, 116.0005, 28.001)] * 2
    import numpy as np

    got = area_inside(np.array([BOX]), np.array(halves, dtype=object))[0]
    assert got == pytest.approx(ellipsoidal_area([BOX])[0] / 2, rel=1e-6)


def test_rules_needing_a_layer_the_workspace_lacks_do_not_fire():
    out = classify_patches(_patch("0101", "0702"), {}, default_rules())
    assert "outside_udb" not in out.loc[0, "classes"]
    held_but_empty = {"udb": gpd.GeoDataFrame(geometry=[], crs="EPSG:4490")}
    out = classify_patches(_patch("0101", "0702"), held_but_empty, default_rules())
    assert "outside_udb" in out.loc[0, "classes"]
