"""登记单元号 (registration unit number): parse and check region + type + serial.

Layout (自然资源登记单元代码编制规则 as read; marked assumed in the standards table):
6-digit 行政区代码 of the registering authority (province ``XX0000``, city ``XXXX00`` or
county), 2-digit unit-type code (``standards/data/registration-unit-types.csv``) and a
6-digit serial, 14 digits in all. Pure module.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from onemap.standards.regions import region_prefix
from onemap.standards.registration import UNIT_NUMBER_LENGTH, unit_types

_PATTERN = re.compile(r"^(\d{6})(\d{2})(\d{6})$")


@dataclass(frozen=True)
class UnitNumber:
    """The three parts of a 登记单元号."""

    region: str
    type_code: str
    serial: str

    def __str__(self) -> str:
        return f"{self.region}{self.type_code}{self.serial}"


def parse_unit_number(text: object) -> UnitNumber | None:
    """Split a unit number into its parts, or None if it is not 14 digits.

    Examples
    --------
    >>> parse_unit_number("36010211000001")
    UnitNumber(region='360102', type_code='11', serial='000001')
    >>> parse_unit_number("3601021100001") is None
    True
    """
    m = _PATTERN.match(str(text or "").strip())
    return UnitNumber(*m.groups()) if m else None


def number_problems(text: object, *, type_code: str, county: str | None,
                    root_region: str) -> list[tuple[str, str]]:
    """Return (finding kind, reason) pairs for one unit's number and type; empty when fine.

    The region part must be a division code inside ``root_region`` and, when the unit's
    county is known, the county itself or one of its city / province; the type part must
    be a known type and equal the unit's ``DJDYLX``; the serial must not be ``000000``.

    Examples
    --------
    >>> number_problems("36010211000001", type_code="11", county="360102",
    ...                 root_region="360000")
    []
    >>> [k for k, _ in number_problems("3601021100001", type_code="11", county=None,
    ...                                root_region="360000")]
    ['invalid_number']
    >>> [k for k, _ in number_problems("36010299000001", type_code="99", county="360102",
    ...                                root_region="360000")]
    ['unknown_type']
    """
    out: list[tuple[str, str]] = []
    types = unit_types()
    if type_code not in types:
        out.append(("unknown_type", f"unknown unit type {type_code!r} (登记单元类型代码); known: "
                                    f"{', '.join(types)}"))
    parsed = parse_unit_number(text)
    if parsed is None:
        out.append(("invalid_number", f"unit number {text!r} is not {UNIT_NUMBER_LENGTH} digits "
                                      "(行政区代码 6 + 类型 2 + 顺序号 6)"))
        return out
    region = parsed.region
    if not region.startswith(region_prefix(root_region)):
        out.append(("invalid_number", f"region {region} lies outside the workspace's "
                                      f"region {root_region}"))
    elif county and not county.startswith(region_prefix(region)):
        out.append(("invalid_number", f"region {region} of the number is neither county "
                                      f"{county} nor its city or province"))
    if int(parsed.serial) == 0:
        out.append(("invalid_number", "serial 000000 is not allowed (顺序号从 000001 起)"))
    if parsed.type_code != type_code and type_code in types:
        out.append(("type_mismatch", f"type code {parsed.type_code} in the number differs "
                                     f"from DJDYLX {type_code}"))
    return out
