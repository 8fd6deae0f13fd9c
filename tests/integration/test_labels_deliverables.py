"""No internal identifier in a Chinese deliverable, no stray Chinese in an English one.

Every deliverable of a tiny demo is rendered (XLSX, PDF, HTML; zh and en where the command
has ``--lang``) and read as a user would: the Chinese ones must not show any value of the
label catalogue (``green``, ``non_agri``, ``out``, ``pbf_m2`` ...), the English ones no CJK
text outside place names and quoted legal titles (《…》, “…”).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

import onemap.change  # noqa: F401  (registers the change classes' labels)
from onemap.standards.labels import catalogue, internal_values, label
from onemap.store.workspace import Workspace

sys.path.insert(0, str(Path(__file__).resolve().parent))
from deliverables import build_deliverables, text_of

CJK = re.compile(r"[\u3400-\u9fff]+")


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return build_deliverables(tmp_path_factory.mktemp("deliverables"))


def _place_names(root: Path) -> list[str]:
    ws = Workspace.open(root)
    try:
        names: set[str] = set()
        for kind in ("admin_province", "admin_city", "admin_county", "admin_township"):
            if ws.has_layer(kind):
                names |= set(ws.read_layer(kind)["XZQMC"].dropna().astype(str))
    finally:
        ws.close()
    return sorted(names, key=len, reverse=True)


def test_the_catalogue_names_every_value_in_both_languages() -> None:
    zh, en = catalogue("zh"), catalogue("en")
    for domain in ("warning", "direction", "change_class", "indicator", "layer_kind",
                   "review_figure", "case_status", "judgement"):
        assert zh[domain] and zh[domain].keys() == en[domain].keys(), domain
        for value, name in en[domain].items():
            assert not CJK.search(name.replace("进出", "")), (domain, value, name)
    assert label("change_class", "non_agri") == "耕地非农化（建设占用耕地）"
    assert {"green", "non_agri", "pbf_m2", "outside_udb", "farmland_retained"} <= internal_values()


def test_chinese_deliverables_show_no_internal_identifier(made: dict[str, Path]) -> None:
    words = internal_values()
    # whole words; file names (site-3-pbf.txt) and e-mail-like tokens are not labels
    pattern = re.compile(r"(?<![A-Za-z0-9_\-./])(" + "|".join(
        re.escape(w) for w in sorted(words, key=len, reverse=True)) + r")(?![A-Za-z0-9_\-.])")
    found = {}
    for name, path in made.items():
        if "-en." in name:
            continue
        text = text_of(path)
        hits = sorted(set(pattern.findall(text)))
        if hits:
            found[name] = hits
    assert not found, found


def test_english_deliverables_have_no_chinese_outside_names(made: dict[str, Path]) -> None:
    places = _place_names(made["change.xlsx"].parents[1] / "ws")
    found = {}
    for name, path in made.items():
        if "-en." not in name:
            continue
        text = re.sub(r"(?<=[\u3400-\u9fff《》“”；])\s+(?=[\u3400-\u9fff《》“”；])", "",
                      text_of(path))  # table cells wrap Chinese text over lines
        text = re.sub(r"《[^》]*》(第[一二三四五六七八九十百]+[条章节款])*|“[^”]*”", " ", text)
        for place in places:
            text = text.replace(place, " ")
        hits = sorted(set(CJK.findall(text)))
        if hits:
            found[name] = hits[:30]
    assert not found, found
