"""Read the Ministry mining-right coordinate TXT (矿业权范围拐点坐标): several blocks, depths.

A mining (or exploration) right file has the layout of the boundary-coordinate TXT
(:mod:`onemap.store.formats.coordinate_txt`): ``[属性描述]`` then ``[地块坐标]`` with one
header line ending in ``@`` per block (矿区范围块段) and its 拐点 lines. What mining-right
files add, and this module reads before handing the rest to the same block parser:

* 开采深度 (mining depth, elevations in m): ``开采深度=由350米至-120米标高`` in
  ``[属性描述]`` for the whole right, or after a block's points for that block; the
  registration form's end-of-block line ``*,350,-120,,1`` (``*``, top, bottom, …) too;
* right-level attributes in ``[属性描述]``: 许可证号, 矿山名称, 采矿权人, 开采矿种.

Public functions: :func:`read_mining_right_txt` ``(path, encoding=None)`` and
:func:`parse_mining_right_txt` ``(text, path="")`` (pure) → :class:`MiningRightFile`.
Every block's rings are checked as site files are (closure, point counts, self-
intersections, zones); errors name the line.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import shapely
from pydantic import BaseModel, Field

from onemap.errors import CoordinateFileError
from onemap.store.formats.coordinate_txt import (
    ATTRIBUTE_SECTION,
    COORDINATE_SECTION,
    decode_text,
    parse_coordinate_txt,
)

_DEPTH_KEYS = ("开采深度", "开采标高", "深度")
_SECTION = re.compile(r"^[\[【［]\s*(.+?)\s*[\]】］]$")
_NUMBER = re.compile(r"[-+]?\d+(?:\.\d+)?")
_FULLWIDTH = str.maketrans({"，": ",", "＝": "=", "：": "=", ":": "=", "－": "-", "＋": "+"})


class MiningBlock(BaseModel):
    """One block (块段) of a right: its header fields, depth and projected geometry."""

    index: int = Field(description="1-based block position in the file")
    line: int = Field(description="line of the block header")
    number: str = ""
    name: str = ""
    area_ha: float | None = None
    depth_top: float | None = Field(None, description="开采深度上限 (标高, m)")
    depth_bottom: float | None = Field(None, description="开采深度下限 (标高, m)")
    geometry: Any = Field(None, exclude=True)


class MiningRightFile(BaseModel):
    """A mining-right coordinate file: right attributes, blocks, CRS of the coordinates."""

    path: str = ""
    encoding: str = ""
    attributes: dict[str, str] = Field(default_factory=dict)
    zone: int
    epsg: int
    blocks: list[MiningBlock]
    warnings: list[str] = Field(default_factory=list,
                                description="repairs made on read (e.g. a ring closed)")

    @property
    def geometry(self) -> Any:
        """All blocks as one (Multi)Polygon in the file's Gauss–Krüger CRS."""
        return shapely.union_all([b.geometry for b in self.blocks])

    @property
    def depth(self) -> tuple[float | None, float | None]:
        """(top, bottom) over every block: the highest top and the lowest bottom."""
        tops = [b.depth_top for b in self.blocks if b.depth_top is not None]
        bottoms = [b.depth_bottom for b in self.blocks if b.depth_bottom is not None]
        return (max(tops) if tops else None, min(bottoms) if bottoms else None)


def _depth(value: str, *, path: str, line: int) -> tuple[float, float]:
    nums = [float(n) for n in _NUMBER.findall(value)]
    if len(nums) < 2:
        raise CoordinateFileError(f"开采深度 {value!r} needs two elevations (上限, 下限)",
                                  path=path, line=line)
    top, bottom = nums[0], nums[1]
    if bottom > top:
        raise CoordinateFileError(f"开采深度: the lower limit {bottom} is above the upper "
                                  f"limit {top}", path=path, line=line)
    return top, bottom


def _depth_line(s: str, path: str, line: int) -> tuple[float, float] | None:
    """Return the depth of a 开采深度 or ``*`` line, None for any other line."""
    if s.startswith("*"):
        return _depth(",".join(s.split(",")[1:3]), path=path, line=line)
    key, sep, value = s.partition("=")
    if sep and key.strip() in _DEPTH_KEYS:
        return _depth(value, path=path, line=line)
    return None


def _split_depths(text: str, path: str) -> tuple[str, dict[int, tuple[float, float]],
                                                 tuple[float, float] | None]:
    """Remove depth lines; return (text for the block parser, depth by block, right depth).

    Removed lines become blank lines so the block parser's line numbers stay right.
    """
    kept: list[str] = []
    by_block: dict[int, tuple[float, float]] = {}
    whole: tuple[float, float] | None = None
    section, blocks = "", 0
    for lineno, raw in enumerate(text.splitlines(), 1):
        s = raw.strip().lstrip("\ufeff").translate(_FULLWIDTH)
        m = _SECTION.match(s)
        if m:
            section = m.group(1)
        depth = None if m or not s else _depth_line(s, path, lineno)
        if depth is None:
            if section == COORDINATE_SECTION and s.endswith("@"):
                blocks += 1
            kept.append(raw)
            continue
        if section == COORDINATE_SECTION:
            if blocks == 0:
                raise CoordinateFileError("开采深度 line before any block header", path=path,
                                          line=lineno)
            by_block[blocks] = depth
        else:
            whole = depth
        kept.append("")
    return "\n".join(kept), by_block, whole


def parse_mining_right_txt(text: str, *, path: str = "", strict: bool = False
                           ) -> MiningRightFile:
    """Parse decoded text of a mining-right file (pure); errors name the line.

    Read as leniently as site files: an unclosed ring is closed with a warning unless
    ``strict``.
    """
    rest, by_block, whole = _split_depths(text, path)
    doc = parse_coordinate_txt(rest, path=path, strict=strict)
    blocks = []
    for p in doc.parcels:
        top, bottom = by_block.get(p.index, whole or (None, None))
        blocks.append(MiningBlock(index=p.index, line=p.line, number=p.number, name=p.name,
                                  area_ha=p.area_ha, depth_top=top, depth_bottom=bottom,
                                  geometry=p.geometry))
    attributes = dict(doc.attributes)
    attributes.update(doc.project)
    return MiningRightFile(path=path, attributes=attributes, zone=doc.zone, epsg=doc.epsg,
                           blocks=blocks, warnings=list(doc.warnings))


def read_mining_right_txt(path: str | Path, encoding: str | None = None, *,
                          strict: bool = False) -> MiningRightFile:
    """Read a mining-right coordinate file (UTF-8 or GBK; see the module docstring)."""
    p = Path(path)
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise CoordinateFileError(f"cannot read file: {exc.strerror}", path=str(p)) from None
    text, enc = decode_text(data, encoding, path=str(p))
    return parse_mining_right_txt(text, path=str(p), strict=strict).model_copy(
        update={"encoding": enc})


__all__ = ["ATTRIBUTE_SECTION", "MiningBlock", "MiningRightFile", "parse_mining_right_txt",
           "read_mining_right_txt"]
