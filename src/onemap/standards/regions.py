"""Administrative division codes (行政区划代码, GB/T 2260): levels, prefixes, defaults.

A code has six digits: province ``XX0000``, prefecture city ``XXXX00``, county
``XXXXXX``; township codes (乡级, GB/T 10114) extend a county code to nine digits.
"""

from __future__ import annotations

DEFAULT_ROOT_REGION = "360000"
"""Root region of a new workspace when none is given: Jiangxi (江西省), the first customer.

Everything else takes the root region from the workspace's ``onemap.toml``."""


def region_prefix(code: str) -> str:
    """Return the code prefix a region covers: province 2 digits, city 4, county 6.

    Examples
    --------
    >>> region_prefix("360000"), region_prefix("360100"), region_prefix("360111")
    ('36', '3601', '360111')
    >>> region_prefix("420102001")
    '420102'
    """
    if code.endswith("0000"):
        return code[:2]
    if code.endswith("00"):
        return code[:4]
    return code[:6]


def is_region_code(code: str) -> bool:
    """Tell whether ``code`` is a 6-digit division code.

    Examples
    --------
    >>> is_region_code("420000"), is_region_code("42000"), is_region_code("42a000")
    (True, False, False)
    """
    return len(code) == 6 and code.isdigit()
