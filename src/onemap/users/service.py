"""Users, API tokens and web sessions, stored in the workspace catalog."""

from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from onemap.errors import AuthenticationFailed, Conflict, NotFound
from onemap.store.access import Actor, Role
from onemap.store.db import utc_now as _now
from onemap.store.policy import Action
from onemap.store.workspace import Workspace
from onemap.users.models import TokenCreated, User, UserCreate
from onemap.users.passwords import hash_password, token_digest, verify_password
from onemap.users.schema import SessionRow, TokenRow, UserRow

SESSION_DAYS = 7
_BAD_LOGIN = "用户名或密码错误 (wrong user name or password)"


def _user(row: UserRow) -> User:
    return User(id=row.id, username=row.username, display_name=row.display_name,
                role=Role(row.role), regions=list(row.regions), active=row.active,
                created_at=row.created_at)


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

    def authenticate(self, username: str, password: str) -> User:
        """Check a password; raise :class:`AuthenticationFailed` (audited) when wrong."""
        with self.ws.session() as s:
            row = s.scalars(select(UserRow).where(UserRow.username == username)).one_or_none()
            ok = row is not None and row.active and verify_password(password, row.password_hash)
            user = _user(row) if ok and row is not None else None
        if user is None:
            self.ws.audit(username[:64], "auth.login_failed", username[:64], {})
            raise AuthenticationFailed(f"bad credentials for {username!r}",
                                       user_message=_BAD_LOGIN)
        self.ws.audit(username, "auth.login", username, {"method": "password"})
        return user

    # -- API tokens ----------------------------------------------------------------
    def create_token(self, username: str, name: str = "", *,
                     actor: Actor | None = None) -> TokenCreated:
        """Create an API token for ``username``; only its digest is stored.

        ``actor`` (None: the CLI's local operator) must be that user, logged in.
        """
        if actor is not None and (actor.is_public or actor.username != username):
            raise AuthenticationFailed(f"{actor.username} may not create tokens of {username}",
                                       user_message="请先登录 (please log in)")
        secret = "om_" + secrets.token_urlsafe(32)
        with self.ws.session() as s:
            row = s.scalars(select(UserRow).where(UserRow.username == username)).one_or_none()
            if row is None:
                raise NotFound(f"no user {username!r}")
            tok = TokenRow(user_id=row.id, name=name, token_hash=token_digest(secret),
                           created_at=_now(), revoked=False)
            s.add(tok)
            s.flush()
            token_id = tok.id
        self.ws.audit(username, "auth.token_create", username, {"name": name})
        return TokenCreated(id=token_id, username=username, name=name, token=secret)

    def user_for_token(self, token: str) -> User:
        """Return the user owning an API token or raise :class:`AuthenticationFailed`."""
        with self.ws.session() as s:
            row = s.execute(
                select(UserRow).join(TokenRow, TokenRow.user_id == UserRow.id)
                .where(TokenRow.token_hash == token_digest(token), TokenRow.revoked.is_(False))
            ).scalar_one_or_none()
            if row is None or not row.active:
                raise AuthenticationFailed("unknown or revoked API token",
                                           user_message="令牌无效 (invalid API token)")
            return _user(row)

    # -- web sessions ----------------------------------------------------------------
    def open_session(self, username: str) -> str:
        """Start a web session for ``username``; return its random id."""
        sid = secrets.token_urlsafe(24)
        with self.ws.session() as s:
            row = s.scalars(select(UserRow).where(UserRow.username == username)).one()
            s.add(SessionRow(id=sid, user_id=row.id, created_at=_now(),
                             expires_at=_now() + timedelta(days=SESSION_DAYS), revoked=False))
        return sid

    def user_for_session(self, sid: str) -> User | None:
        """Return the user of a live session (None if unknown, expired or revoked)."""
        with self.ws.session() as s:
            row = s.execute(
                select(UserRow).join(SessionRow, SessionRow.user_id == UserRow.id)
                .where(SessionRow.id == sid, SessionRow.revoked.is_(False),
                       SessionRow.expires_at > _now())
            ).scalar_one_or_none()
            return _user(row) if row is not None and row.active else None

    def close_session(self, sid: str, username: str) -> None:
        """Revoke a session (logout)."""
        with self.ws.session() as s:
            row = s.get(SessionRow, sid)
            if row is not None:
                row.revoked = True
        self.ws.audit(username, "auth.logout", username, {})
