"""Errors of the statistics capability."""

from __future__ import annotations

from onemap.errors import InvalidInput


class StatsInputError(InvalidInput):
    """A DLTB partition lacks a field the statistics need, or has unusable values."""

    code = "stats_input_error"
