"""The one Jinja environment of the HTML/PDF reports, with the label catalogue as globals.

Templates name enumerated values with ``label(domain, value)`` and land classes with
``land_class(code)``, in the report's language, so no internal identifier is printed.
"""

from __future__ import annotations

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


def report_env(lang: str = "zh") -> Environment:
    """Return the templates' environment for ``lang`` (autoescaped HTML)."""
    from jinja2 import Environment, PackageLoader, select_autoescape

    env = Environment(loader=PackageLoader("onemap.reports", "templates"),
                      autoescape=select_autoescape(["html", "j2"]))
    env.globals.update(label=partial(label, lang=lang), labels=partial(labels, lang=lang),
                       land_class=partial(land_class_name, lang=lang))
    return env
