"""Errors of change detection (变化检测)."""

from __future__ import annotations

from onemap.errors import InvalidInput, NotFound


class ChangeRuleError(InvalidInput):
    """A change-classification rule table is malformed (unknown class set, bad field)."""

    code = "change_rule_error"


class BatchNotFound(NotFound):
    """No detection batch with this id is recorded in the catalog."""

    code = "change_batch_not_found"


class VintageMissing(NotFound):
    """A DLTB vintage or monitoring layer needed by the detection is not in the workspace."""

    code = "change_vintage_missing"
