"""The one place a request's :class:`Actor` is resolved: session cookie or bearer token."""

from __future__ import annotations

import secrets
import threading
import time

from itsdangerous import BadSignature, URLSafeTimedSerializer

from onemap.errors import AuthenticationFailed
from onemap.store.access import Actor
from onemap.store.workspace import Workspace
from onemap.users.identity import Identity
from onemap.users.models import User
from onemap.users.service import SESSION_DAYS, UserService

from fastapi import Request, Response

COOKIE = "onemap_session"
_TTL = 30.0  # seconds a resolved token/session is trusted before the catalog is asked again
MAX_FAILURES = 5  # wrong passwords per user name within LOCK_SECONDS before logins pause
LOCK_SECONDS = 300.0


class Authenticator:
    """Resolve and issue credentials for one workspace.

    Sessions are random ids stored in the catalog and carried in an
    itsdangerous-signed cookie (key: the workspace ``secret_key``); API tokens are
    looked up by digest. Both are cached for a few seconds.
    """

    def __init__(self, workspace: Workspace, root_region: str) -> None:
        self.users = UserService(workspace)
        key = workspace.config.secret_key or secrets.token_hex(32)
        self._signer = URLSafeTimedSerializer(key, salt="onemap-session")
        self.anonymous = Identity(workspace).anonymous()
        self._cache: dict[str, tuple[float, User | None]] = {}
        self._failures: dict[str, list[float]] = {}
        self._lock = threading.Lock()

    # -- resolution --------------------------------------------------------------------
    def resolve(self, request: Request) -> Actor:
        """Return the actor of ``request`` (anonymous public user when none)."""
        header = request.headers.get("authorization", "")
        if header:
            scheme, _, token = header.partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                raise AuthenticationFailed("unsupported Authorization header",
                                           user_message="请使用 Bearer 令牌 (use a Bearer token)")
            return self._cached("t:" + token.strip(), self._by_token).to_actor()  # type: ignore[union-attr]
        cookie = request.cookies.get(COOKIE)
        if cookie:
            sid = self._unsign(cookie)
            user = self._cached("s:" + sid, self.users.user_for_session) if sid else None
            if user is not None:
                return user.to_actor()
        return self.anonymous

    def _by_token(self, token: str) -> User:
        return self.users.user_for_token(token)

    def _cached(self, key: str, load: object) -> User | None:
        now = time.monotonic()
        with self._lock:
            hit = self._cache.get(key)
        if hit is not None and now - hit[0] < _TTL:
            return hit[1]
        user = load(key[2:])  # type: ignore[operator]
        with self._lock:
            if len(self._cache) > 10_000:
                self._cache.clear()
            self._cache[key] = (now, user)
        return user  # type: ignore[no-any-return]

    def _unsign(self, cookie: str) -> str | None:
        try:
            data = self._signer.loads(cookie, max_age=SESSION_DAYS * 86400)
        except BadSignature:
            return None
        return data.get("sid") if isinstance(data, dict) else None

    # -- login / logout ------------------------------------------------------------------
    def login(self, username: str, password: str, response: Response) -> User:
        """Check the password, open a session and set the signed cookie (audited).

        After ``MAX_FAILURES`` wrong passwords for one user name within
        ``LOCK_SECONDS``, further attempts are refused until the window passes.
        """
        now = time.monotonic()
        with self._lock:
            recent = [t for t in self._failures.get(username, []) if now - t < LOCK_SECONDS]
            self._failures[username] = recent
        if len(recent) >= MAX_FAILURES:
            self.users.ws.audit(username[:64], "auth.login_locked", username[:64], {})
            raise AuthenticationFailed(
                f"too many failed logins for {username!r}",
                user_message="登录失败次数过多, 请稍后再试 (too many failed logins, try later)")
        try:
            user = self.users.authenticate(username, password)
        except AuthenticationFailed:
            with self._lock:
                self._failures.setdefault(username, []).append(now)
            raise
        with self._lock:
            self._failures.pop(username, None)
        sid = self.users.open_session(user.username)
        response.set_cookie(COOKIE, self._signer.dumps({"sid": sid}), httponly=True,
                            samesite="lax", max_age=SESSION_DAYS * 86400, path="/")
        return user

    def logout(self, request: Request, response: Response, actor: Actor) -> None:
        """Revoke the session of ``request`` and clear the cookie (audited)."""
        cookie = request.cookies.get(COOKIE)
        sid = self._unsign(cookie) if cookie else None
        if sid:
            self.users.close_session(sid, actor.username)
            with self._lock:
                self._cache.pop("s:" + sid, None)
        response.delete_cookie(COOKIE, path="/")
