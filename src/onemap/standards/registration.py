"""Natural-resource registration reference tables: unit types and 三调 code → resource type.

Two packaged tables, each row citing its source and saying whether the code could be
confirmed from the standard's text (``confirmed``; ``false`` = assumed):

* ``data/registration-unit-types.csv``: 自然资源登记单元类型 (国家公园, 自然保护区, 自然公园,
  水流, 湿地, 森林, 草原, 荒地, 滩涂, 探明储量的矿产资源, 海域, 无居民海岛) with a 2-digit
  code, the type named by 《自然资源统一确权登记暂行办法》(2019); the codes follow the
  layout of 自然资源登记单元代码编制规则 as far as it could be read and are all marked
  assumed.
* ``data/resource-types-from-sandiao.csv``: the resource type (自然资源类型) of each
  三调 land-use code (TD/T 1055-2019, GB/T 21010-2017), by longest matching prefix.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

UNIT_NUMBER_LENGTH = 14
"""登记单元号: 6-digit 行政区代码 + 2-digit unit-type code + 6-digit serial (assumed layout)."""

OWNERSHIP = ("全民所有", "集体所有")
"""所有权性质 of a unit."""

STAGES = ("预划", "地籍调查", "审核", "公告", "登簿")
"""Registration stages (登记阶段), in order."""

STAGE_EN = {"预划": "delineated", "地籍调查": "cadastral survey", "审核": "review",
            "公告": "public notice", "登簿": "registered"}


@dataclass(frozen=True)
class UnitType:
    """One registration unit type (自然资源登记单元类型)."""

    code: str
    name_zh: str
    name_en: str
    group_zh: str
    resource_zh: str
    same_type_overlap_forbidden: bool
    confirmed: bool
    source: str


@dataclass(frozen=True)
class ResourceMapping:
    """One row of the 三调 code → resource type table."""

    prefix: str
    resource_zh: str
    resource_en: str
    natural_resource: bool
    source: str
    confirmed: bool


def _rows(name: str) -> list[dict[str, str]]:
    text = resources.files("onemap.standards").joinpath(f"data/{name}").read_text("utf-8")
    return list(csv.DictReader(text.splitlines()))


@lru_cache(maxsize=1)
def unit_types() -> dict[str, UnitType]:
    """Return the registration unit types by code.

    Examples
    --------
    >>> unit_types()["11"].name_zh
    '国家公园'
    >>> unit_types()["11"].confirmed
    False
    """
    return {r["code"]: UnitType(
        code=r["code"], name_zh=r["name_zh"], name_en=r["name_en"], group_zh=r["group_zh"],
        resource_zh=r["resource_zh"],
        same_type_overlap_forbidden=r["same_type_overlap"] == "forbidden",
        confirmed=r["confirmed"] == "true", source=r["source"]) for r in _rows(
            "registration-unit-types.csv")}


@lru_cache(maxsize=1)
def resource_mappings() -> tuple[ResourceMapping, ...]:
    """Return the 三调 code → resource type rows, longest prefix first.

    Examples
    --------
    >>> resource_mappings()[0].prefix
    '0303'
    """
    rows = [ResourceMapping(prefix=r["dlbm_prefix"], resource_zh=r["resource_zh"],
                            resource_en=r["resource_en"],
                            natural_resource=r["natural_resource"] == "true",
                            source=r["source"], confirmed=r["confirmed"] == "true")
            for r in _rows("resource-types-from-sandiao.csv")]
    return tuple(sorted(rows, key=lambda m: -len(m.prefix)))


def resource_types() -> list[str]:
    """Return the resource types in reporting order (natural resources first).

    Examples
    --------
    >>> resource_types()[:3]
    ['耕地', '园地', '林地']
    """
    order = ["耕地", "园地", "林地", "草地", "湿地", "水域", "荒地", "其他土地", "建设用地"]
    found = {m.resource_zh for m in resource_mappings()}
    return [r for r in order if r in found] + sorted(found - set(order))


RESOURCE_EN = {m.resource_zh: m.resource_en for m in resource_mappings()}
UNMAPPED = "未归类"  # a code the table does not map (reported, never dropped)


def resource_type_of(dlbm: str) -> str:
    """Return the resource type of a 三调 land-use code (longest prefix wins).

    Examples
    --------
    >>> resource_type_of("0301"), resource_type_of("1106"), resource_type_of("0402")
    ('林地', '湿地', '湿地')
    >>> resource_type_of("1101"), resource_type_of("1207"), resource_type_of("0701")
    ('水域', '荒地', '建设用地')
    >>> resource_type_of("9999")
    '未归类'
    """
    code = str(dlbm).strip()
    for m in resource_mappings():
        if code.startswith(m.prefix):
            return m.resource_zh
    return UNMAPPED
