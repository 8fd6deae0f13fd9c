"""Errors of land supply supervision (批供用监管)."""

from __future__ import annotations

from onemap.errors import InvalidInput, NotFound


class MissingSupplyData(NotFound):
    """The workspace lacks the approval, land-supply or DLTB layer the status needs."""

    code = "supply_missing_layer"


class BadSupplyRecord(InvalidInput):
    """A supply or approval feature carries an unreadable date or area."""

    code = "supply_bad_record"
