"""Errors of the users capability (accounts, logins, tokens)."""

from __future__ import annotations

from onemap.errors import AuthenticationFailed


class TooManyAttempts(AuthenticationFailed):
    """Logins from this client or for this name are paused for ``retry_after`` seconds (429)."""

    code = "too_many_attempts"
