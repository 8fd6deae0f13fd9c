"""Pure vintage diff: fast path, cutting, merging, sliver control."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import shapely

from onemap.change.diff import diff_vintages, min_area_for, narrow_mask
from onemap.change.models import SliverRules

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from change_world import build_vintages, geod_area


def _county(frame, code):
    return frame[frame["ZLDWDM"].str[:6] == code].reset_index(drop=True)


def test_unchanged_polygons_are_skipped_and_only_changed_ones_cut():
    old, new, truth = build_vintages()
    patches, st = diff_vintages(_county(old, "360111"), _county(new, "360111"),
                                county="360111", id_prefix="X-")
    assert st.unchanged == 487 and st.relabelled == 1
    assert st.old_changed == 12  # the cells the changes cut into, nothing else
    assert st.pairs_tested < 40
    assert st.slivers_small == 1 and st.slivers_narrow == 1
    assert list(patches["id"]) == [f"X-{i:05d}" for i in range(1, len(patches) + 1)]
    west = [t for t in truth if t.county == "360111" and t.above_threshold]
    assert len(patches) == len(west)
    assert np.isclose(patches["area_m2"].sum(), sum(geod_area(t.geometry) for t in west),
                      rtol=1e-9)


def test_raw_wkb_input_gives_the_same_patches():
    old, new, _ = build_vintages()
    o, n = _county(old, "360111"), _county(new, "360111")
    a, _ = diff_vintages(o, n, county="360111")
    raw_o = pd.DataFrame(o.drop(columns="geometry")).assign(geometry=shapely.to_wkb(o.geometry))
    raw_n = pd.DataFrame(n.drop(columns="geometry")).assign(geometry=shapely.to_wkb(n.geometry))
    b, _ = diff_vintages(raw_o, raw_n, county="360111")
    assert a.drop(columns="geometry").equals(b.drop(columns="geometry"))
    assert all(shapely.equals(a.geometry, b.geometry))


def test_identical_vintages_give_no_patch_and_cut_nothing():
    old, _, _ = build_vintages()
    patches, st = diff_vintages(old, old.copy(), county="360111")
    assert len(patches) == 0 and st.pairs_tested == 0 and st.unchanged == len(old)


def test_merged_pieces_from_two_old_polygons_make_one_patch():
    a, b = shapely.box(116.0, 28.0, 116.001, 28.001), shapely.box(116.001, 28.0, 116.002, 28.001)
    c = shapely.box(116.0005, 28.0002, 116.0015, 28.0008)
    old = pd.DataFrame({"BSM": ["a", "b"], "DLBM": ["0101", "0101"], "geometry": [a, b]})
    new = pd.DataFrame({"BSM": ["a2", "b2", "c"], "DLBM": ["0101", "0101", "0702"],
                        "geometry": [a.difference(c), b.difference(c), c]})
    patches, _ = diff_vintages(old, new, county="360111")
    assert len(patches) == 1
    assert patches.loc[0, "old_bsm"] == "a,b"
    assert np.isclose(patches.loc[0, "area_m2"], geod_area(c), rtol=1e-9)


def test_sliver_thresholds_are_configurable():
    old, new, truth = build_vintages()
    o, n = _county(old, "360111"), _county(new, "360111")
    loose = SliverRules(min_area_construction_m2=50, min_width_m=0)
    patches, st = diff_vintages(o, n, county="360111", sliver=loose)
    assert st.slivers_small == 0 and st.slivers_narrow == 0
    assert len(patches) == sum(1 for t in truth if t.county == "360111")


def test_min_area_by_family_and_width():
    rules = SliverRules()
    got = min_area_for(["0101", "0301", "0301", "0301"], ["0702", "0101", "0201", "1202"], rules)
    assert got.tolist() == [400.0, 600.0, 1500.0, 400.0]
    strip = shapely.box(116.0, 28.0, 116.00003, 28.002)  # ≈ 2.9 m wide
    square = shapely.box(116.0, 28.0, 116.0003, 28.0003)  # ≈ 29 m
    assert narrow_mask([strip, square], 5.0).tolist() == [True, False]
    assert narrow_mask([strip], 2.0).tolist() == [False]
