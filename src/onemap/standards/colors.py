"""Land-use colours (地类配色) for DLBM codes, after the 三调 map legend conventions.

Colours follow the conventions of the Third National Land Survey land-use map
(土地利用现状图): farmland yellow (paddy deeper than dry land), plantations pink-
orange, forest green, grassland light green, commercial/industrial/residential
land reds and browns, transport grey, water blue, wetlands blue-green, other
land pale grey-brown. Values are the common survey-tool palette as remembered
from public styles, not copied from the normative table of TD/T 1055-2019:
check them against the 规程 before using them in an official map.
"""

from __future__ import annotations

from onemap.standards.landuse import land_classes

# First-level (statistics group) colours: the fallback for any code of the group.
LEVEL1_COLORS: dict[str, str] = {
    "00": "#5ec7b7",  # 湿地
    "01": "#f5e46b",  # 耕地
    "02": "#f2a66e",  # 种植园用地
    "03": "#3f9b4c",  # 林地
    "04": "#a8d86e",  # 草地
    "05": "#e8574b",  # 商业服务业用地
    "06": "#b5603e",  # 工矿用地
    "07": "#e5877d",  # 住宅用地
    "08": "#e56bb0",  # 公共管理与公共服务用地
    "09": "#9b6fb0",  # 特殊用地
    "10": "#8c8c8c",  # 交通运输用地
    "11": "#4f9fd9",  # 水域及水利设施用地
    "12": "#d9cbb5",  # 其他土地
}

LANDUSE_COLORS: dict[str, str] = {
    "0101": "#f2dc3b", "0102": "#f7e873", "0103": "#fbf0a6",
    "0201": "#f09a5e", "0202": "#d9a35a", "0203": "#e8b087", "0204": "#f5c29a",
    "0301": "#2e8b3e", "0302": "#62b04a", "0305": "#8fbc5b", "0307": "#6fa878",
    "0304": "#4aa89a", "0306": "#6cbfa9", "0303": "#3c9f8a",
    "0401": "#b9e07a", "0403": "#cbe99b", "0404": "#a3cf72", "0402": "#7fcfb0",
    "05H1": "#e8574b", "0508": "#d67b6b",
    "0601": "#b5603e", "0602": "#8a5a44", "0603": "#c9b7a3",
    "0701": "#e5877d", "0702": "#f0b2a5",
    "08H1": "#e05ba8", "08H2": "#ec86c2", "08H2A": "#ec86c2", "0809": "#c45ca0",
    "0810": "#7cc47f", "0810A": "#c7d9a6",
    "09": "#9b6fb0",
    "1001": "#5c5c5c", "1002": "#707070", "1003": "#7d7d7d", "1004": "#a6a6a6",
    "1005": "#989898", "1006": "#c2b8a3", "1007": "#8f8f8f", "1008": "#8a9bb0",
    "1009": "#a0a0a0",
    "1101": "#3f8fd2", "1102": "#2f7dc4", "1103": "#4a98d6", "1104": "#7db9e6",
    "1104A": "#6aaee0", "1107": "#9cc9ec", "1109": "#5d7fa3", "1110": "#e8f4fb",
    "1105": "#a9d6d0", "1106": "#b6e0d6", "1108": "#7fc7b5",
    "1201": "#d9c4b0", "1202": "#e6d6a8", "1203": "#eadfb8", "1204": "#e3e0d0",
    "1205": "#eee3c4", "1206": "#d6c6a6", "1207": "#bfb6a8",
}


def color_for(code: str) -> str:
    """Return the hex colour of a DLBM code, falling back to its first-level group.

    Unknown codes (not in the working classification) get neutral grey, and
    ``K``-suffixed adjustable classes share the colour of their base class.

    Examples
    --------
    >>> color_for("0101")
    '#f2dc3b'
    >>> color_for("0201K") == color_for("0201")
    True
    >>> color_for("9999")
    '#cccccc'
    """
    code = str(code).strip()
    if code in LANDUSE_COLORS:
        return LANDUSE_COLORS[code]
    base = code[:-1] if code.endswith("K") else code
    if base in LANDUSE_COLORS:
        return LANDUSE_COLORS[base]
    cls = land_classes().get(code) or land_classes().get(base)
    if cls is not None:
        return LEVEL1_COLORS.get(cls.level1, "#cccccc")
    return LEVEL1_COLORS.get(code[:2], "#cccccc") if len(code) == 2 else "#cccccc"


def level1_color(level1: str) -> str:
    """Return the colour of a first-level group code ('00'..'12').

    Examples
    --------
    >>> level1_color("03")
    '#3f9b4c'
    """
    return LEVEL1_COLORS.get(level1, "#cccccc")
