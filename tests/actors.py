"""Actors and accounts shared by tests: the province admin the old ``SYSTEM`` constant was."""

from __future__ import annotations

from typing import TYPE_CHECKING

from onemap.store.access import Actor, Role
from onemap.users.models import UserCreate
from onemap.users.service import UserService

if TYPE_CHECKING:
    from collections.abc import Iterable

    from onemap.store.workspace import Workspace

SYSTEM = Actor(username="system", role=Role.ADMIN, regions=["360000"], origin="local")
PASSWORD = "secret-password-1"


def bearer_headers(ws: Workspace, users: Iterable[tuple[str, Role, list[str]]],
                   password: str = PASSWORD) -> dict[str, dict[str, str]]:
    """Create ``(name, role, regions)`` accounts in ``ws``; return name → Bearer header."""
    service = UserService(ws)
    headers = {}
    for name, role, regions in users:
        service.add_user(UserCreate(username=name, password=password, role=role,
                                    regions=regions))
        headers[name] = {"Authorization": f"Bearer {service.create_token(name).token}"}
    return headers
