"""The one root of onemap's exceptions, with structured context."""

from __future__ import annotations

from typing import Any


class OnemapError(Exception):
    """Root of every error onemap raises on purpose.

    Each subclass has a stable ``code``; instances carry structured context
    (``path``, ``line``, ``feature_id``, ``reason``) and a ``user_message`` that
    is safe to show to any user.
    """

    code: str = "onemap_error"

    def __init__(
        self,
        reason: str,
        *,
        path: str | None = None,
        line: int | None = None,
        feature_id: str | int | None = None,
        user_message: str | None = None,
        **extra: Any,
    ) -> None:
        self.reason = reason
        self.path = path
        self.line = line
        self.feature_id = feature_id
        self.extra = extra
        self.user_message = user_message or self._compose()
        super().__init__(self.user_message)

    def _compose(self) -> str:
        where = []
        if self.path:
            where.append(str(self.path))
        if self.line is not None:
            where.append(f"line {self.line}")
        if self.feature_id is not None:
            where.append(f"feature {self.feature_id}")
        prefix = ", ".join(where)
        return f"{prefix}: {self.reason}" if prefix else self.reason

    def to_dict(self) -> dict[str, Any]:
        """Return the structured, user-safe form (for JSON output and problem+JSON)."""
        out: dict[str, Any] = {"code": self.code, "message": self.user_message}
        for key in ("path", "line", "feature_id", "reason"):
            value = getattr(self, key)
            if value is not None:
                out[key] = value
        out.update({k: v for k, v in self.extra.items() if v is not None})
        return out


class InvalidInput(OnemapError):
    """Input that onemap cannot accept (bad parameters, malformed values)."""

    code = "invalid_input"


class ImportRejected(OnemapError):
    """A file (or a feature in it) was rejected on import; nothing was written."""

    code = "import_rejected"


class CoordinateFileError(ImportRejected):
    """A Ministry coordinate TXT file is malformed (部标坐标文件格式错误)."""

    code = "coordinate_file_error"


class UnknownLandClass(OnemapError):
    """A land-use code is not in the 三调 working classification."""

    code = "unknown_land_class"


class CrsError(OnemapError):
    """A coordinate reference system is missing, wrong or unsupported."""

    code = "crs_error"


class NotFound(OnemapError):
    """A workspace, layer, vintage, case or other object does not exist."""

    code = "not_found"


class WorkspaceError(OnemapError):
    """The workspace is missing, locked or inconsistent."""

    code = "workspace_error"


class Conflict(OnemapError):
    """A concurrent update lost (optimistic locking) or a duplicate was refused."""

    code = "conflict"


class TransitionRefused(OnemapError):
    """A workflow transition that the state machine does not allow."""

    code = "transition_refused"


class ScopeViolation(OnemapError):
    """A user tried to reach data outside their region scope or role."""

    code = "scope_violation"


class LoginRequired(ScopeViolation):
    """A public (anonymous) user asked for something only logged-in users may have (HTTP 401)."""

    code = "login_required"


class AuthenticationFailed(OnemapError):
    """Missing or wrong credentials."""

    code = "authentication_failed"


class CrossSiteRequest(OnemapError):
    """A state-changing request from a foreign origin or without the CSRF token (403)."""

    code = "cross_site_request"


class UnsupportedMediaType(InvalidInput):
    """A request body in a content type the route does not accept (415)."""

    code = "unsupported_media_type"


class MissingDependency(OnemapError):
    """An optional engine is not installed; the message names the extra."""

    code = "missing_dependency"


class ComputeFailed(OnemapError):
    """A distributed job could not finish; nothing was written.

    The scheduler was unreachable, every worker was lost, or a task failed.
    """

    code = "compute_failed"


class AuditChainBroken(OnemapError):
    """The audit log's hash chain is broken: an entry was changed, deleted or moved (审计链断裂)."""

    code = "audit_chain_broken"
