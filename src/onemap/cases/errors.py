"""Errors of enforcement cases (执法案件)."""

from __future__ import annotations

from onemap.errors import InvalidInput, NotFound


class CaseNotFound(NotFound):
    """No case with this id or number."""

    code = "case_not_found"


class UnknownReasonCode(InvalidInput):
    """A reason code that is not in the configured list (原因代码)."""

    code = "unknown_reason_code"


class AttachmentRejected(InvalidInput):
    """An attachment that cannot be stored (empty, too large, bad name)."""

    code = "attachment_rejected"
