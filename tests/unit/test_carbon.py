"""Carbon accounts, pure modules: stock of a hand-built layer, density tables, Monte Carlo."""

from __future__ import annotations

import csv
from importlib import resources

import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import Geod

from onemap.carbon import change as change_ops
from onemap.carbon import stock as stock_ops
from onemap.carbon.densities import (
    default_density_table,
    lookup_entries,
    parse_density_table,
    with_overrides,
)
from onemap.carbon.errors import DensityTableError
from onemap.carbon.models import POOLS
from onemap.carbon.projects import _mine_link, rank_projects
from onemap.carbon.uncertainty import sample_densities
from onemap.geometry.area import ellipsoidal_area
from onemap.standards.landuse import land_classes

GEOD = Geod(a=6_378_137.0, f=1 / 298.257222101)
HEADER = "codes,pool,tc_per_ha,low,high,source\n"
TABLE = HEADER + "\n".join(
    f"{codes},{pool},{v},{v},{v},hand table" for codes, values in {
        "0101": (5, 0, 69.3, 0), "0301": (84.6, 20.3, 63, 16.4), "0702": (0, 0, 50.4, 0),
    }.items() for pool, v in zip(POOLS, values, strict=True)) + "\n"
HAND = {"0101": 5 + 69.3, "0301": 84.6 + 20.3 + 63 + 16.4, "0702": 50.4}


def test_stock_of_a_hand_built_layer_equals_a_hand_computation():
    boxes = [("360111", "0101", shapely.box(115.90, 28.60, 115.91, 28.61)),
             ("360111", "0301", shapely.box(115.91, 28.60, 115.92, 28.605)),
             ("360111", "0101", shapely.box(115.90, 28.61, 115.905, 28.62)),
             ("360121", "0702", shapely.box(115.95, 28.60, 115.951, 28.601)),
             ("360121", "0301", shapely.Polygon([(115.96, 28.60), (115.97, 28.60),
                                                 (115.965, 28.61)]))]
    counties, codes, geoms = zip(*boxes, strict=True)
    table = parse_density_table(TABLE)
    areas = stock_ops.class_areas(counties, codes, ellipsoidal_area(np.array(geoms)))
    stocks = stock_ops.pool_stocks(areas, table)
    rows = {r.region: r for r in stock_ops.county_rows(stocks, 2020)}
    # by hand: pyproj Geod area (m² → ha) × Σ pool densities, polygon by polygon
    for county in ("360111", "360121"):
        hand = sum(abs(GEOD.geometry_area_perimeter(g)[0]) / 1e4 * HAND[c]
                   for k, c, g in boxes if k == county)
        assert rows[county].total_tc == pytest.approx(hand, rel=1e-9)
        assert rows[county].total_tco2e == pytest.approx(rows[county].total_tc * 44 / 12, rel=1e-12)
    soil = sum(abs(GEOD.geometry_area_perimeter(g)[0]) / 1e4 * {"0101": 69.3, "0301": 63,
                                                               "0702": 50.4}[c]
               for _, c, g in boxes)
    total = stock_ops.stock_row("360000", "", 2020, stocks)
    assert total.pools_tc["soil"] == pytest.approx(soil, rel=1e-9)
    assert total.total_tc == pytest.approx(sum(r.total_tc for r in rows.values()), rel=1e-12)


def test_every_density_has_a_source_and_every_class_is_covered():
    text = resources.files("onemap.standards").joinpath("data/carbon-densities.csv").read_text(
        encoding="utf-8")
    rows = list(csv.DictReader(line for line in text.splitlines() if not line.startswith("#")))
    assert rows and all(r["source"].strip() for r in rows)
    table = default_density_table()
    assert table.stamp.name and table.stamp.version and len(table.stamp.checksum) == 64
    assert all(e.source for e in table.entries)
    covered = {(c, e.pool) for e in table.entries if not e.scope for c in e.codes}
    assert covered == {(c, p) for c in land_classes() for p in POOLS}
    # the IPCC numbers that the table derives are consistent with their stated arithmetic
    forest = {e.pool: e.tc_per_ha for e in table.entries if "0301" in e.codes}
    assert forest["agb"] == pytest.approx(180 * 0.47, abs=0.05)
    assert forest["bgb"] == pytest.approx(forest["agb"] * 0.24, abs=0.05)


@pytest.mark.parametrize(("body", "line", "words"), [
    ("0101,soil,60,50,70,x\n9999,soil,1,1,1,x\n", 3, "unknown land class 9999"),
    ("0101,soil,-1,0,0,x\n", 2, "negative tc_per_ha"),
    ("0101,soil,60,50,70,x\n0102,agb,5,-1,9,x\n", 3, "negative low"),
    ("0101,soil,60,50,70,\n", 2, "source"),
    ("0101,soil,60,50,70,x\n0103 0101,soil,1,1,1,x\n", 3, "already given on line 3"),
    ("0101,roots,1,1,1,x\n", 2, "unknown pool"),
    ("0101,soil,abc,1,1,x\n", 2, "not a number"),
    ("0101,soil,60,61,70,x\n", 2, "range"),
])
def test_bad_density_tables_are_rejected_with_their_line(body, line, words):
    with pytest.raises(DensityTableError) as err:
        parse_density_table("# name: bad\n" + HEADER.replace("\n", "") + "\n" + body,
                            path="bad.csv")
    assert err.value.line == line + 1  # the comment line counts
    assert words in err.value.reason
    assert "bad.csv" in str(err.value)


def test_county_and_forest_type_overrides_take_precedence():
    base = parse_density_table(TABLE)
    extra = parse_density_table(
        "# forest_type_column: YSSZ\n" + HEADER.replace("\n", ",scope\n")
        + "0301,agb,40,30,50,Jiangxi county inventory,county:360121\n"
        + "0301,agb,30,20,40,fir plantation study,forest_type:杉木\n"
        + "0101,soil,70,60,80,provincial soil survey,\n")
    table = with_overrides(base, extra, name="jx.csv")
    assert table.stamp.overrides == "jx.csv" and table.stamp.checksum != base.stamp.checksum
    keys = pd.DataFrame({"county": ["360111", "360121", "360121", "360111"],
                         "code": ["0301", "0301", "0301", "0101"],
                         "forest_type": ["", "", "杉木", ""]})
    idx = lookup_entries(table, keys)
    values = np.array([e.tc_per_ha for e in table.entries])[idx[:, 0]]  # agb
    assert values.tolist() == [84.6, 40.0, 30.0, 5.0]
    assert np.array([e.tc_per_ha for e in table.entries])[idx[3, 2]] == 70.0  # soil replaced


def test_a_class_without_density_is_refused():
    table = parse_density_table(TABLE)
    with pytest.raises(DensityTableError, match="0103"):
        stock_ops.pool_stocks(stock_ops.class_areas(["360111"], ["0103"], [1.0]), table)


def test_monte_carlo_is_seeded_and_within_the_ranges():
    table = default_density_table()
    a, b = sample_densities(table, 500, seed=7), sample_densities(table, 500, seed=7)
    assert np.array_equal(a, b)
    low = np.array([e.low for e in table.entries])[:, None]
    high = np.array([e.high for e in table.entries])[:, None]
    assert (a >= low - 1e-12).all() and (a <= high + 1e-12).all()
    fixed = [i for i, e in enumerate(table.entries) if e.low == e.high]
    assert np.all(a[fixed] == a[fixed][:, :1])
    assert not np.array_equal(a, sample_densities(table, 500, seed=8))


def test_conversions_price_each_patch_by_its_classes():
    table = parse_density_table(TABLE)
    patches = pd.DataFrame({"county": ["360111", "360111", "360121"],
                            "from_code": ["0301", "0301", "0101"],
                            "to_code": ["0702", "0702", "0301"],
                            "area_m2": [10_000.0, 5_000.0, 20_000.0]})
    conv = change_ops.conversions(patches, table)
    assert conv["change_tc"].tolist() == pytest.approx(
        [1.5 * (HAND["0702"] - HAND["0301"]), 2.0 * (HAND["0301"] - HAND["0101"])])
    assert change_ops.construction_loss_share(conv) == 1.0
    groups = change_ops.group_rows(conv)
    assert (groups[0].from_group, groups[0].to_group) == ("林地", "建设用地")


def test_mine_links_and_ranking():
    assert _mine_link("", None) == "" and _mine_link("FK1", None) == "no register"
    assert _mine_link("FK1", {"FK1"}) == "found" and _mine_link("FK2", {"FK1"}) == "missing"
    assert rank_projects([]) == []
