"""Errors of the quality-check capability."""

from __future__ import annotations

from onemap.errors import InvalidInput, OnemapError


class QualityInputError(InvalidInput):
    """A layer cannot be checked (e.g. a required field is missing)."""

    code = "quality_input_error"


class QualityGateFailed(OnemapError):
    """``onemap qc --fail-on``: findings of the given severity exist (report still written)."""

    code = "quality_gate_failed"
