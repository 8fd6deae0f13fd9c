"""``--executor NAME`` and ``--cluster ADDRESS`` for commands that map a kernel over counties."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer

from onemap.compute import Executor, get_executor

THREADS = "threads"  # the services' default: a small thread pool in this process

ClusterOpt = Annotated[str, typer.Option(
    "--cluster", envvar="ONEMAP_CLUSTER",
    help="Dask scheduler address (tcp://host:8786): run the county kernels on that cluster. "
         "Every worker must see the workspace folder at the same path and have the same "
         "onemap installed (the 'dask' extra).")]


@contextmanager
def open_executor(name: str, cluster: str = "") -> Iterator[Executor | None]:
    """Yield the named executor (closed afterwards), or None for the default threads.

    ``cluster`` (a scheduler address) selects the Dask executor on that cluster whatever
    ``name`` says.
    """
    if cluster:
        with get_executor("dask", address=cluster) as executor:
            yield executor
        return
    if name == THREADS:
        yield None
        return
    with get_executor(name) as executor:
        yield executor
