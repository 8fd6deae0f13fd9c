"""Errors of the demo province generator."""

from __future__ import annotations

from onemap.errors import InvalidInput, OnemapError


class DemoError(OnemapError):
    """The demo province could not be generated."""

    code = "demo_error"


class UnknownDemoCounty(InvalidInput):
    """A requested county code is not one of Jiangxi's 100 county-level units."""

    code = "unknown_demo_county"
