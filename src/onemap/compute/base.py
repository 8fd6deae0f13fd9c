"""The executor contract: map a pure kernel over partitions (usually counties).

A *kernel* is a picklable, pure function of one partition's inputs that returns
a small table; a *reduction* (e.g. :func:`onemap.geometry.overlay.merge_area_tables`)
merges the per-partition results. Executors differ only in where the kernel
runs: in this process, in a local process pool, or on a Dask cluster.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")

ProgressCallback = Callable[[int, int], None]
"""Called as ``progress(done, total)`` after each partition finishes (CLI: a Rich bar)."""


class Executor(ABC):
    """Maps a kernel over items; results come back in input order.

    Executors are context managers: resources (processes, cluster clients)
    live until ``close()`` so that repeated maps reuse them.
    """

    name: str = "executor"

    @abstractmethod
    def map(
        self,
        kernel: Callable[[T], R],
        items: Sequence[T],
        *,
        progress: ProgressCallback | None = None,
    ) -> list[R]:
        """Run ``kernel(item)`` for every item; return the results in input order."""

    def close(self) -> None:  # noqa: B027 - optional hook, no-op by default
        """Release workers or connections (no-op by default)."""

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def report(progress: ProgressCallback | None, done: int, total: int) -> None:
    """Call ``progress`` if given."""
    if progress is not None:
        progress(done, total)
