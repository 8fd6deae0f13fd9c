"""Executors that map a kernel over county partitions.

``get_executor("processes")`` (default: every core), ``"inprocess"`` or
``"dask"`` (``pip install 'onemap[dask]'``); all share :class:`Executor`.
"""

from onemap.compute.base import Executor, ProgressCallback
from onemap.compute.registry import EXECUTORS, get_executor

__all__ = ["EXECUTORS", "Executor", "ProgressCallback", "get_executor"]
