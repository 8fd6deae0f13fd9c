"""The Ministry mining-right coordinate TXT: several blocks, 开采深度 lines, clear errors."""

from __future__ import annotations

import pytest
import shapely

from onemap.errors import CoordinateFileError
from onemap.store.formats.coordinate_txt import parse_coordinate_txt, read_coordinate_txt
from onemap.store.formats.mining_txt import parse_mining_right_txt, read_mining_right_txt

HEAD = """[属性描述]
坐标系=2000国家大地坐标系
几度分带=3
带号=39
许可证号=C3601002020017130149999
矿山名称=南昌县某石灰岩矿
采矿权人=江西某矿业有限公司
开采矿种=石灰岩、建筑用砂
开采方式=露天开采
有效期起=2020-01-01
有效期止=2030-12-31
开采深度：由+120米至-40米标高
[地块坐标]
"""
BLOCK1 = """5,1.0000,C3601002020017130149999,矿区范围第1块,面,,采矿用地,0602,@
J1,1,3166000.000,39392000.000
J2,1,3166000.000,39392100.000
J3,1,3166100.000,39392100.000
J4,1,3166100.000,39392000.000
J1,1,3166000.000,39392000.000
"""
BLOCK2 = """5,2.0000,C3601002020017130149999,矿区范围第2块,面,,采矿用地,0602,@
J5,1,3166300.000,39392000.000
J6,1,3166300.000,39392200.000
J7,1,3166400.000,39392200.000
J8,1,3166400.000,39392000.000
J5,1,3166300.000,39392000.000
*,80,-20,,2
"""


def test_two_blocks_with_depths_read_right() -> None:
    doc = parse_mining_right_txt(HEAD + BLOCK1 + BLOCK2, path="right.txt")
    assert [b.index for b in doc.blocks] == [1, 2]
    assert doc.epsg == 4527 and doc.zone == 39
    assert [round(b.geometry.area) for b in doc.blocks] == [10_000, 20_000]
    assert doc.geometry.geom_type == "MultiPolygon" and round(doc.geometry.area) == 30_000
    # block 1 takes the right's depth from [属性描述], block 2 its own end-of-block line
    assert (doc.blocks[0].depth_top, doc.blocks[0].depth_bottom) == (120.0, -40.0)
    assert (doc.blocks[1].depth_top, doc.blocks[1].depth_bottom) == (80.0, -20.0)
    assert doc.depth == (120.0, -40.0)
    assert doc.attributes["许可证号"] == "C3601002020017130149999"
    assert doc.blocks[1].line == 20  # line numbers survive the removed depth line


def test_depth_line_after_a_block_and_gbk_file(tmp_path) -> None:
    text = HEAD.replace("开采深度：由+120米至-40米标高\n", "") + BLOCK1 + \
        "开采深度=由150米至0米标高\n" + BLOCK2.replace("*,80,-20,,2\n", "")
    path = tmp_path / "right.txt"
    path.write_bytes(text.replace("\n", "\r\n").encode("gbk"))
    doc = read_mining_right_txt(path)
    assert doc.encoding.upper() in ("GB18030", "GBK")
    assert (doc.blocks[0].depth_top, doc.blocks[0].depth_bottom) == (150.0, 0.0)
    assert doc.blocks[1].depth_top is None and doc.depth == (150.0, 0.0)


@pytest.mark.parametrize(("text", "line", "words"), [
    (HEAD + BLOCK1 + BLOCK2.replace("J5,1,3166300.000,39392000.000\n*", "*").replace(
        "5,2.0000", "4,2.0000"), 24, "not closed"),
    (HEAD + BLOCK1 + BLOCK2.replace("*,80,-20,,2", "*,-20,80,,2"), 26, "above"),
    (HEAD + "开采深度=100,-10\n" + BLOCK1, 14, "before any block"),
    (HEAD.replace("由+120米至-40米标高", "一百米"), 12, "two elevations"),
])
def test_errors_name_the_line(text: str, line: int, words: str) -> None:
    with pytest.raises(CoordinateFileError, match=words) as err:
        parse_mining_right_txt(text, path="bad.txt", strict=True)
    assert err.value.line == line and err.value.path == "bad.txt"


def test_an_unclosed_block_is_closed_with_a_warning_unless_strict() -> None:
    text = HEAD + BLOCK1 + BLOCK2.replace("J5,1,3166300.000,39392000.000\n*", "*").replace(
        "5,2.0000", "4,2.0000")
    doc = parse_mining_right_txt(text, path="open.txt")
    assert len(doc.blocks) == 2 and doc.blocks[1].geometry.is_valid
    assert any("open.txt" in w and "line" in w for w in doc.warnings), doc.warnings


def test_site_files_read_as_before(tmp_path) -> None:
    """The site reader is untouched: a plain site file reads the same through both."""
    text = HEAD.replace("开采深度：由+120米至-40米标高\n", "") + BLOCK1
    site = parse_coordinate_txt(text)
    mine = parse_mining_right_txt(text)
    assert shapely.equals(site.parcels[0].geometry, mine.blocks[0].geometry)
    path = tmp_path / "site.txt"
    path.write_text(text, encoding="utf-8")
    assert len(read_coordinate_txt(path).parcels) == 1
