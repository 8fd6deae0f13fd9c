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


# -- the printed deliverables' polish (issue item 7) -------------------------------------------
def _pdf_pages(path: Path) -> list[str]:
    import subprocess

    from pypdf import PdfReader

    pages = len(PdfReader(path).pages)
    return [subprocess.run(["pdftotext", "-f", str(i), "-l", str(i), str(path), "-"],
                           check=True, capture_output=True, text=True).stdout
            for i in range(1, pages + 1)]


def test_review_names_the_project_and_the_reviewer(made: dict[str, Path]) -> None:
    text = text_of(made["review-zh.pdf"])
    assert "物流仓储中心项目" in text.split("审查编号")[0]  # 项目名称 from the TXT header
    assert "李审查" in text and "os:" not in text and "site-3-pbf" not in text.split("审查编号")[0]


def test_sign_off_blocks_on_case_sheet_and_indicator_report(made: dict[str, Path]) -> None:
    for name in ("case-zh.pdf", "indicators-zh.pdf"):
        text = text_of(made[name])
        assert all(word in text for word in ("编制单位", "审核", "日期")), name
    for name in ("case-en.pdf", "indicators-en.pdf"):
        assert "Checked by" in text_of(made[name]), name


def test_pdf_pages_repeat_headers_and_leave_no_heading_alone(made: dict[str, Path],
                                                              tmp_path: Path) -> None:
    import subprocess

    from PIL import Image

    html = made["indicators-zh.html"].read_text(encoding="utf-8")
    assert "<thead>" in html and "table-header-group" in html and "break-after: avoid" in html
    for name in ("indicators-zh.pdf", "review-zh.pdf", "case-zh.pdf"):
        pages = _pdf_pages(made[name])
        for i, page in enumerate(pages[:-1], start=1):
            lines = [ln.strip() for ln in page.splitlines() if ln.strip()]
            last = lines[-1] if lines else ""
            assert not re.match(r"^[一二三四五六七八九十]+、", last), (name, i, last)
        subprocess.run(["pdftoppm", "-r", "40", "-png", str(made[name]), str(tmp_path / name)],
                       check=True)
        shots = sorted(tmp_path.glob(f"{name}*.png"))
        assert len(shots) == len(pages)
        assert all(Image.open(s).convert("L").getextrema()[0] < 100 for s in shots)  # ink
    pages = _pdf_pages(made["indicators-zh.pdf"])
    with_rows = [p for p in pages if "绿色" in p or "黄色" in p or "红色" in p]
    assert len(with_rows) >= 2 and all("预警" in p for p in with_rows)  # header on each page


def test_units_read_km_squared(made: dict[str, Path]) -> None:
    for name in ("indicators-zh.pdf", "indicators-en.pdf", "indicators-zh.html"):
        text = text_of(made[name])
        assert "km2" not in text and "km²" in text, name


def test_xlsx_have_frozen_headers_print_titles_and_merged_titles(made: dict[str, Path]) -> None:
    from openpyxl import load_workbook

    for name, path in made.items():
        if path.suffix != ".xlsx":
            continue
        book = load_workbook(path)
        for sheet in book.worksheets:
            has_caption = bool(sheet.merged_cells.ranges)
            header = 2 if has_caption else 1
            assert sheet.freeze_panes == f"A{header + 1}", (name, sheet.title)
            assert sheet.print_title_rows == f"$1:${header}", (name, sheet.title)
            if has_caption:
                merged = next(iter(sheet.merged_cells.ranges))
                assert merged.min_row == merged.max_row == 1 and merged.max_col == sheet.max_column
        assert any(s.merged_cells.ranges for s in book.worksheets), name


def test_map_titles_name_the_county_and_the_scale_bar_has_its_card(made: dict[str, Path]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt
    from matplotlib.patches import Rectangle

    from onemap.reports.maps import add_scale_bar, county_name

    ws = Workspace.open(made["change.xlsx"].parents[1] / "ws")
    try:
        assert county_name(ws, "360121") == "南昌县"
    finally:
        ws.close()
    fig, ax = plt.subplots()
    ax.set_xlim(115.8, 116.2)
    ax.set_ylim(28.5, 28.8)
    add_scale_bar(ax)
    label = next(t for t in ax.texts if t.get_text().endswith("km"))
    cards = [p for p in ax.patches
             if isinstance(p, Rectangle) and p.get_facecolor()[:3] == (1, 1, 1)]
    assert cards and cards[0].get_zorder() < label.get_zorder()
    fig.canvas.draw()
    box = label.get_window_extent()
    card = cards[0].get_window_extent()
    assert card.x0 <= box.x0 and box.x1 <= card.x1 and card.y0 <= box.y0 and box.y1 <= card.y1
    plt.close(fig)
