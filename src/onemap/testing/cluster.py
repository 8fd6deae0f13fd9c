"""A real Dask cluster on loopback: ``dask scheduler`` and ``dask worker`` processes.

Used by the cluster integration tests and the cluster benchmarks. Each process is started
with Dask's own CLI (``python -m dask scheduler`` / ``python -m dask worker``), so the
cluster is the one a deployment runs, not an in-process imitation. Needs the ``dask`` extra.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from typing import Any

from onemap.errors import MissingDependency


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Cluster:
    """The scheduler's address and the worker processes (their own CLI, separate processes)."""

    address: str
    scheduler: subprocess.Popen[bytes]
    workers: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def add_worker(self) -> subprocess.Popen[bytes]:
        """Start one more ``dask worker`` (no nanny: a killed worker stays dead)."""
        proc = subprocess.Popen(
            [sys.executable, "-m", "dask", "worker", self.address, "--nthreads", "1",
             "--no-nanny", "--no-dashboard", "--memory-limit", "0", "--host", "127.0.0.1"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=_env())
        self.workers.append(proc)
        return proc

    def wait_for(self, n: int, timeout: float = 60.0) -> None:
        """Block until the scheduler sees ``n`` workers."""
        import distributed

        make_client: Any = distributed.Client  # untyped library
        with make_client(self.address, timeout=timeout) as client:
            client.wait_for_workers(n, timeout=timeout)

    def alive(self) -> list[subprocess.Popen[bytes]]:
        """Return the worker processes still running."""
        return [w for w in self.workers if w.poll() is None]

    def stop(self) -> None:
        """Stop the workers and the scheduler (SIGTERM, then SIGKILL after 10 s)."""
        for proc in [*self.workers, self.scheduler]:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in [*self.workers, self.scheduler]:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("DASK_DISTRIBUTED__WORKER__DAEMON", "False")
    return env


def start_cluster(workers: int = 2) -> Cluster:
    """Start a scheduler and ``workers`` single-threaded workers; return once all joined.

    Raises
    ------
    MissingDependency
        The ``dask`` extra (``distributed``) is not installed.
    RuntimeError
        The scheduler did not start within 60 s.
    """
    try:
        import distributed  # noqa: F401
    except ImportError:
        raise MissingDependency(
            "a Dask cluster needs the 'dask' extra: pip install 'onemap[dask]'",
            package="dask", extra="dask") from None
    port = _free_port()
    sched = subprocess.Popen(
        [sys.executable, "-m", "dask", "scheduler", "--host", "127.0.0.1", "--port", str(port),
         "--no-dashboard"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=_env())
    cluster = Cluster(address=f"tcp://127.0.0.1:{port}", scheduler=sched)
    try:
        deadline = time.monotonic() + 60
        while True:  # the scheduler's port answers
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or sched.poll() is not None:
                    raise RuntimeError("the dask scheduler did not start") from None
                time.sleep(0.2)
        for _ in range(workers):
            cluster.add_worker()
        cluster.wait_for(workers)
    except BaseException:
        cluster.stop()
        raise
    return cluster
