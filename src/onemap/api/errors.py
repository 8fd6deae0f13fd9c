"""The one table from error class to HTTP status, answered as problem+JSON."""

from __future__ import annotations

from onemap import errors as e
from onemap.users.errors import TooManyAttempts

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

STATUS: list[tuple[type[e.OnemapError], int]] = [
    (e.UnsupportedMediaType, 415),
    (e.ImportRejected, 422),
    (e.CrsError, 422),
    (e.UnknownLandClass, 422),
    (e.InvalidInput, 400),
    (e.NotFound, 404),
    (e.Conflict, 409),
    (e.TransitionRefused, 409),
    (e.LoginRequired, 401),
    (e.ScopeViolation, 403),
    (e.CrossSiteRequest, 403),
    (TooManyAttempts, 429),
    (e.AuthenticationFailed, 401),
    (e.MissingDependency, 501),
    (e.ComputeFailed, 503),
    (e.WorkspaceError, 500),
    (e.OnemapError, 400),
]


def status_for(exc: e.OnemapError) -> int:
    """Return the HTTP status of a domain error (first matching class wins)."""
    for cls, status in STATUS:
        if isinstance(exc, cls):
            return status
    return 500


def problem_response(exc: e.OnemapError) -> JSONResponse:
    """Return the problem+JSON response of a domain error (also used by middleware)."""
    status = status_for(exc)
    body = {"type": f"urn:onemap:error:{exc.code}", "title": exc.code, "status": status,
            "detail": exc.user_message, **exc.to_dict()}
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else {}
    if status == 429 and exc.extra.get("retry_after") is not None:
        headers["Retry-After"] = str(exc.extra["retry_after"])
    return JSONResponse(body, status_code=status, media_type="application/problem+json",
                        headers=headers or None)


def install_error_handlers(app: FastAPI) -> None:
    """Map every :class:`OnemapError` to a problem+JSON response."""

    async def handle(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, e.OnemapError)
        return problem_response(exc)

    async def out_of_range(request: Request, exc: Exception) -> JSONResponse:
        # e.g. an id path parameter beyond the database's 64-bit integers: a client error
        return await handle(request, e.InvalidInput(
            f"number out of range: {exc}", user_message="数值超出范围 (number out of range)"))

    app.add_exception_handler(e.OnemapError, handle)
    app.add_exception_handler(OverflowError, out_of_range)
