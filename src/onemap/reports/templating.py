"""The one Jinja environment of the HTML/PDF reports, with the label catalogue as globals.

Templates name enumerated values with ``label(domain, value)`` and land classes with
``land_class(code)``, in the report's language, so no internal identifier is printed.
"""

from __future__ import annotations

import re
from functools import partial
from typing import TYPE_CHECKING

import onemap.change
import onemap.store.kinds  # noqa: F401  (registers the layer kinds' labels)
from onemap.standards.labels import label, labels
from onemap.standards.landuse import land_classes

if TYPE_CHECKING:
    from jinja2 import Environment


def land_class_name(code: object, lang: str = "zh") -> str:
    """Return the name of land class ``code`` in ``lang`` (the code itself when unknown)."""
    lc = land_classes().get(str(code))
    return lc.name(lang) if lc else str(code)


# Print rules of every report: a table's header row repeats on each page (WeasyPrint repeats
# <thead>), rows and sign-off blocks are not split, and a heading never ends a page alone.
PRINT_CSS = """
thead { display: table-header-group; }
tr, .signoff, figure, img { break-inside: avoid; page-break-inside: avoid; }
h1, h2, h3, caption { break-after: avoid; page-break-after: avoid; }
table.signoff { width: 100%; margin-top: 18px; border-collapse: collapse; }
table.signoff td { border: 0; padding: 8px 4px; width: 50%; }
"""
_HEADER_ROW = re.compile(r"(<table[^>]*>)(\s*)(<tr>(?:\s*<th[^>]*>.*?</th>)+\s*</tr>)", re.S)


def finish_html(html: str) -> str:
    """Add the print rules and put each table's leading header row into ``<thead>``.

    Examples
    --------
    >>> finish_html("<head></head><table><tr><th>a</th></tr><tr><td>1</td></tr></table>"
    ...             ).split("</head>")[1]
    '<table><thead><tr><th>a</th></tr></thead><tr><td>1</td></tr></table>'
    """
    html = _HEADER_ROW.sub(lambda m: f"{m[1]}{m[2]}<thead>{m[3]}</thead>", html)
    return html.replace("</head>", f"<style>{PRINT_CSS}</style></head>", 1)


def report_env(lang: str = "zh") -> Environment:
    """Return the templates' environment for ``lang`` (autoescaped HTML)."""
    from jinja2 import Environment, PackageLoader, select_autoescape

    env = Environment(loader=PackageLoader("onemap.reports", "templates"),
                      autoescape=select_autoescape(["html", "j2"]))
    env.globals.update(label=partial(label, lang=lang), labels=partial(labels, lang=lang),
                       land_class=partial(land_class_name, lang=lang))
    return env
