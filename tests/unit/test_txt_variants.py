"""Real-file variants of the Ministry coordinate TXT: each read as the well-formed file is,
repairs listed as warnings naming file, line, parcel and ring; ``strict`` refuses them."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import shapely

DATA = Path(__file__).resolve().parents[1] / "data"
sys.path.insert(0, str(DATA))
sys.path.insert(0, str(DATA / "txt_variants"))

import make_fixtures  # noqa: E402
import make_variants  # noqa: E402

from onemap.errors import CoordinateFileError  # noqa: E402
from onemap.store.formats.coordinate_txt import parse_coordinate_txt, read_coordinate_txt  # noqa: E402

REFERENCE = parse_coordinate_txt(make_fixtures.two_parcels_txt())


def _same_parcels(doc) -> None:
    assert [p.number for p in doc.parcels] == ["DK01", "DK02"]
    assert doc.epsg == REFERENCE.epsg == 4527
    for got, want in zip(doc.parcels, REFERENCE.parcels, strict=True):
        assert shapely.equals(got.geometry, want.geometry), got.number
        assert [r.role for r in got.rings] == [r.role for r in want.rings]


def test_committed_variants_match_the_generator() -> None:
    for name, text in make_variants.variants().items():
        committed = (DATA / "txt_variants" / name).read_bytes()
        assert committed == text.replace("\n", "\r\n").encode("utf-8"), name


@pytest.mark.parametrize("name", ["blank_lines_trailing_spaces.txt",
                                  "fullwidth_digits_commas.txt",
                                  "header_reordered_no_zone.txt",
                                  "ring_numbers_restart.txt",
                                  "point_names_with_spaces.txt"])
def test_accepted_variants_read_like_the_well_formed_file(name: str) -> None:
    path = DATA / "txt_variants" / name
    doc = read_coordinate_txt(path)
    _same_parcels(doc)
    assert doc.warnings == []  # nothing repaired: these are accepted as written
    _same_parcels(read_coordinate_txt(path, strict=True))  # and under strict too


def test_point_names_keep_their_spaces() -> None:
    doc = read_coordinate_txt(DATA / "txt_variants" / "point_names_with_spaces.txt")
    assert doc.parcels[0].rings[0].points[0].name == "J 1"


def test_unclosed_rings_are_closed_with_a_warning_per_ring() -> None:
    path = DATA / "txt_variants" / "unclosed_rings.txt"
    doc = read_coordinate_txt(path)
    _same_parcels(doc)
    assert len(doc.warnings) == 3  # DK01 ring 1, DK02 rings 1 and 2
    first = doc.warnings[0]
    assert str(path) in first and "line 17" in first and "DK01" in first and "圈号 1" in first
    last = doc.warnings[2]
    assert "DK02" in last and "圈号 2" in last and "line 26" in last
    with pytest.raises(CoordinateFileError, match="not closed") as info:
        read_coordinate_txt(path, strict=True)
    assert info.value.line == 17


def test_zone_prefix_on_some_lines_is_completed_with_a_warning() -> None:
    path = DATA / "txt_variants" / "zone_prefix_some_lines.txt"
    doc = read_coordinate_txt(path)
    _same_parcels(doc)
    assert len(doc.warnings) == 1 and "zone prefix 39" in doc.warnings[0]
    assert "25, 26, 27, 28, 29" in doc.warnings[0]
    with pytest.raises(CoordinateFileError, match="mixed zones"):
        read_coordinate_txt(path, strict=True)


def test_a_two_point_ring_is_still_refused() -> None:
    text = make_fixtures.two_parcels_txt()
    lines = text.splitlines()
    short = [ln for i, ln in enumerate(lines, 1) if i not in (16, 17, 18)]
    with pytest.raises(CoordinateFileError, match="at least 3"):
        parse_coordinate_txt("\n".join(short).replace("5,1.0000,DK01", "2,1.0000,DK01"))
