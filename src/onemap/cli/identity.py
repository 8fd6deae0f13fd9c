"""The ``--user`` option every command takes, resolved by :mod:`onemap.users.identity`."""

from __future__ import annotations

from typing import Annotated

import typer

from onemap.store.access import Actor
from onemap.store.workspace import Workspace
from onemap.users.identity import cli_actor

UserOpt = Annotated[str, typer.Option(
    "--user", help="act as this workspace account, with its role and region scope (default: "
                   "the local operator, admin of the workspace's root region, audited as "
                   "os:<account>)")]


def actor_for(ws: Workspace, user: str | None) -> Actor:
    """Return the actor of a command run with ``--user user`` (or without it)."""
    return cli_actor(ws, user or None)
