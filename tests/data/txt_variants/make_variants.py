"""Write the real-file variants of the Ministry coordinate TXT (one file per variant).

Made by the project from ``tests/data/make_fixtures.two_parcels_txt`` (DK01, a 100 m
square; DK02, a 200 m square with a 50 m hole), each changed the way county offices'
deliverables differ from the format. Run ``python tests/data/txt_variants/make_variants.py``
to regenerate; ``tests/unit/test_txt_variants.py`` checks the committed copies match.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import make_fixtures as fx  # noqa: E402 (after the path is set)

FULLWIDTH_DIGITS = str.maketrans({str(d): chr(0xFF10 + d) for d in range(10)} | {",": "，",
                                                                                 ".": "．"})


def variants() -> dict[str, str]:
    """Return file name → text of every variant."""
    good = fx.two_parcels_txt()
    lines = good.splitlines()
    # 1-based: 13 DK01 header, 14–18 DK01 ring (18 = closing J1), 19 DK02 header,
    # 20–24 ring 1 (24 = closing J1), 25–29 ring 2 (29 = closing J5)
    out: dict[str, str] = {}
    # both parcels stop at their last distinct point; headers count the lines written
    unclosed = [ln for i, ln in enumerate(lines, 1) if i not in (18, 24, 29)]
    out["unclosed_rings.txt"] = ("\n".join(unclosed).replace("5,1.0000,DK01", "4,1.0000,DK01")
                                 .replace("10,3.7500,DK02", "8,3.7500,DK02") + "\n")
    # blank lines between everything, trailing spaces and tabs
    out["blank_lines_trailing_spaces.txt"] = "\n\n".join(f"{ln}   \t" for ln in lines) + "\n\n\n"
    # digits, commas and points of the coordinate lines in full width (an IME left on)
    wide = [ln.translate(FULLWIDTH_DIGITS) if ln.startswith("J") else ln for ln in lines]
    out["fullwidth_digits_commas.txt"] = "\n".join(wide) + "\n"
    # [属性描述] reordered, 带号 missing (the eastings carry the zone prefix 39)
    head_end = lines.index("[地块坐标]")
    attributes = [ln for ln in lines[1:head_end] if not ln.startswith("带号")]
    out["header_reordered_no_zone.txt"] = "\n".join(
        [lines[0], *reversed(attributes), *lines[head_end:]]) + "\n"
    # 圈号 restarting: DK02's hole written as 圈号 1 again after ring 1 closed
    restart = [ln.replace(",2,", ",1,", 1) if 25 <= i <= 29 else ln
               for i, ln in enumerate(lines, 1)]
    out["ring_numbers_restart.txt"] = "\n".join(restart) + "\n"
    # point names with spaces ("J 1"), as some CAD exports write them
    spaced = [ln.replace("J", "J ", 1) if ln.startswith("J") else ln for ln in lines]
    out["point_names_with_spaces.txt"] = "\n".join(spaced) + "\n"
    # the zone prefix 39 dropped from the eastings of DK02's hole only (lines 25–29)
    part = []
    for i, ln in enumerate(lines, 1):
        name, ring, x, y = [*ln.split(","), "", "", "", ""][:4]
        part.append(f"{name},{ring},{x},{float(y) - 39_000_000:.3f}" if 25 <= i <= 29 else ln)
    out["zone_prefix_some_lines.txt"] = "\n".join(part) + "\n"
    return out


def build(target: Path) -> dict[str, Path]:
    """Write every variant (UTF-8, CRLF like the deliverables) into ``target``."""
    target.mkdir(parents=True, exist_ok=True)
    made = {}
    for name, text in variants().items():
        path = target / name
        path.write_bytes(text.replace("\n", "\r\n").encode("utf-8"))
        made[name] = path
    return made


if __name__ == "__main__":
    for p in build(HERE).values():
        print(p)
