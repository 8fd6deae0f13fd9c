"""Errors of mining supervision (矿产资源监管)."""

from __future__ import annotations

from onemap.errors import Conflict, InvalidInput, NotFound


class RightNotFound(NotFound):
    """No mining or exploration right with this licence number (许可证号)."""

    code = "mining_right_not_found"


class RightRefused(InvalidInput):
    """A new right (申请/拟设) that the conflict rules refuse, e.g. inside a core zone."""

    code = "mining_right_refused"


class QuotaExceeded(Conflict):
    """A production report that would overdraw a quota (超指标开采), refused by the rules.

    ``extra`` names the quota (``quota``: mineral, year, level and holder) and the
    ``shortfall`` (how much the report exceeds what is left).
    """

    code = "mining_quota_exceeded"


class QuotaMissing(InvalidInput):
    """A production report of a mineral under total control for which no quota exists."""

    code = "mining_quota_missing"


class AlreadyReversed(Conflict):
    """A production report that was reversed already (每条记录只冲销一次)."""

    code = "mining_already_reversed"
