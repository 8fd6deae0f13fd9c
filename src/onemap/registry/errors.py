"""Errors of natural-resource registration (自然资源确权登记)."""

from __future__ import annotations

from onemap.errors import ImportRejected, NotFound, TransitionRefused


class UnitsRejected(ImportRejected):
    """A unit file failed registration QC (invalid numbers, unknown types, overlaps)."""

    code = "registry_units_rejected"


class UnknownUnit(NotFound):
    """No registration unit with this number in the caller's scope."""

    code = "registry_unknown_unit"


class StageRefused(TransitionRefused):
    """A registration stage change the workflow does not allow."""

    code = "registry_stage_refused"
