"""Errors of the site compliance review (用地预审与选址 合规性审查)."""

from __future__ import annotations

from onemap.errors import ImportRejected, InvalidInput, NotFound


class RuleFileError(InvalidInput):
    """A review rule file (TOML/YAML) is malformed or a condition is not allowed."""

    code = "rule_file_error"


class SiteRejected(ImportRejected):
    """A site (项目用地范围) cannot be reviewed: empty, not polygonal, overlapping parcels."""

    code = "site_rejected"


class ReviewNotFound(NotFound):
    """No review with this id is recorded in the catalog."""

    code = "review_not_found"
