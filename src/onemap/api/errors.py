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


REALM = "onemap"
BASIC_CHALLENGE = f'Basic realm="{REALM}", charset="UTF-8"'
BEARER_CHALLENGE = f'Bearer realm="{REALM}"'


def _script_request(request: Request | None) -> bool:
    """Tell a browser page's fetch/XHR (no Basic challenge for it: no password dialog)."""
    if request is None:
        return False
    mode = request.headers.get("sec-fetch-mode", "")
    return mode in ("cors", "same-origin") and request.headers.get("sec-fetch-dest") == "empty"


def problem_response(exc: e.OnemapError, request: Request | None = None) -> JSONResponse:
    """Return the problem+JSON response of a domain error (also used by middleware).

    A 401 challenges with HTTP Basic (so QGIS, GDAL and browsers opening a URL ask for
    a password) and Bearer; the web page's own script requests get only the Bearer
    challenge, so the browser shows no password dialog over the map.
    """
    status = status_for(exc)
    body = {"type": f"urn:onemap:error:{exc.code}", "title": exc.code, "status": status,
            "detail": exc.user_message, **exc.to_dict()}
    headers: dict[str, str] = {}
    if status == 429 and exc.extra.get("retry_after") is not None:
        headers["Retry-After"] = str(exc.extra["retry_after"])
    response = JSONResponse(body, status_code=status, media_type="application/problem+json",
                            headers=headers or None)
    if status == 401:
        if not _script_request(request):
            response.headers.append("WWW-Authenticate", BASIC_CHALLENGE)
        response.headers.append("WWW-Authenticate", BEARER_CHALLENGE)
    return response


def install_error_handlers(app: FastAPI) -> None:
    """Map every :class:`OnemapError` to a problem+JSON response."""

    async def handle(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, e.OnemapError)
        return problem_response(exc, request)

    async def out_of_range(request: Request, exc: Exception) -> JSONResponse:
        # e.g. an id path parameter beyond the database's 64-bit integers: a client error
        return await handle(request, e.InvalidInput(
            f"number out of range: {exc}", user_message="数值超出范围 (number out of range)"))

    app.add_exception_handler(e.OnemapError, handle)
    app.add_exception_handler(OverflowError, out_of_range)
