"""The one place an :class:`~onemap.store.access.Actor` is resolved (身份).

* **HTTP**: ``api/auth.py`` reads the request's credentials (session cookie, bearer
  token) and asks :class:`Identity` for the workspace user they belong to; a request
  without credentials is :meth:`Identity.anonymous` (a public user).
* **CLI**: ``--user NAME`` is that workspace user, with their role and region scope
  (:meth:`Identity.for_username`); without ``--user`` the command runs as the
  **local operator**, the OS account running it, as admin of the workspace's root
  region (:meth:`Identity.local_operator`), and is audited as ``os:<account>``.
"""

from __future__ import annotations

import getpass
import os
from typing import TYPE_CHECKING

from onemap.errors import AuthenticationFailed, NotFound
from onemap.store.access import Actor, Role
from onemap.users.service import UserService

if TYPE_CHECKING:
    from onemap.store.workspace import Workspace

ANONYMOUS = "anonymous"
LOCAL_PREFIX = "os:"  # account names cannot hold ':', so a local operator never passes for one


def os_account() -> str:
    """Return the name of the OS account running this process."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (containers): fall back to the uid
        return f"uid{os.getuid()}"


class Identity:
    """Resolve actors for one workspace."""

    def __init__(self, workspace: Workspace, users: UserService | None = None) -> None:
        self.ws = workspace
        self.users = users or UserService(workspace)

    @property
    def root_region(self) -> str:
        """The workspace's root region code (``onemap.toml`` ``root_region``)."""
        return self.ws.config.root_region

    def anonymous(self) -> Actor:
        """Return the actor of a call without credentials: a public user of the whole territory."""
        return Actor(username=ANONYMOUS, role=Role.PUBLIC, regions=[self.root_region],
                     origin="anonymous")

    def local_operator(self) -> Actor:
        """Whoever runs the CLI on the workspace folder: admin of the root region.

        Access to the folder is access to its files, so the command line trusts its
        operator as the workspace's administrator; the audit names the OS account.
        """
        return Actor(username=f"{LOCAL_PREFIX}{os_account()}", role=Role.ADMIN,
                     regions=[self.root_region], origin="local")

    def for_username(self, username: str) -> Actor:
        """Return the actor of the workspace account ``username`` (CLI ``--user``).

        Unknown or deactivated accounts are refused: a name that is not an account is
        not an identity.
        """
        try:
            user = self.users.get_user(username)
        except NotFound:
            raise AuthenticationFailed(
                f"no workspace user {username!r}",
                user_message=f"用户不存在: {username} (no such workspace user; see "
                             "`onemap users list`)") from None
        if not user.active:
            raise AuthenticationFailed(f"user {username!r} is deactivated",
                                       user_message=f"用户已停用: {username}")
        return user.to_actor()

    def for_cli(self, username: str | None) -> Actor:
        """Return the actor of a command: ``--user NAME`` if given, else the local operator."""
        return self.for_username(username) if username else self.local_operator()

    def for_token(self, token: str) -> Actor:
        """Return the actor owning an API token (raises :class:`AuthenticationFailed`)."""
        return self.users.user_for_token(token).to_actor()

    def for_session(self, session_id: str) -> Actor | None:
        """Return the actor of a live web session, or None."""
        user = self.users.user_for_session(session_id)
        return user.to_actor() if user is not None else None


def display_name(ws: Workspace, actor: Actor) -> str:
    """Return the name a deliverable prints for ``actor`` (审查人, 编制人): its display name.

    Accounts without one print their user name; the local operator and anonymous users,
    who are no named person, print nothing (the sign-off line is filled in by hand).
    """
    if actor.origin != "user":
        return ""
    try:
        user = UserService(ws).get_user(actor.username)
    except NotFound:
        return actor.username
    return user.display_name or user.username


def cli_actor(ws: Workspace, username: str | None) -> Actor:
    """Shortcut for :meth:`Identity.for_cli` (what every CLI command calls)."""
    return Identity(ws).for_cli(username)


def local_operator(ws: Workspace) -> Actor:
    """Shortcut for :meth:`Identity.local_operator` (demo jobs, scripts, tests)."""
    return Identity(ws).local_operator()
