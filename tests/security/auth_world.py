"""A small workspace with accounts for the authentication attack tests (no layers)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select, text

from onemap.api.app import create_app
from onemap.api.deps import ApiSettings
from onemap.store.access import Role
from onemap.store.schema import AuditRow
from onemap.store.workspace import Workspace
from onemap.users.models import UserCreate
from onemap.users.service import UserService

from fastapi.testclient import TestClient

if TYPE_CHECKING:
    from pathlib import Path

    from fastapi import FastAPI

PASSWORD = "correct-horse-battery-9"
USERS = [
    ("admin", Role.ADMIN, ["360000"]),           # province admin
    ("admin111", Role.ADMIN, ["360111"]),        # admin of one county
    ("ana111", Role.ANALYST, ["360111"]),
    ("ana203", Role.ANALYST, ["360203"]),
]


def make_workspace(root: Path) -> Workspace:
    """Create a workspace with the :data:`USERS`, all with :data:`PASSWORD`."""
    ws = Workspace.create(root)
    users = UserService(ws)
    for name, role, regions in USERS:
        users.add_user(UserCreate(username=name, password=PASSWORD, role=role, regions=regions))
    return ws


def make_app(ws: Workspace, **settings: Any) -> FastAPI:
    """Return a fresh app (its own throttle and caches) for ``ws``."""
    return create_app(ApiSettings(workspace=ws.root, **settings), ws)


def client(app: FastAPI, address: str = "testclient") -> TestClient:
    """Return a test client that connects from ``address``."""
    return TestClient(app, client=(address, 50000))


def login(c: TestClient, username: str, password: str = PASSWORD) -> Any:
    """POST /auth/login; return the response."""
    return c.post("/auth/login", json={"username": username, "password": password})


def csrf(c: TestClient) -> dict[str, str]:
    """Return the header echoing the client's CSRF cookie."""
    return {"X-CSRF-Token": c.cookies.get("onemap_csrf", "")}


def rows(ws: Workspace, table: str) -> int:
    """Return the number of rows of a catalog table."""
    with ws.engine.connect() as conn:
        return int(conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())


def audit_count(ws: Workspace, action: str | None = None) -> int:
    """Return the number of audit entries (of one action)."""
    q = select(func.count()).select_from(AuditRow)
    if action:
        q = q.where(AuditRow.action == action)
    with ws.session() as s:
        return int(s.execute(q).scalar_one())
