"""A Dask executor for scale-out (``--cluster tcp://host:8786``); needs the ``dask`` extra.

The kernels onemap maps are pure functions of one county's partition files, so a cluster only
needs the workspace folder on storage every worker mounts at the same path (NFS, CephFS, a
shared disk) and the same onemap version installed on every worker. Results come back in input
order whatever worker ran them; a worker lost mid-job has its tasks rerun on the others by the
scheduler (a task is only *accepted* once, when its result arrives), so no county is lost or
counted twice. When the job cannot finish — the scheduler is unreachable, every worker is gone
for ``lost_timeout`` seconds, or a task failed — the remaining tasks are cancelled and
:class:`onemap.errors.ComputeFailed` is raised before the caller writes anything.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any, TypeVar

from onemap.compute.base import Executor, ProgressCallback, report
from onemap.errors import ComputeFailed, MissingDependency

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
    connect_timeout : float, optional
        Seconds to reach the scheduler and see at least one worker (default: Dask's
        ``distributed.comm.timeouts.connect``, 30 s).
    lost_timeout : float
        Seconds a job may wait with no worker left before it is abandoned.
    """

    name = "dask"

    def __init__(self, address: str | None = None, *, connect_timeout: float | None = None,
                 lost_timeout: float = 60.0, **client_options: Any) -> None:
        distributed = _import_distributed()
        if connect_timeout is None:  # Dask's setting: DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT
            import dask.config
            from dask.utils import parse_timedelta

            connect_timeout = float(parse_timedelta(
                dask.config.get("distributed.comm.timeouts.connect"), default="s"))
        self.address = address
        self.lost_timeout = lost_timeout
        where = address or "a local cluster"
        try:
            self._client = distributed.Client(address, timeout=connect_timeout,
                                              **client_options)
        except (OSError, TimeoutError) as exc:
            raise ComputeFailed(f"cannot reach the Dask scheduler at {where}: {exc}",
                                address=address) from None
        try:
            self._client.wait_for_workers(1, timeout=connect_timeout)
        except (OSError, TimeoutError):
            self._client.close()
            raise ComputeFailed(f"the Dask scheduler at {where} has no workers "
                                f"(waited {connect_timeout:g} s)", address=address) from None

    def workers(self) -> int:
        """Return the number of workers the scheduler knows now."""
        return len(self._client.scheduler_info().get("workers", {}))

    def map(
        self,
        kernel: Callable[[T], R],
        items: Sequence[T],
        *,
        progress: ProgressCallback | None = None,
    ) -> list[R]:
        """Submit one task per item; gather results in input order.

        Raises
        ------
        ComputeFailed
            A task raised (its item is named), or no worker was left for ``lost_timeout``
            seconds; the other tasks are cancelled.
        """
        distributed = _import_distributed()
        items = list(items)
        futures = self._client.map(kernel, items, pure=False)
        index = {f.key: i for i, f in enumerate(futures)}
        results: list[Any] = [None] * len(futures)
        pending = set(futures)
        done_count = 0
        alone_since: float | None = None
        try:
            # wait() waits through the default client, the newest one in this process;
            # on another client's futures it would only return at each timeout
            with self._client.as_current():
                while pending:
                    try:
                        finished, pending = distributed.wait(pending, timeout=1.0,
                                                             return_when="FIRST_COMPLETED")
                    except TimeoutError:  # nothing finished this second
                        finished = set()
                    for fut in finished:
                        i = index[fut.key]
                        if fut.status != "finished":
                            raise ComputeFailed(
                                f"task {i + 1} of {len(futures)} ({_label(items[i])}) failed on "
                                f"the cluster: {fut.exception()!r}", item=_label(items[i]))
                        results[i] = fut.result()
                        done_count += 1
                        report(progress, done_count, len(futures))
                    if pending and not finished:
                        alone_since = self._check_workers(alone_since, len(pending))
        except BaseException:
            self._client.cancel(list(pending))
            raise
        return results

    def _check_workers(self, alone_since: float | None, pending: int) -> float | None:
        if self.workers():
            return None
        now = time.monotonic()
        if alone_since is None:
            return now
        if now - alone_since > self.lost_timeout:
            raise ComputeFailed(f"every Dask worker was lost; {pending} tasks could not run "
                                f"(waited {self.lost_timeout:g} s for a worker)",
                                address=self.address)
        return alone_since

    def close(self) -> None:
        """Close the client (and the local cluster it started, if any)."""
        self._client.close()


def _label(item: object) -> str:
    """Name a task's input for error messages (its county when it has one)."""
    for attr in ("county", "code"):
        value = getattr(item, attr, None)
        if isinstance(value, str):
            return value
    text = str(item)
    return text if len(text) <= 80 else text[:77] + "..."
