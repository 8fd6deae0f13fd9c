from __future__ import annotations

import doctest

import hypothesis.strategies as st
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings

import onemap.stats.tabulate as tables_mod
from onemap.stats.errors import StatsInputError
from onemap.stats.tabulate import build_rows, combine_tabulations, tabulate_partition
from stats_fixture import (
    EXPECTED_HA_360111,
    EXPECTED_M2,
    EXPECTED_MU_360111_TOTAL,
    attributes,
)

LEVELS = ["province", "city", "county", "township"]


def _index(rows):
    return {(r.level, r.admin_code, r.class_code): r for r in rows}


def test_tables_match_the_hand_computed_fixture() -> None:
    rows = _index(build_rows(tabulate_partition(attributes()), LEVELS))
    for key, m2 in EXPECTED_M2.items():
        assert rows[key].area_m2 == m2, key
    for code, ha in EXPECTED_HA_360111.items():
        assert rows[("county", "360111", code)].area_ha == ha, code
    assert rows[("county", "360111", "total")].area_mu == EXPECTED_MU_360111_TOTAL


def test_field_ridge_is_its_own_class_and_main_class_uses_tbdlmj() -> None:
    rows = _index(build_rows(tabulate_partition(attributes()), ["county"]))
    assert rows[("county", "360111", "0101")].area_m2 == 900.00  # TBDLMJ, not TBMJ
    assert rows[("county", "360121", "1203")].class_name == "田坎"
    assert rows[("county", "360121", "00")].class_name == "湿地"


def test_county_partitions_combine_to_the_same_table() -> None:
    df = attributes()
    whole = tabulate_partition(df)
    split = combine_tabulations([tabulate_partition(g) for _, g in df.groupby(df.ZLDWDM.str[:6])])
    pd.testing.assert_frame_equal(whole.reset_index(drop=True), split.reset_index(drop=True))


def test_missing_required_field_is_reported() -> None:
    with pytest.raises(StatsInputError, match="TBMJ"):
        tabulate_partition(attributes().drop(columns="TBMJ"))


def test_missing_optional_fields_fall_back_to_tbmj() -> None:
    rows = _index(build_rows(tabulate_partition(attributes().drop(columns=["KCMJ", "TBDLMJ"])),
                             ["county"]))
    assert rows[("county", "360111", "0101")].area_m2 == 1000.00
    assert ("county", "360111", "1203") not in rows


def test_unknown_codes_are_kept_not_dropped() -> None:
    df = attributes()
    df.loc[0, "DLBM"] = "9999"
    rows = _index(build_rows(tabulate_partition(df), ["county"]))
    assert rows[("county", "360111", "9999")].class_name == "未知地类"
    assert rows[("county", "360111", "total")].area_m2 == 8333.88


def test_doctests_of_the_tables_module() -> None:
    assert doctest.testmod(tables_mod).failed == 0


money = st.integers(min_value=0, max_value=5_000_000_00)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["360111001", "360111002", "360121100", "360202001"]),
                          st.sampled_from(["0101", "0103", "0301", "0702", "1106", "1203", "09"]),
                          money, st.integers(0, 30)), min_size=1, max_size=60))
def test_totals_equal_the_sum_of_rows(data) -> None:
    records = []
    for unit, code, tbmj_cents, kc_pct in data:
        kc = tbmj_cents * kc_pct // 100 if code in ("0101", "0103") else 0
        records.append((unit + "001", code, tbmj_cents / 100, kc / 100, (tbmj_cents - kc) / 100))
    df = pd.DataFrame.from_records(records, columns=["ZLDWDM", "DLBM", "TBMJ", "KCMJ", "TBDLMJ"])
    rows = build_rows(tabulate_partition(df), LEVELS)
    for level in LEVELS:
        level_rows = [r for r in rows if r.level == level]
        by_unit: dict[str, list] = {}
        for r in level_rows:
            by_unit.setdefault(r.admin_code, []).append(r)
        for unit_rows in by_unit.values():
            total = next(r for r in unit_rows if r.class_level == 0)
            l1 = [r for r in unit_rows if r.class_level == 1]
            l2 = [r for r in unit_rows if r.class_level == 2]
            for unit_name in ("area_ha", "area_mu"):
                assert round(sum(getattr(r, unit_name) for r in l1), 2) == getattr(total, unit_name)
                assert round(sum(getattr(r, unit_name) for r in l2), 2) == getattr(total, unit_name)
            assert round(sum(r.area_m2 for r in l2), 2) == total.area_m2
        grand = sum(r.area_m2 for r in level_rows if r.class_level == 0)
        assert round(grand, 2) == round(df.TBMJ.sum(), 2)
    assert np.isclose(sum(r.area_m2 for r in rows if r.level == "province" and r.class_level == 0),
                      df.TBMJ.sum())


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.integers(0, 10**9), min_size=1, max_size=8), min_size=1, max_size=6))
def test_vectorised_reconciliation_equals_reconcile_rounded(groups) -> None:
    from onemap.standards.units import reconcile_rounded
    from onemap.stats.tabulate import reconcile_hundredths

    cents = np.array([c for g in groups for c in g], dtype=np.int64)
    gid = np.array([i for i, g in enumerate(groups) for _ in g], dtype=np.int64)
    totals = np.array([(sum(g) + 5000) // 10000 for g in groups], dtype=np.int64)
    got = reconcile_hundredths(cents, 10_000, gid, totals)
    for i, g in enumerate(groups):
        expected = reconcile_rounded([c / 1e6 for c in g], int(totals[i]) / 100, 2)
        assert [v / 100 for v in got[gid == i]] == expected


def test_dictionary_encoded_columns_give_the_same_tabulation(tmp_path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    from onemap.stats.service import tabulate_file

    df = attributes()
    df.loc[1, "ZLDWDM"] = " 360111001002 "  # whitespace is trimmed either way
    df.loc[2, "DLBM"] = None  # a missing code becomes the empty class
    path = tmp_path / "part.parquet"
    pq.write_table(pa.Table.from_pandas(df, preserve_index=False), path)
    pd.testing.assert_frame_equal(tabulate_file(path), tabulate_partition(df))
    assert "" in set(tabulate_file(path)["class_code"])
