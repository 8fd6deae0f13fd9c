"""``--executor NAME`` for commands that map a kernel over counties."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from onemap.compute import Executor, get_executor

THREADS = "threads"  # the services' default: a small thread pool in this process


@contextmanager
def open_executor(name: str) -> Iterator[Executor | None]:
    """Yield the named executor (closed afterwards), or None for the default threads."""
    if name == THREADS:
        yield None
        return
    with get_executor(name) as executor:
        yield executor
