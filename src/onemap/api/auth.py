"""Reading a request's credentials (session cookie, bearer token, HTTP Basic) and sessions.

Who the credentials belong to is decided by :class:`onemap.users.identity.Identity`;
this module only handles the HTTP side: the signed cookie, the CSRF token derived
from the session, login throttling per client address. HTTP Basic (RFC 7617) is for
stock GIS clients (QGIS 3.22's "Basic" auth method, GDAL's ``USERPWD``): the same
account passwords, checked once per credentials and server and then trusted for
:data:`_TTL` seconds, through the login route's throttle.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading
import time
from collections.abc import Callable

from itsdangerous import BadSignature, URLSafeTimedSerializer

from onemap.errors import AuthenticationFailed
from onemap.store.access import Actor
from onemap.store.workspace import Workspace
from onemap.users.errors import TooManyAttempts
from onemap.users.identity import ANONYMOUS, Identity
from onemap.users.models import User
from onemap.users.service import SESSION_DAYS, UserService
from onemap.users.throttle import LoginThrottle

from fastapi import Request, Response

COOKIE = "onemap_session"
CSRF_COOKIE = "onemap_csrf"  # readable by the page's script, echoed in CSRF_HEADER
CSRF_HEADER = "X-CSRF-Token"
_TTL = 30.0  # seconds a resolved token/session is trusted before the catalog is asked again


def client_address(request: Request) -> str:
    """Return the client's address (uvicorn applies ``X-Forwarded-For`` of trusted proxies)."""
    return request.client.host if request.client else "unknown"


def _decode_basic(encoded: str) -> tuple[str, str]:
    """Return ``(username, password)`` of a Basic credential (UTF-8, else Latin-1)."""
    try:
        raw = base64.b64decode(encoded, validate=True)
    except ValueError:
        raw = b""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    username, sep, password = text.partition(":")
    if not sep or not username:
        raise AuthenticationFailed("malformed Basic credentials",
                                   user_message="Basic 认证格式错误 (malformed Basic credentials)")
    return username, password


class Authenticator:
    """Resolve and issue credentials for one workspace.

    Sessions are random ids carried in an itsdangerous-signed cookie (key: the
    workspace ``secret_key``) and stored as sha256 in the catalog; API tokens are
    looked up by digest. Both are cached for :data:`_TTL` seconds (revoking a token
    through the API clears the cache at once). ``root_region`` is accepted for
    callers of the old signature; the anonymous actor comes from :class:`Identity`.
    """

    def __init__(self, workspace: Workspace, root_region: str | None = None, *,
                 throttle: LoginThrottle | None = None) -> None:
        self.users = UserService(workspace)
        self.identity = Identity(workspace, self.users)
        key = workspace.config.secret_key or secrets.token_hex(32)
        self._signer = URLSafeTimedSerializer(key, salt="onemap-session")
        self._csrf_key = hashlib.sha256(b"onemap-csrf\0" + key.encode("utf-8")).digest()
        self.throttle = throttle or LoginThrottle()
        self._cache: dict[str, tuple[float, Actor | None]] = {}
        self._lock = threading.Lock()
        self._basic_gates: dict[str, threading.Lock] = {}

    # -- resolution --------------------------------------------------------------------
    def resolve(self, request: Request) -> Actor:
        """Return the actor of ``request`` (anonymous public user when none).

        ``Authorization: Bearer <token>`` or ``Basic <base64 user:password>``; wrong
        credentials raise :class:`AuthenticationFailed` (401), never anonymous access.
        """
        header = request.headers.get("authorization", "")
        if header:
            scheme, _, token = header.partition(" ")
            if scheme.lower() == "basic" and token.strip():
                return self.basic_actor(token.strip(), client_address(request))
            if scheme.lower() != "bearer" or not token.strip():
                raise AuthenticationFailed(
                    "unsupported Authorization header",
                    user_message="请使用 Bearer 令牌或 Basic 用户名密码 (use a Bearer token or "
                                 "HTTP Basic)")
            actor = self._cached("t:" + token.strip(), self.identity.for_token)
            assert actor is not None  # for_token raises instead
            return actor
        return self.session_actor(request) or self.identity.anonymous()

    def basic_actor(self, encoded: str, client: str) -> Actor:
        """Return the account of HTTP Basic credentials (``base64(user:password)``).

        The password is checked like a login (throttled per client and name, audited)
        the first time a server sees these credentials; concurrent requests carrying
        them (a client fetching tiles in parallel) wait for that one check instead of
        each counting as an attempt. A success is trusted for :data:`_TTL` seconds.
        """
        username, password = _decode_basic(encoded)
        key = "b:" + hmac.new(self._csrf_key, encoded.encode("ascii", "replace"),
                              hashlib.sha256).hexdigest()
        with self._lock:
            gate = self._basic_gates.setdefault(key, threading.Lock())
        with gate:
            now = time.monotonic()
            with self._lock:
                hit = self._cache.get(key)
            if hit is not None and hit[1] is not None and now - hit[0] < _TTL:
                return hit[1]
            user = self.check_password(username, password, client, method="basic")
            actor = user.to_actor()
            with self._lock:
                if len(self._cache) > 10_000:
                    self._cache.clear()
                self._cache[key] = (now, actor)
                if len(self._basic_gates) > 10_000:
                    self._basic_gates = {key: gate}
            return actor

    def check_password(self, username: str, password: str, client: str, *,
                       method: str = "password") -> User:
        """Check a password through the login throttle (429 when paused; audited)."""
        try:
            attempt = self.throttle.reserve(username[:64], client)
        except TooManyAttempts as exc:
            self.users.ws.audit(ANONYMOUS, "auth.login_throttled", "",
                                {"username": username[:64], "client": client[:64],
                                 "retry_after": exc.extra.get("retry_after"),
                                 "method": method})
            raise
        try:
            user = self.users.authenticate(username, password, client=client, method=method)
        except AuthenticationFailed:
            self.throttle.fail(attempt)
            raise
        self.throttle.succeed(attempt)
        return user

    def session_actor(self, request: Request) -> Actor | None:
        """Return the user of the request's live session cookie, or None."""
        sid = self.session_id(request)
        return self._cached("s:" + sid, self.identity.for_session) if sid else None

    def session_id(self, request: Request) -> str | None:
        """Return the raw session id of a validly signed cookie, or None."""
        cookie = request.cookies.get(COOKIE)
        if not cookie:
            return None
        try:
            data = self._signer.loads(cookie, max_age=SESSION_DAYS * 86400)
        except BadSignature:
            return None
        sid = data.get("sid") if isinstance(data, dict) else None
        return sid if isinstance(sid, str) and sid else None

    def _cached(self, key: str, load: Callable[[str], Actor | None]) -> Actor | None:
        now = time.monotonic()
        with self._lock:
            hit = self._cache.get(key)
        if hit is not None and now - hit[0] < _TTL:
            return hit[1]
        actor = load(key[2:])
        with self._lock:
            if len(self._cache) > 10_000:
                self._cache.clear()
            self._cache[key] = (now, actor)
        return actor

    def forget_tokens(self) -> None:
        """Drop cached token lookups (after a revocation)."""
        with self._lock:
            self._cache = {k: v for k, v in self._cache.items() if not k.startswith("t:")}

    # -- CSRF (double submit, bound to the session) ------------------------------------
    def csrf_token(self, sid: str) -> str:
        """Return the CSRF token of session ``sid``: an HMAC of it, never the id itself."""
        mac = hmac.new(self._csrf_key, sid.encode("utf-8"), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(mac).decode("ascii").rstrip("=")

    def csrf_valid(self, request: Request) -> bool:
        """Tell whether the request's ``X-CSRF-Token`` header belongs to its session."""
        sid = self.session_id(request)
        sent = request.headers.get(CSRF_HEADER, "")
        return bool(sid and sent) and hmac.compare_digest(sent, self.csrf_token(sid or ""))

    # -- login / logout ------------------------------------------------------------------
    def login(self, username: str, password: str, request: Request, response: Response) -> User:
        """Check the password, open a session and set the cookies (audited).

        The attempt is first reserved in :class:`LoginThrottle` (per client address
        and per name, exponential back-off, HTTP 429 with ``Retry-After``); a wrong
        password keeps it counted (dated when the answer is known), a right one withdraws it.
        """
        user = self.check_password(username, password, client_address(request))
        sid = self.users.open_session(user.username)
        secure = request.url.scheme == "https"
        response.set_cookie(COOKIE, self._signer.dumps({"sid": sid}), httponly=True,
                            samesite="lax", secure=secure, max_age=SESSION_DAYS * 86400,
                            path="/")
        response.set_cookie(CSRF_COOKIE, self.csrf_token(sid), httponly=False,
                            samesite="strict", secure=secure, max_age=SESSION_DAYS * 86400,
                            path="/")
        return user

    def logout(self, request: Request, response: Response, actor: Actor) -> None:
        """Revoke the session of ``request`` and clear the cookies (audited)."""
        sid = self.session_id(request)
        if sid:
            self.users.close_session(sid, actor.username)
            with self._lock:
                self._cache.pop("s:" + sid, None)
        response.delete_cookie(COOKIE, path="/")
        response.delete_cookie(CSRF_COOKIE, path="/")
