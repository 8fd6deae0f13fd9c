"""Land-use classes of GB/T 21010-2017 with the 三调 working codes (地类编码)."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from onemap.errors import UnknownLandClass

FARMLAND_GROUP = "01"  # 耕地
FIELD_RIDGE = "1203"  # 田坎: deducted from sloped farmland and reported as its own class
PADDY, IRRIGATED, DRY = "0101", "0102", "0103"  # 水田 / 水浇地 / 旱地


@dataclass(frozen=True)
class LandClass:
    """One land-use class (地类) of the survey working classification.

    ``level1`` is the first-level group used by survey statistics (with the
    wetland classes regrouped under ``00`` 湿地); ``tri_class`` is the Land
    Administration Law aggregation 农用地 / 建设用地 / 未利用地.
    """

    code: str
    name_zh: str
    name_en: str
    level1: str
    level1_name_zh: str
    tri_class_zh: str
    tri_class_en: str
    is_farmland: bool
    wetland_regrouped: bool

    def name(self, lang: str = "zh") -> str:
        """Return the class name in ``zh`` or ``en``."""
        return self.name_zh if lang == "zh" else self.name_en


@lru_cache(maxsize=1)
def land_classes() -> dict[str, LandClass]:
    """Return every land class by code, loaded from the packaged reference CSV.

    Examples
    --------
    >>> land_classes()["0101"].name_zh
    '水田'
    >>> land_classes()["0101"].is_farmland
    True
    """
    text = resources.files("onemap.standards").joinpath("data/landuse-codes-sandiao.csv")
    out: dict[str, LandClass] = {}
    with text.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            out[row["code"]] = LandClass(
                code=row["code"],
                name_zh=row["name_zh"],
                name_en=row["name_en"],
                level1=row["level1"],
                level1_name_zh=row["level1_name_zh"],
                tri_class_zh=row["tri_class_zh"],
                tri_class_en=row["tri_class_en"],
                is_farmland=row["is_farmland"] == "true",
                wetland_regrouped=row["wetland_regrouped"] == "true",
            )
    return out


def get_land_class(code: str) -> LandClass:
    """Return the class for ``code`` or raise :class:`UnknownLandClass`.

    Examples
    --------
    >>> get_land_class("0301").level1_name_zh
    '林地'
    """
    try:
        return land_classes()[str(code).strip()]
    except KeyError:
        raise UnknownLandClass(
            f"unknown land-use code {code!r} (地类编码不在三调工作分类中)"
        ) from None


def is_known_code(code: str) -> bool:
    """Tell whether ``code`` is a known land-use class.

    Examples
    --------
    >>> is_known_code("0101"), is_known_code("9999")
    (True, False)
    """
    return str(code).strip() in land_classes()


@lru_cache(maxsize=1)
def level1_groups() -> dict[str, str]:
    """Return first-level group code → Chinese name, in table order.

    Examples
    --------
    >>> level1_groups()["01"]
    '耕地'
    """
    groups: dict[str, str] = {}
    for cls in sorted(land_classes().values(), key=lambda c: (c.level1, c.code)):
        groups.setdefault(cls.level1, cls.level1_name_zh)
    return groups


def level1_of(code: str) -> str:
    """Return the first-level statistics group of ``code``.

    Examples
    --------
    >>> level1_of("1106")   # inland flood-land is reported under 00 湿地
    '00'
    """
    return get_land_class(code).level1


def farmland_codes() -> frozenset[str]:
    """Return the codes that count as 耕地 (farmland).

    Examples
    --------
    >>> sorted(farmland_codes())
    ['0101', '0102', '0103']
    """
    return frozenset(c for c, lc in land_classes().items() if lc.is_farmland)


def construction_codes() -> frozenset[str]:
    """Return the codes aggregated as 建设用地 (construction land) by the Land Administration Law.

    Examples
    --------
    >>> "0701" in construction_codes(), "0101" in construction_codes()
    (True, False)
    """
    return frozenset(c for c, lc in land_classes().items() if lc.tri_class_en == "construction")
