"""Shared fixtures: a fresh workspace, small layers."""

from __future__ import annotations

from pathlib import Path

import pytest

from onemap.store.workspace import Workspace


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    """A fresh, empty SQLite-backed workspace."""
    ws = Workspace.create(tmp_path / "ws")
    yield ws
    ws.close()
