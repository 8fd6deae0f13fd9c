"""A real Dask cluster for tests: ``dask scheduler`` and ``dask worker`` processes on loopback."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field

import pytest


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
        from distributed import Client

        with Client(self.address, timeout=timeout) as client:
            client.wait_for_workers(n, timeout=timeout)

    def alive(self) -> list[subprocess.Popen[bytes]]:
        return [w for w in self.workers if w.poll() is None]

    def stop(self) -> None:
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
    """Start a scheduler and ``workers`` single-threaded workers; return once all joined."""
    pytest.importorskip("distributed", reason="the 'dask' extra is not installed")
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
