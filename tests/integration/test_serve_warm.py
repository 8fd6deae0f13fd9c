"""``onemap serve`` warms the site-review partition cache on a background thread."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

import pytest
from review_world import build_world
from typer.testing import CliRunner

from onemap.cli.main import create_cli
from onemap.review.service import REVIEW_COLUMNS, REVIEW_KINDS
from onemap.store.reader import CatalogSnapshot, PartitionCache
from onemap.store.workspace import Workspace

if TYPE_CHECKING:
    from pathlib import Path

    from onemap.store.models import PartitionInfo


@pytest.fixture
def ws_root(tmp_path: Path) -> Path:
    ws = build_world(Workspace.create(tmp_path / "ws"))
    ws.close()
    return tmp_path / "ws"


def _parts(ws: Any) -> list[tuple[PartitionInfo, tuple[str, ...] | None]]:
    catalog = CatalogSnapshot(ws)
    return [(p, REVIEW_COLUMNS.get(kind)) for kind in REVIEW_KINDS
            if (entry := catalog.latest(kind)) is not None for p in entry.partitions]


def test_serve_starts_before_the_warm_up_ends_and_the_cache_fills(
        ws_root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    release = threading.Event()
    real_get = PartitionCache.get

    def gated_get(self: PartitionCache, *args: Any, **kwargs: Any) -> Any:
        if threading.current_thread().name == "review-warm":
            release.wait(60)  # hold the warm-up until the server has started
        return real_get(self, *args, **kwargs)

    seen: dict[str, Any] = {}

    def fake_run(app: Any, **_: Any) -> None:  # stands in for uvicorn.run (start-up done)
        service = app.state.ctx.reviews
        parts = _parts(service.ws)
        warming = [t for t in threading.enumerate() if t.name == "review-warm"]
        seen["started_warm"] = bool(warming) and warming[0].daemon
        seen["loaded_at_start"] = sum(service.cache.peek(p, c) is not None for p, c in parts)
        release.set()
        for t in warming:
            t.join(60)
        seen["parts"] = len(parts)
        seen["loaded_after"] = sum(service.cache.peek(p, c) is not None for p, c in parts)

    monkeypatch.setattr(PartitionCache, "get", gated_get)
    monkeypatch.setattr("uvicorn.run", fake_run)
    r = CliRunner().invoke(create_cli(), ["serve", str(ws_root), "--json"])
    release.set()
    assert r.exit_code == 0, r.output
    assert seen["started_warm"]  # a daemon thread: it never holds the process at exit
    assert seen["loaded_at_start"] == 0  # serving began while the warm-up was held
    assert seen["parts"] >= 4 and seen["loaded_after"] == seen["parts"]


def test_no_warm_leaves_the_cache_cold(ws_root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, Any] = {}

    def fake_run(app: Any, **_: Any) -> None:
        service = app.state.ctx.reviews
        seen["warming"] = any(t.name == "review-warm" for t in threading.enumerate())
        seen["loaded"] = sum(service.cache.peek(p, c) is not None for p, c in _parts(service.ws))

    monkeypatch.setattr("uvicorn.run", fake_run)
    r = CliRunner().invoke(create_cli(), ["serve", str(ws_root), "--no-warm", "--json"])
    assert r.exit_code == 0, r.output
    assert seen == {"warming": False, "loaded": 0}


def test_warm_stops_at_the_cache_capacity_and_on_request(ws_root: Path) -> None:
    from onemap.review.service import ReviewService
    from onemap.store.reader import WorkspaceReader

    ws = Workspace.open(ws_root)
    try:
        small = ReviewService(ws, WorkspaceReader(ws, PartitionCache(ws.root, max_entries=2)))
        assert small.warm() == 2
        stopped = ReviewService(ws)
        stopped.warm_stop.set()
        assert stopped.warm_in_background().join(30) is None
        assert all(stopped.cache.peek(p, c) is None for p, c in _parts(ws))
    finally:
        ws.close()
