"""The review rule engine: safe conditions, rule files, verdicts."""

from __future__ import annotations

import pytest

from onemap.review.analysis import FIGURE_NAMES
from onemap.review.errors import RuleFileError
from onemap.review.rules import Condition, decide_verdict, evaluate_rules, parse_rules
from onemap.review.service import load_default_rules

FIG = dict.fromkeys(FIGURE_NAMES, 0.0)


@pytest.mark.parametrize("text, figures, expected", [
    ("eco_redline_m2 > 0", {"eco_redline_m2": 0.5}, True),
    ("eco_redline_m2 > 0", {"eco_redline_m2": 0.0}, False),
    ("pbf_m2 > 0 and not national_key_project", {"pbf_m2": 1, "national_key_project": 1}, False),
    ("farmland_m2 / area_m2 >= 0.5", {"farmland_m2": 5, "area_m2": 10}, True),
    ("farmland_m2 / area_m2 >= 0.5", {"farmland_m2": 5, "area_m2": 0}, False),
    ("0 < udb_outside_m2 <= 100", {"udb_outside_m2": 100}, True),
    ("max(pbf_m2, eco_redline_m2) > 10 or -area_m2 < -1e6", {"pbf_m2": 1, "eco_redline_m2": 2,
                                                             "area_m2": 2e6}, True),
    ("abs(area_m2 - 100) < 1", {"area_m2": 100.5}, True),
])
def test_conditions(text: str, figures: dict[str, float], expected: bool) -> None:
    assert Condition(text).evaluate(figures) is expected


@pytest.mark.parametrize("text", [
    "__import__('os').system('id')",
    "area_m2.__class__",
    "open('/etc/passwd')",
    "(lambda: 1)()",
    "area_m2 ** 999999",
    "[x for x in ()]",
    "area_m2[0]",
    "'text' == area_m2",
    "area_m2 if 1 else 0",
    "area_m2 in (1, 2)",
    "area_m2 = 1",
    "min(area_m2, key=abs)",
    "",
    "a" * 600,
])
def test_unsafe_or_malformed_conditions_are_refused(text: str) -> None:
    with pytest.raises(RuleFileError):
        Condition(text)


def test_unknown_figures_fail_at_load_time_with_the_rule_id() -> None:
    text = '[[rules]]\nid = "X1"\ntext = "t"\ncondition = "forest_m2 > 0"\nseverity = "notice"\n'
    with pytest.raises(RuleFileError, match=r"X1.*forest_m2"):
        parse_rules(text, "toml", known=set(FIGURE_NAMES))


def test_rule_file_errors() -> None:
    with pytest.raises(RuleFileError, match="TOML"):
        parse_rules("[[rules]\n", "toml")
    with pytest.raises(RuleFileError, match="list of rules"):
        parse_rules("name: x\n", "yaml")
    with pytest.raises(RuleFileError, match="severity"):
        parse_rules("rules:\n - {id: A, text: t, condition: area_m2 > 0, severity: fatal}\n",
                    "yaml")
    with pytest.raises(RuleFileError, match="twice"):
        parse_rules("rules:\n - {id: A, text: t, condition: area_m2 > 0, severity: notice}\n"
                    " - {id: A, text: t, condition: area_m2 > 0, severity: notice}\n", "yaml")
    with pytest.raises(RuleFileError, match="TOML or YAML"):
        parse_rules("{}", "json")


def test_default_rules_reflect_the_seed() -> None:
    rules = load_default_rules()
    by_id = {r.id: r for r in rules.rules}
    assert by_id["ECO-01"].severity == "prohibited" and "生态保护红线" in by_id["ECO-01"].text
    assert by_id["NR-01"].severity == "prohibited" and "核心保护区" in by_id["NR-01"].text
    assert by_id["PBF-01"].severity == "prohibited" and "第三十五条" in by_id["PBF-01"].reference
    assert by_id["PBF-02"].severity == "needs_approval" and "国务院" in by_id["PBF-02"].text
    assert by_id["UDB-01"].severity == "needs_approval"
    assert by_id["FB-01"].severity == "needs_approval" and "占补平衡" in by_id["FB-01"].text
    assert {"GH-01", "GH-02", "MIN-01", "APP-01", "SUP-01"} <= set(by_id)
    assert all(r.reference and r.text_en for r in rules.rules)
    assert len(rules.checksum) == 64


@pytest.mark.parametrize("figures, verdict, ids", [
    ({}, "通过", []),
    ({"eco_redline_m2": 1.0, "farmland_m2": 5.0}, "不通过", ["ECO-01", "FB-01"]),
    ({"pbf_m2": 3.0, "national_key_project": 1.0}, "有条件通过", ["PBF-02"]),
    ({"pbf_m2": 3.0}, "不通过", ["PBF-01"]),
    ({"udb_outside_m2": 2.0, "hazard_points": 1.0}, "有条件通过", ["UDB-01", "GH-02"]),
    ({"mining_right_m2": 2.0, "counties": 2.0}, "通过", ["MIN-01", "ADM-01"]),
    ({"reserve_core_m2": 2.0, "reserve_general_m2": 2.0}, "不通过", ["NR-01", "NR-02"]),
])
def test_default_rules_give_the_right_verdicts(figures: dict[str, float], verdict: str,
                                               ids: list[str]) -> None:
    triggered = evaluate_rules(load_default_rules(), {**FIG, "counties": 1.0, **figures})
    assert [t.id for t in triggered] == ids
    assert decide_verdict(triggered) == verdict
    for t in triggered:
        assert set(t.values) <= FIGURE_NAMES


def test_every_figure_is_documented() -> None:
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[2] / "docs" / "review.md").read_text("utf-8")
    for name in FIGURE_NAMES:
        assert f"`{name}`" in doc, name
