"""The web layer's guard: cross-site request checks and security headers on every response.

For every POST/PUT/PATCH/DELETE, in this order:

1. **Origin**: a foreign ``Origin`` (or, without one, ``Referer``) is refused (403);
   the request's own ``Host`` and :attr:`ApiSettings.trusted_origins` are allowed.
   Requests with neither header (scripts, curl) pass on to the next checks.
2. **CSRF token** for requests authenticated by the session cookie: the header
   ``X-CSRF-Token`` must carry the token set at login in the ``onemap_csrf`` cookie,
   an HMAC of the session id (403 otherwise). Bearer-token requests need none: a
   browser never adds that header on its own. ``/auth/login`` is exempt (the Origin
   check still applies).
3. **Content type**: a request body must be in a media type the route declares in
   the OpenAPI document (``application/json``, ``application/geo+json``,
   ``multipart/form-data``); undeclared routes take JSON or multipart only. Anything
   else, ``text/plain`` in particular, is refused with 415.

Every response gets ``X-Content-Type-Options: nosniff``, ``X-Frame-Options: DENY``,
``Referrer-Policy``, ``Cross-Origin-Opener-Policy`` / ``-Resource-Policy`` and a
``Content-Security-Policy`` unless the route set its own: HTML pages may load only
this server's scripts (MapLibre's workers from ``blob:``); the API docs page gets
the hashes of its inline scripts and its CDN hosts; everything else ``default-src
'none'``. Behind HTTPS, ``Strict-Transport-Security`` is added too.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import urlsplit

from onemap.api.auth import CSRF_HEADER
from onemap.api.deps import AppContext
from onemap.api.errors import problem_response
from onemap.errors import CrossSiteRequest, OnemapError, UnsupportedMediaType
from onemap.users.identity import ANONYMOUS

from fastapi import FastAPI
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from starlette.datastructures import MutableHeaders
from starlette.requests import Request

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
CSRF_EXEMPT = frozenset({"/auth/login"})
UNDECLARED_MEDIA = frozenset({"application/json", "multipart/form-data"})
HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
}
HSTS = "max-age=31536000"
PAGE_CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
            "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; "
            "worker-src 'self' blob:; child-src 'self' blob:; object-src 'none'; "
            "base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
API_CSP = "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
DOWNLOAD_CSP = "frame-ancestors 'none'"  # PDFs: the browser's viewer needs its own resources
_INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", re.S | re.I)
_SCRIPT_SRC = re.compile(r"<script[^>]*\bsrc=[\"']([^\"']+)", re.I)
_LINK_HREF = re.compile(r"<link[^>]*\bhref=[\"']([^\"']+)", re.I)


def install_security(app: FastAPI, ctx: AppContext) -> None:
    """Add :class:`SecurityMiddleware` to ``app`` (called once by ``create_app``)."""
    from onemap.api.routers.pages import API_DOCS, API_DOCS_REDIRECT

    pages = {p for p in (app.docs_url, app.swagger_ui_oauth2_redirect_url, app.redoc_url) if p}
    pages |= {API_DOCS, API_DOCS_REDIRECT}
    app.add_middleware(SecurityMiddleware, ctx=ctx, framework_pages=frozenset(pages))


def origin_of(url: str) -> str:
    """Return ``scheme://host[:port]`` of a URL, lower-cased (``null`` when it has none).

    Examples
    --------
    >>> origin_of("HTTPS://Map.Example.cn:8443/map?x=1"), origin_of("about:blank")
    ('https://map.example.cn:8443', 'null')
    """
    parts = urlsplit(url.strip())
    if not parts.scheme or not parts.netloc:
        return "null"
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}"


def same_host(origin: str, host: str) -> bool:
    """Tell whether ``origin`` names the host (and port) of the ``Host`` header.

    A ``Host`` without a port matches the default port of the origin's scheme.

    Examples
    --------
    >>> same_host("http://127.0.0.1:8000", "127.0.0.1:8000"), same_host("https://a.cn", "a.cn")
    (True, True)
    >>> same_host("http://evil.cn", "a.cn"), same_host("http://a.cn:8080", "a.cn")
    (False, False)
    """
    try:
        o = urlsplit(origin)
        h = urlsplit("//" + host.strip())
        o_port = o.port or {"http": 80, "https": 443}.get(o.scheme, 0)
        h_port = h.port or o_port
    except ValueError:
        return False
    return bool(o.hostname) and o.hostname == (h.hostname or "") and o_port == h_port


def app_path(scope: Scope) -> str:
    """Return the request path as the app's routes see it (without a proxy's ``root_path``)."""
    path, root = str(scope.get("path", "")), str(scope.get("root_path", ""))
    return path[len(root):] if root and path.startswith(root) else path


def media_type(value: str) -> str:
    """Return the bare media type of a ``Content-Type`` value.

    Examples
    --------
    >>> media_type("Application/JSON; charset=utf-8"), media_type("")
    ('application/json', '')
    """
    return value.split(";", 1)[0].strip().lower()


def script_hashes(html: str) -> list[str]:
    """Return the CSP ``'sha256-…'`` sources of the inline scripts of a page."""
    return [f"'sha256-{base64.b64encode(hashlib.sha256(s.encode()).digest()).decode()}'"
            for s in _INLINE_SCRIPT.findall(html)]


def framework_page_csp(html: str) -> str:
    """Return the CSP of a page FastAPI renders itself (Swagger UI): its scripts by hash."""
    scripts = sorted({origin_of(u) for u in _SCRIPT_SRC.findall(html)} - {"null"})
    links = sorted({origin_of(u) for u in _LINK_HREF.findall(html)} - {"null"})

    def sources(*items: str) -> str:
        return " ".join(item for item in items if item)

    return "; ".join([
        "default-src 'none'",
        sources("script-src 'self'", *script_hashes(html), *scripts),
        sources("style-src 'self' 'unsafe-inline'", *links),
        sources("img-src 'self' data:", *links),
        "connect-src 'self'", "base-uri 'none'", "form-action 'self'", "frame-ancestors 'none'"])


def csp_for(content_type: str) -> str:
    """Return the default CSP of a response by its content type."""
    kind = media_type(content_type)
    if kind == "text/html":
        return PAGE_CSP
    if kind == "application/pdf":
        return DOWNLOAD_CSP
    return API_CSP


class _Routes:
    """Request media types each route declares, read once from the OpenAPI document."""

    def __init__(self) -> None:
        self._table: list[tuple[re.Pattern[str], str, frozenset[str]]] | None = None

    def declared(self, app: FastAPI, method: str, path: str) -> frozenset[str]:
        """Return the media types ``method path`` accepts (JSON or multipart if undeclared)."""
        if self._table is None:
            self._table = self._build(app)
        for pattern, verb, media in self._table:
            if verb == method and pattern.fullmatch(path):
                return media
        return UNDECLARED_MEDIA

    @staticmethod
    def _build(app: FastAPI) -> list[tuple[re.Pattern[str], str, frozenset[str]]]:
        table = []
        for template, ops in app.openapi().get("paths", {}).items():
            regex = re.compile(re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template)))
            for verb, op in ops.items():
                content = (op.get("requestBody") or {}).get("content")
                media = frozenset(content) if content else UNDECLARED_MEDIA
                table.append((regex, verb.upper(), media, template.count("{")))
        table.sort(key=lambda row: row[3])  # literal paths before templated ones
        return [(regex, verb, media) for regex, verb, media, _ in table]


class SecurityMiddleware:
    """ASGI middleware: refuse cross-site writes, add security headers (see module doc)."""

    def __init__(self, app: ASGIApp, ctx: AppContext,
                 framework_pages: frozenset[str] = frozenset()) -> None:
        self.app = app
        self.ctx = ctx
        self.framework_pages = framework_pages
        self.trusted = frozenset(origin_of(o) for o in ctx.settings.trusted_origins)
        self.routes = _Routes()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Check an HTTP request, then run the app with header-adding ``send``."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        send = self._with_headers(scope, send)
        if scope["method"] in UNSAFE_METHODS:
            refusal = await self._refusal(Request(scope))
            if refusal is not None:
                await problem_response(refusal)(scope, receive, send)
                return
        started = False

        async def tracked(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracked)
        except Exception:  # the 500 answer gets the headers too; the error propagates
            if not started:
                await JSONResponse({"type": "urn:onemap:error:internal", "status": 500,
                                    "title": "internal_error",
                                    "detail": "服务器内部错误 (internal server error)"},
                                   status_code=500, media_type="application/problem+json",
                                   )(scope, receive, send)
            raise

    # -- refusals ----------------------------------------------------------------------
    async def _refusal(self, request: Request) -> OnemapError | None:
        foreign = self._foreign_origin(request)
        if foreign is not None:
            await self._audit(request, foreign)
            return CrossSiteRequest(foreign, user_message="拒绝跨站请求 (cross-site request "
                                                          "refused)")
        if app_path(request.scope) not in CSRF_EXEMPT and "authorization" not in request.headers:
            auth = self.ctx.auth
            actor = await run_in_threadpool(auth.session_actor, request)
            if actor is not None and not auth.csrf_valid(request):
                reason = f"missing or wrong {CSRF_HEADER} for a session of {actor.username}"
                await self._audit(request, reason, actor.username)
                return CrossSiteRequest(reason, user_message="缺少或错误的 CSRF 令牌, 请刷新页面"
                                                             "后重试 (missing CSRF token: reload "
                                                             "the page)")
        return self._media_refusal(request)

    def _foreign_origin(self, request: Request) -> str | None:
        origin, source = request.headers.get("origin"), "Origin"
        if origin is None and request.headers.get("referer"):
            origin, source = origin_of(request.headers["referer"]), "Referer"
        if origin is None:
            if request.headers.get("sec-fetch-site") == "cross-site":
                return "Sec-Fetch-Site: cross-site"
            return None
        origin = origin_of(origin) if origin != "null" else "null"
        if origin in self.trusted or same_host(origin, request.headers.get("host", "")):
            return None
        return f"{source} {origin[:120]} is not this site"

    def _media_refusal(self, request: Request) -> OnemapError | None:
        headers = request.headers
        has_body = headers.get("content-length", "0") not in ("", "0") or \
            "transfer-encoding" in headers
        if not has_body:
            return None
        app: FastAPI = request.scope["app"]
        declared = self.routes.declared(app, request.method, app_path(request.scope))
        sent = media_type(headers.get("content-type", ""))
        if sent in declared:
            return None
        allowed = ", ".join(sorted(declared))
        return UnsupportedMediaType(
            f"content type {sent or '(none)'!r} not accepted; send {allowed}",
            user_message=f"不支持的请求类型 {sent or '(无)'}, 请使用 {allowed} "
                         f"(unsupported media type)")

    async def _audit(self, request: Request, reason: str, actor: str = ANONYMOUS) -> None:
        detail = {"method": request.method, "path": request.url.path[:200], "reason": reason,
                  "client": request.client.host if request.client else ""}
        await run_in_threadpool(self.ctx.workspace.audit, actor, "auth.csrf_refused",
                                request.url.path[:200], detail)

    # -- headers -----------------------------------------------------------------------
    def _with_headers(self, scope: Scope, send: Send) -> Send:
        https = scope.get("scheme") == "https"
        framework = app_path(scope) in self.framework_pages
        held: list[Message] = []

        async def wrapped(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in HEADERS.items():
                    headers.setdefault(name, value)
                if https:
                    headers.setdefault("Strict-Transport-Security", HSTS)
                if framework and "content-security-policy" not in headers:
                    held.append(message)  # its CSP needs the page's inline script hashes
                    return
                headers.setdefault("Content-Security-Policy",
                                   csp_for(headers.get("content-type", "")))
            elif held and message["type"] == "http.response.body":
                held.append(message)
                if message.get("more_body"):
                    return
                await _send_framework_page(held, send)
                return
            await send(message)

        return wrapped


async def _send_framework_page(held: list[Message], send: Send) -> None:
    start, chunks = held[0], held[1:]
    body = b"".join(m.get("body", b"") for m in chunks)
    MutableHeaders(scope=start)["Content-Security-Policy"] = framework_page_csp(
        body.decode("utf-8", "replace"))
    await send(start)
    await send({"type": "http.response.body", "body": body, "more_body": False})
