"""A Dask executor for scale-out (``--cluster tcp://host:8786``); needs the ``dask`` extra."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

from onemap.compute.base import Executor, ProgressCallback, report
from onemap.errors import MissingDependency

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

T = TypeVar("T")
R = TypeVar("R")


def _import_distributed() -> Any:
    try:
        import distributed
    except ImportError:
        raise MissingDependency(
            "the Dask executor needs the 'dask' extra: pip install 'onemap[dask]'",
            package="dask",
            extra="dask",
        ) from None
    return distributed


class DaskExecutor(Executor):
    """Run the kernel on a Dask cluster, one task per item.

    Parameters
    ----------
    address : str, optional
        Scheduler address (``tcp://host:8786``). Without one, a local cluster
        is started (``client_options`` go to it, e.g. ``processes=False``) and
        closed with the executor.
    """

    name = "dask"

    def __init__(self, address: str | None = None, **client_options: Any) -> None:
        distributed = _import_distributed()
        self.address = address
        self._client = distributed.Client(address, **client_options)

    def map(
        self,
        kernel: Callable[[T], R],
        items: Sequence[T],
        *,
        progress: ProgressCallback | None = None,
    ) -> list[R]:
        """Submit one task per item; gather results in input order."""
        distributed = _import_distributed()
        futures = self._client.map(kernel, list(items), pure=False)
        index = {f.key: i for i, f in enumerate(futures)}
        results: list[Any] = [None] * len(futures)
        for done, fut in enumerate(distributed.as_completed(futures), start=1):
            results[index[fut.key]] = fut.result()
            report(progress, done, len(futures))
        return results

    def close(self) -> None:
        """Close the client (and the local cluster it started, if any)."""
        self._client.close()
