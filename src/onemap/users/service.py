"""Users, API tokens and web sessions, stored in the workspace catalog."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from onemap.errors import AuthenticationFailed, Conflict, InvalidInput, LoginRequired, NotFound
from onemap.store.access import Actor, Role
from onemap.store.db import utc_now as _now
from onemap.store.policy import Action
from onemap.users.models import (
    TOKEN_DAYS,
    TOKEN_MAX_DAYS,
    TokenCreated,
    TokenInfo,
    User,
    UserCreate,
)
from onemap.users.passwords import (
    dummy_hash,
    hash_password,
    needs_rehash,
    token_digest,
    verify_password,
)
from onemap.users.schema import SessionRow, TokenRow, UserRow

if TYPE_CHECKING:
    from onemap.store.workspace import Workspace

SESSION_DAYS = 7
ANONYMOUS = "anonymous"  # the audit actor of a failed login (never the typed name)
_BAD_LOGIN = "用户名或密码错误 (wrong user name or password)"


def _user(row: UserRow) -> User:
    return User(id=row.id, username=row.username, display_name=row.display_name,
                role=Role(row.role), regions=list(row.regions), active=row.active,
                created_at=row.created_at)


def _token(row: TokenRow, username: str, now: datetime) -> TokenInfo:
    return TokenInfo(id=row.id, username=username, name=row.name, created_at=row.created_at,
                     expires_at=row.expires_at, revoked=row.revoked,
                     active=not row.revoked and row.expires_at > now)


class UserService:
    """Accounts of one workspace: add/list users, check passwords, tokens and sessions."""

    def __init__(self, workspace: Workspace) -> None:
        self.ws = workspace

    # -- accounts --------------------------------------------------------------------
    def add_user(self, new: UserCreate, *, actor: Actor | None = None) -> User:
        """Create a user; ``actor`` (None: workspace set-up code) must administer its regions.

        A county-limited admin creates users of that county only: every region of the
        new account must lie in the admin's scope (:data:`Action.ADMINISTER`).
        """
        regions = list(new.regions) or (list(actor.regions) if actor is not None
                                        else [self.ws.root_region])
        if actor is not None:
            self.ws.authorize(actor, Action.ADMINISTER, what="user accounts")
            for region in regions:
                self.ws.authorize(actor, Action.ADMINISTER, region, what="user accounts")
        row = UserRow(username=new.username, display_name=new.display_name,
                      password_hash=hash_password(new.password), role=new.role.value,
                      regions=regions, active=True, created_at=_now())
        try:
            with self.ws.session() as s:
                s.add(row)
                s.flush()
                user = _user(row)
        except IntegrityError:
            raise Conflict(f"user {new.username!r} already exists") from None
        self.ws.audit(actor.username if actor else "system", "user.create", new.username,
                      {"role": new.role.value, "regions": regions})
        return user

    def list_users(self, actor: Actor | None = None) -> list[User]:
        """Return the users ``actor`` administers (every user when None), by name."""
        if actor is not None:
            self.ws.authorize(actor, Action.ADMINISTER, what="user accounts")
        with self.ws.session() as s:
            users = [_user(r) for r in s.scalars(select(UserRow).order_by(UserRow.username))]
        if actor is None:
            return users
        return [u for u in users
                if all(self.ws.allows(actor, Action.ADMINISTER, r) for r in u.regions)]

    def get_user(self, username: str) -> User:
        """Return one user or raise :class:`NotFound`."""
        with self.ws.session() as s:
            row = s.scalars(select(UserRow).where(UserRow.username == username)).one_or_none()
            if row is None:
                raise NotFound(f"no user {username!r}")
            return _user(row)

    def authenticate(self, username: str, password: str, *, client: str = "",
                     method: str = "password") -> User:
        """Check a password; raise :class:`AuthenticationFailed` (audited) when wrong.

        An unknown or deactivated name costs one scrypt computation, like a known
        one (checked against :func:`dummy_hash`), so timing does not tell which
        names exist. A failure is audited as ``anonymous`` with the typed name in
        the detail. A correct password stored with old scrypt parameters is rehashed.
        """
        with self.ws.session() as s:
            row = s.scalars(select(UserRow).where(UserRow.username == username)).one_or_none()
            ok = verify_password(password, row.password_hash if row else dummy_hash())
            ok = ok and row is not None and row.active
            if ok and row is not None and needs_rehash(row.password_hash):
                row.password_hash = hash_password(password)
            user = _user(row) if ok and row is not None else None
        if user is None:
            self.ws.audit(ANONYMOUS, "auth.login_failed", "",
                          {"username": username[:64], "client": client[:64],
                           "method": method})
            raise AuthenticationFailed(f"bad credentials for {username[:64]!r}",
                                       user_message=_BAD_LOGIN)
        self.ws.audit(username, "auth.login", username, {"method": method,
                                                         "client": client[:64]})
        return user

    # -- API tokens ----------------------------------------------------------------
    def create_token(self, username: str, name: str = "", *, days: int = TOKEN_DAYS,
                     actor: Actor | None = None) -> TokenCreated:
        """Create an API token for ``username`` valid ``days`` days; only its digest is stored.

        ``actor`` (None: workspace set-up code) must be that user, logged in, or an admin
        of every region of that user (the CLI's local operator is one).
        """
        if actor is not None and actor.is_public:
            raise AuthenticationFailed(f"{actor.username} may not create tokens",
                                       user_message="请先登录 (please log in)")
        if actor is not None and not (actor.origin == "user" and actor.username == username):
            for region in self.get_user(username).regions:
                self.ws.authorize(actor, Action.ADMINISTER, region, what="API tokens")
        if not 1 <= days <= TOKEN_MAX_DAYS:
            raise InvalidInput(f"token lifetime must be 1..{TOKEN_MAX_DAYS} days, not {days}")
        secret = "om_" + secrets.token_urlsafe(32)
        now = _now()
        with self.ws.session() as s:
            row = s.scalars(select(UserRow).where(UserRow.username == username)).one_or_none()
            if row is None:
                raise NotFound(f"no user {username!r}")
            tok = TokenRow(user_id=row.id, name=name, token_hash=token_digest(secret),
                           created_at=now, expires_at=now + timedelta(days=days), revoked=False)
            s.add(tok)
            s.flush()
            token_id, expires = tok.id, tok.expires_at
        self.ws.audit(actor.username if actor else username, "auth.token_create", username,
                      {"name": name, "token_id": token_id, "days": days})
        return TokenCreated(id=token_id, username=username, name=name, expires_at=expires,
                            token=secret)

    def user_for_token(self, token: str) -> User:
        """Return the user owning a live API token or raise :class:`AuthenticationFailed`."""
        with self.ws.session() as s:
            row = s.execute(
                select(UserRow).join(TokenRow, TokenRow.user_id == UserRow.id)
                .where(TokenRow.token_hash == token_digest(token), TokenRow.revoked.is_(False),
                       TokenRow.expires_at > _now())
            ).scalar_one_or_none()
            if row is None or not row.active:
                raise AuthenticationFailed("unknown, expired or revoked API token",
                                           user_message="令牌无效或已过期 (invalid or expired "
                                                        "API token)")
            return _user(row)

    def list_tokens(self, username: str) -> list[TokenInfo]:
        """Return the tokens of ``username``, newest first (never their secrets)."""
        now = _now()
        with self.ws.session() as s:
            rows = s.execute(
                select(TokenRow, UserRow.username).join(UserRow, TokenRow.user_id == UserRow.id)
                .where(UserRow.username == username).order_by(TokenRow.id.desc())).all()
            return [_token(t, name, now) for t, name in rows]

    def tokens_of(self, actor: Actor) -> list[TokenInfo]:
        """Return the logged-in ``actor``'s own tokens (anonymous callers must log in)."""
        if actor.origin != "user":
            raise LoginRequired(f"{actor.username} has no API tokens",
                                user_message="请先登录 (please log in)")
        return self.list_tokens(actor.username)

    def revoke_token(self, token_id: int, actor: Actor) -> TokenInfo:
        """Revoke one API token (audited).

        Its owner may revoke it; so may an admin of every region of the owner
        (:data:`Action.ADMINISTER`, refusals audited as ``access.denied``).
        """
        with self.ws.session() as s:
            found = s.execute(
                select(TokenRow, UserRow).join(UserRow, TokenRow.user_id == UserRow.id)
                .where(TokenRow.id == token_id)).one_or_none()
            if found is None:
                raise NotFound(f"no API token {token_id}",
                               user_message=f"令牌不存在 (no such API token): {token_id}")
            owner = found[1].username
            regions = list(found[1].regions)
        if actor.origin != "user" or actor.username != owner:
            for region in regions or [self.ws.root_region]:
                self.ws.authorize(actor, Action.ADMINISTER, region, what="API tokens")
        with self.ws.session() as s:
            tok = s.get(TokenRow, token_id)
            assert tok is not None
            tok.revoked = True
            info = _token(tok, owner, _now())
        self.ws.audit(actor.username, "auth.token_revoke", owner, {"token_id": token_id})
        return info

    # -- web sessions ----------------------------------------------------------------
    def open_session(self, username: str) -> str:
        """Start a web session for ``username``; return its random id.

        Only the id's sha256 is stored: the raw id lives in the signed cookie alone.
        """
        sid = secrets.token_urlsafe(32)
        with self.ws.session() as s:
            row = s.scalars(select(UserRow).where(UserRow.username == username)).one()
            s.add(SessionRow(id_hash=token_digest(sid), user_id=row.id, created_at=_now(),
                             expires_at=_now() + timedelta(days=SESSION_DAYS), revoked=False))
        return sid

    def user_for_session(self, sid: str) -> User | None:
        """Return the user of a live session (None if unknown, expired or revoked)."""
        with self.ws.session() as s:
            row = s.execute(
                select(UserRow).join(SessionRow, SessionRow.user_id == UserRow.id)
                .where(SessionRow.id_hash == token_digest(sid), SessionRow.revoked.is_(False),
                       SessionRow.expires_at > _now())
            ).scalar_one_or_none()
            return _user(row) if row is not None and row.active else None

    def close_session(self, sid: str, username: str) -> None:
        """Revoke a session (logout)."""
        with self.ws.session() as s:
            row = s.get(SessionRow, token_digest(sid))
            if row is not None:
                row.revoked = True
        self.ws.audit(username, "auth.logout", username, {})
