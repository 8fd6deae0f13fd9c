"""Executor names → implementations (dotted paths, imported on demand)."""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from onemap.errors import InvalidInput

if TYPE_CHECKING:
    from onemap.compute.base import Executor

EXECUTORS: dict[str, str] = {
    "inprocess": "onemap.compute.local:InProcessExecutor",
    "processes": "onemap.compute.local:ProcessExecutor",
    "dask": "onemap.compute.dask:DaskExecutor",
}
DEFAULT = "processes"


def get_executor(name: str = DEFAULT, **options: Any) -> Executor:
    """Return a new executor by name (``inprocess``, ``processes``, ``dask``).

    Examples
    --------
    >>> get_executor("inprocess").map(len, ["ab", "c"])
    [2, 1]
    >>> get_executor("threads")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    onemap.errors.InvalidInput: unknown executor 'threads'; choose one of: dask, ...
    """
    try:
        path = EXECUTORS[name]
    except KeyError:
        choices = ", ".join(sorted(EXECUTORS))
        raise InvalidInput(f"unknown executor {name!r}; choose one of: {choices}") from None
    module, _, attr = path.partition(":")
    cls = getattr(import_module(module), attr)
    executor: Executor = cls(**options)
    return executor
