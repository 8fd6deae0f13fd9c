"""Executors on this machine: in-process (debugging, tiny inputs) and a process pool."""

from __future__ import annotations

import multiprocessing
import os
import sys
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from typing import TYPE_CHECKING, TypeVar

from onemap.compute.base import Executor, ProgressCallback, report

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

T = TypeVar("T")
R = TypeVar("R")


class InProcessExecutor(Executor):
    """Run the kernel over the items one after another in this process.

    Examples
    --------
    >>> InProcessExecutor().map(abs, [-1, 2, -3])
    [1, 2, 3]
    """

    name = "inprocess"

    def map(
        self,
        kernel: Callable[[T], R],
        items: Sequence[T],
        *,
        progress: ProgressCallback | None = None,
    ) -> list[R]:
        """Run ``kernel(item)`` for every item in order."""
        out = []
        for i, item in enumerate(items):
            out.append(kernel(item))
            report(progress, i + 1, len(items))
        return out


class ProcessExecutor(Executor):
    """Run the kernel in a pool of worker processes (default: one per core).

    The pool starts on first use and is reused by later ``map`` calls until
    ``close()``. Kernels and items must be picklable (module-level functions,
    ``functools.partial``, arrays, WKB). Workers are started with
    ``forkserver`` on Linux (safe with threads in the parent) and ``spawn``
    elsewhere.

    Parameters
    ----------
    workers : int, optional
        Number of processes; ``os.cpu_count()`` by default.
    """

    name = "processes"

    def __init__(self, workers: int | None = None) -> None:
        self.workers = workers or os.cpu_count() or 1
        self._pool: ProcessPoolExecutor | None = None

    def _get_pool(self) -> ProcessPoolExecutor:
        if self._pool is None:
            method = "forkserver" if sys.platform.startswith("linux") else "spawn"
            self._pool = ProcessPoolExecutor(
                max_workers=self.workers, mp_context=multiprocessing.get_context(method)
            )
        return self._pool

    def map(
        self,
        kernel: Callable[[T], R],
        items: Sequence[T],
        *,
        progress: ProgressCallback | None = None,
    ) -> list[R]:
        """Submit every item; collect results in input order, reporting completions."""
        pool = self._get_pool()
        futures: dict[Future[R], int] = {
            pool.submit(kernel, item): i for i, item in enumerate(items)
        }
        results: list[R | None] = [None] * len(items)
        try:
            for done, fut in enumerate(as_completed(futures), start=1):
                results[futures[fut]] = fut.result()
                report(progress, done, len(items))
        except BaseException:
            for fut in futures:
                fut.cancel()
            raise
        return results  # type: ignore[return-value]

    def close(self) -> None:
        """Shut the worker processes down."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
