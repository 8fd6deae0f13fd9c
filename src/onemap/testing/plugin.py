"""pytest plugin: offers onemap's test helpers as fixtures."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path


@pytest.fixture
def onemap_workspace_factory(tmp_path: Path) -> Iterator[Callable[..., object]]:
    """Return a factory that creates fresh workspaces under ``tmp_path``."""
    from onemap.store.workspace import Workspace

    made: list[Workspace] = []

    def make(name: str = "ws", **kwargs: object) -> Workspace:
        ws = Workspace.create(tmp_path / name, **kwargs)  # type: ignore[arg-type]
        made.append(ws)
        return ws

    yield make
    for ws in made:
        ws.close()
