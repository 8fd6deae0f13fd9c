"""Errors of the quality-check capability."""

from __future__ import annotations

from onemap.errors import InvalidInput


class QualityInputError(InvalidInput):
    """A layer cannot be checked (e.g. a required field is missing)."""

    code = "quality_input_error"
