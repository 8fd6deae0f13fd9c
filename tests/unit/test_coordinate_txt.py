"""Ministry coordinate TXT: parsing rules, error lines, and a write→read round trip."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from onemap.errors import CoordinateFileError, CrsError
from onemap.store.formats.coordinate_txt import (
    decode_text,
    format_coordinate_txt,
    parse_coordinate_txt,
)
from onemap.store.formats.models import TxtParcel

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "data"))
import make_fixtures


def test_two_parcels_one_with_a_hole() -> None:
    doc = parse_coordinate_txt(make_fixtures.two_parcels_txt())
    assert doc.zone == 39 and doc.prefixed and doc.epsg == 4527
    assert doc.attributes["坐标系"] == "2000国家大地坐标系"
    a, b = doc.parcels
    assert (a.number, a.name, a.use, a.dlbm, a.sheet) == ("DK01", "南昌县地块一", "工业用地",
                                                          "0601", "H50G002051")
    assert a.line == 13 and b.line == 19 and a.point_count == 5 and b.point_count == 10
    assert a.area_ha == 1.0 and a.geometry.area == pytest.approx(10_000.0)
    assert [r.role for r in b.rings] == ["exterior", "hole"]
    assert len(b.geometry.interiors) == 1
    assert b.geometry.area == pytest.approx(200 * 200 - 50 * 50)
    # x = easting (zone prefix kept), y = northing
    minx, miny, _, _ = a.geometry.bounds
    assert (minx, miny) == (make_fixtures.E0, make_fixtures.N0)


def test_disjoint_second_ring_is_another_part_and_island_in_hole_too() -> None:
    e, n = make_fixtures.E0, make_fixtures.N0
    rings = (make_fixtures._ring(make_fixtures._square(n, e, 300), 1, 1)
             + make_fixtures._ring(make_fixtures._square(n + 100, e + 100, 100), 2, 5)
             + make_fixtures._ring(make_fixtures._square(n + 140, e + 140, 20), 3, 9)
             + make_fixtures._ring(make_fixtures._square(n + 1000, e, 50), 4, 13))
    text = (make_fixtures.TXT_HEAD.format(zone="39") + f"{len(rings)},,P1,,面,,,,@\n"
            + "\n".join(rings) + "\n")
    parcel = parse_coordinate_txt(text).parcels[0]
    assert [r.role for r in parcel.rings] == ["exterior", "hole", "exterior", "exterior"]
    assert parcel.geometry.geom_type == "MultiPolygon" and len(parcel.geometry.geoms) == 3
    assert parcel.geometry.area == pytest.approx(300**2 - 100**2 + 20**2 + 50**2)


def test_variants_fullwidth_brackets_empty_zone_and_province_header() -> None:
    text = make_fixtures.two_parcels_txt(zone="").replace("[地块坐标]", "【地块坐标】")
    text = text.replace("[属性描述]", "［属性描述］").replace(
        "5,1.0000,DK01,南昌县地块一,面", "5,0.7655公顷,DK01,南昌县地块一,面")
    text = text.replace("10,3.7500,DK02,带洞地块,面,H50G002051,农用地,0101,@",
                        "0,0,10,3.7500,DK02,带洞地块,面,,,,@")
    doc = parse_coordinate_txt(text)
    assert doc.zone == 39  # inferred from the eastings' prefix
    assert doc.parcels[0].area_ha == 0.7655
    assert doc.parcels[1].number == "DK02" and doc.parcels[1].location == ["0", "0"]


def test_unprefixed_eastings_need_the_zone_key() -> None:
    text = make_fixtures.two_parcels_txt().replace("39392", "392").replace("39391", "391")
    assert parse_coordinate_txt(text).epsg == 4548  # CM 117°E without prefix
    with pytest.raises(CrsError, match="带号"):
        parse_coordinate_txt(text.replace("带号=39", "带号="))


def test_other_datums_are_refused() -> None:
    text = make_fixtures.two_parcels_txt().replace("2000国家大地坐标系", "80国家大地坐标系")
    with pytest.raises(CrsError, match="80国家大地坐标系"):
        parse_coordinate_txt(text)


@pytest.mark.parametrize(("name", "line", "words"), [
    ("bad_count.txt", 13, "says 7 points"),
    ("bad_unclosed.txt", 17, "not closed"),
    ("bad_selfintersect.txt", 14, "crosses itself"),
    ("bad_mixed_zones.txt", 15, "mixed zones"),
    ("bad_swapped_xy.txt", 14, "swapped"),
    ("bad_overlapping_rings.txt", 19, "partly overlaps"),
    ("bad_number.txt", 16, "not numbers"),
])
def test_each_bad_file_names_its_line(name: str, line: int, words: str) -> None:
    text = make_fixtures.bad_txts()[name]
    with pytest.raises(CoordinateFileError, match=words) as info:
        parse_coordinate_txt(text, path=name, strict=True)  # unclosed rings: refused if strict
    assert info.value.line == line
    assert info.value.path == name
    assert f"line {line}" in info.value.user_message


def test_not_a_coordinate_file() -> None:
    with pytest.raises(CoordinateFileError, match="地块坐标"):
        parse_coordinate_txt("hello\nworld\n")


def test_decoding_gbk_utf8_bom_and_garbage() -> None:
    text = make_fixtures.two_parcels_txt()
    assert decode_text(text.encode("gbk"))[1] == "GB18030"
    assert decode_text(text.encode("utf-8-sig")) == (text, "UTF-8")
    mixed = text.encode("utf-8") + b"\n" + b"\xff\xfe\xfa\n"
    with pytest.raises(CoordinateFileError) as info:
        decode_text(mixed, path="x.txt")
    assert info.value.line == text.count("\n") + 2


# -- round trip -----------------------------------------------------------------------------
def _star(cx: float, cy: float, radius: float, radii: list[float]) -> list[tuple[float, float]]:
    n = len(radii)
    return [(round(cx + radius * r * math.cos(2 * math.pi * i / n), 3),
             round(cy + radius * r * math.sin(2 * math.pi * i / n), 3))
            for i, r in enumerate(radii)]


@st.composite
def parcels(draw: st.DrawFn) -> list[TxtParcel]:
    names = st.text(alphabet="地块一二三ABCxyz0123456789工业用地南昌", min_size=0, max_size=8)
    out = []
    for k in range(draw(st.integers(1, 3))):
        polys = []
        for part in range(draw(st.integers(1, 2))):
            cx = 39_400_000.0 + k * 5_000 + part * 1_500
            cy = 3_100_000.0 + draw(st.floats(0, 10_000))
            radius = draw(st.floats(20, 500))
            radii = draw(st.lists(st.floats(0.6, 1.0), min_size=3, max_size=12))
            shell = _star(cx, cy, radius, radii)
            holes = []
            if draw(st.booleans()):
                hole_radii = draw(st.lists(st.floats(0.6, 1.0), min_size=3, max_size=8))
                holes.append(_star(cx, cy, radius * 0.3, hole_radii))
            polys.append(shapely.Polygon(shell, holes))
        geom = polys[0] if len(polys) == 1 else shapely.MultiPolygon(polys)
        if not geom.is_valid:
            continue
        out.append(TxtParcel(index=k + 1, point_count=0, number=f"DK{k + 1:02d}",
                             name=draw(names), use=draw(names), dlbm="0101", sheet="H50G0",
                             area_ha=round(geom.area / 10_000, 4), geometry=geom))
    return out


@settings(max_examples=60, deadline=None)
@given(parcels(), st.sampled_from(["gbk", "utf-8", "utf-8-sig"]))
def test_write_read_round_trip(items: list[TxtParcel], encoding: str) -> None:
    if not items:
        return
    text = format_coordinate_txt(items, zone=39)
    decoded, _ = decode_text(text.encode(encoding))
    doc = parse_coordinate_txt(decoded)
    assert doc.zone == 39 and doc.epsg == 4527
    assert len(doc.parcels) == len(items)
    for wrote, got in zip(items, doc.parcels, strict=True):
        assert (got.number, got.name, got.use, got.dlbm, got.sheet) == (
            wrote.number, wrote.name, wrote.use, wrote.dlbm, wrote.sheet)
        assert got.area_ha == pytest.approx(wrote.area_ha, abs=1e-4)
        assert got.point_count == sum(len(r.points) for r in got.rings)
        assert shapely.equals(shapely.normalize(got.geometry), shapely.normalize(wrote.geometry))
        assert got.geometry.area == pytest.approx(wrote.geometry.area, rel=1e-12)


def test_six_degree_zones_and_the_fendai_key_variant() -> None:
    text = make_fixtures.two_parcels_txt().replace("几度分带=3", "分带=6度带")
    text = text.replace("带号=39", "带号=20").replace("39392", "20392").replace("39391", "20391")
    doc = parse_coordinate_txt(text)
    assert (doc.zone, doc.zone_width, doc.epsg) == (20, 6, 4498)


def test_mixed_utf8_and_gbk_lines_are_refused() -> None:
    text = make_fixtures.two_parcels_txt()
    lines = text.splitlines(keepends=True)
    data = "".join(lines[:13]).encode("utf-8") + "".join(lines[13:]).encode("gbk")
    with pytest.raises(CoordinateFileError, match="mixed text encodings") as info:
        decode_text(data, path="m.txt")
    assert info.value.line == 19  # the DK02 header, first GBK line with Chinese
    assert "line 1 is UTF-8" in info.value.reason
