"""The label catalogue (标签目录): zh/en names of every enumerated value users see.

XLSX, PDF and HTML reports, the web map (``GET /labels``) and the console all name
enumerated values (warning levels, ledger directions, change classes, indicator ids,
layer kinds ...) through :func:`label`, so no internal identifier reaches a deliverable.

Entries come from two places:

* the TOML files in ``standards/data/labels/`` (one per capability; ``core.toml`` first):
  ``[domain]`` tables of ``value = ["中文", "English"]``;
* :func:`register`, for domains whose names already live in one place in code (layer kinds
  in ``store/kinds.py``, the change classes of a rule file, the indicator catalog).

Adding an enum: add a table to your capability's ``labels/<name>.toml`` (or ``register`` it
where the names are defined), then render it with ``label("<domain>", value, lang)``.
"""

from __future__ import annotations

import csv
import tomllib
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

Lang = Literal["zh", "en"]
LABELS_DIR = Path(__file__).resolve().parent / "data" / "labels"
INDICATORS_CSV = Path(__file__).resolve().parent / "data" / "plan-indicators.csv"
_REGISTERED: dict[str, dict[str, tuple[str, str]]] = {}


@cache
def _files() -> dict[str, dict[str, tuple[str, str]]]:
    out: dict[str, dict[str, tuple[str, str]]] = {}
    paths = sorted(LABELS_DIR.glob("*.toml"), key=lambda p: (p.stem != "core", p.stem))
    for path in paths:
        for domain, entries in tomllib.loads(path.read_text(encoding="utf-8")).items():
            table = out.setdefault(domain, {})
            for value, names in entries.items():
                zh, en = names
                table[str(value)] = (str(zh), str(en))
    from onemap.standards.landuse import land_classes

    out.setdefault("land_class", {}).update(
        {code: (lc.name_zh, lc.name_en) for code, lc in land_classes().items()})
    with INDICATORS_CSV.open(encoding="utf-8") as fh:
        out.setdefault("indicator", {}).update(
            {row["id"]: (row["name_zh"], row["name_en"]) for row in csv.DictReader(fh)})
    return out


def register(domain: str, names: Mapping[str, tuple[str, str]]) -> None:
    """Add (or update) the ``(zh, en)`` names of the values of ``domain``.

    Examples
    --------
    >>> register("doctest_colour", {"r": ("红", "Red")})
    >>> label("doctest_colour", "r"), label("doctest_colour", "r", "en")
    ('红', 'Red')
    """
    _REGISTERED.setdefault(domain, {}).update({str(k): (v[0], v[1]) for k, v in names.items()})


def domains() -> dict[str, dict[str, tuple[str, str]]]:
    """Every domain with its values' ``(zh, en)`` names (files, then registered names)."""
    merged = {d: dict(t) for d, t in _files().items()}
    for domain, table in _REGISTERED.items():
        merged.setdefault(domain, {}).update(table)
    return merged


def label(domain: str, value: object, lang: str = "zh") -> str:
    """Return the name of ``value`` in ``domain`` for ``lang`` (zh or en).

    An unknown value is returned as it is (a user-defined class keeps its own name).

    Examples
    --------
    >>> label("warning", "red"), label("warning", "red", "en"), label("direction", "in")
    ('红色（预警）', 'Red (alert)', '进')
    >>> label("indicator", "farmland_retained", "en")
    'Farmland retained'
    """
    key = "" if value is None else str(value)
    names = _REGISTERED.get(domain, {}).get(key) or _files().get(domain, {}).get(key)
    if names is None:
        return key
    return names[1] if lang == "en" else names[0]


def labels(domain: str, values: Iterable[object], lang: str = "zh", sep: str = "、") -> str:
    """Join the names of several values of ``domain``.

    Examples
    --------
    >>> labels("direction", ["in", "out"])
    '进、出'
    """
    return sep.join(label(domain, v, lang) for v in values)


def catalogue(lang: str = "zh") -> dict[str, dict[str, str]]:
    """Every domain as ``{value: name}`` in ``lang`` (served to the web map at /labels)."""
    i = 1 if lang == "en" else 0
    return {d: {v: names[i] for v, names in t.items()} for d, t in domains().items()}


def internal_values(min_length: int = 3) -> set[str]:
    """Every ASCII value of every domain (what must never show in a Chinese deliverable).

    Code lists of standard fields (``field_*``: 权属性质 30, 耕地类型 PD ...) and land-class
    codes are standard codes users know, not internal identifiers.
    """
    return {v for d, t in domains().items() if not d.startswith("field_") and d != "land_class"
            for v in t if len(v) >= min_length and v.isascii() and not v.isdigit()}
