"""The county jobs on a real Dask cluster: a ``dask scheduler`` and two ``dask worker`` processes.

Demo generation, QC, statistics and the vintage diff run with ``--cluster tcp://...`` on a
workspace folder the workers share, and give the same bytes and the same JSON as the local run.
A worker killed mid-job (SIGKILL, no nanny to restart it) loses no county and counts none
twice; when every worker is gone the job fails with a clear error and writes nothing.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from typing import TYPE_CHECKING, Any

import pytest
from tests.integration.test_demo_parallel import _layer_bytes

from onemap.testing.cluster import Cluster, start_cluster

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

pytest.importorskip("distributed", reason="the 'dask' extra is not installed")

COUNTIES = "360111,360121,360124,360722"
VOLATILE = {"id", "started_at", "finished_at", "created_at", "seconds", "actor", "workspace",
            "truth_path", "bytes", "workers", "picture_path"}


def _cli(*args: str) -> Any:
    """Run ``onemap ARGS --json`` in a fresh process; return the parsed JSON."""
    proc = subprocess.run([sys.executable, "-m", "onemap.cli.main", *args, "--json"],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout)


def _stable(value: Any) -> Any:
    """The JSON without run ids, times and paths (what may differ between two runs)."""
    if isinstance(value, dict):
        return {k: _stable(v) for k, v in value.items() if k not in VOLATILE}
    if isinstance(value, list):
        return [_stable(v) for v in value]
    return value


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    c = start_cluster(2)
    try:
        yield c
    finally:
        c.stop()


@pytest.fixture(scope="module")
def pair(cluster: Cluster, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The same demo built locally (one process) and on the cluster."""
    base = tmp_path_factory.mktemp("dask")
    local, remote = base / "local", base / "cluster"
    _cli("demo", str(local), "--scale", "tiny", "--counties", COUNTIES, "--no-picture",
         "--workers", "1")
    _cli("demo", str(remote), "--scale", "tiny", "--counties", COUNTIES, "--no-picture",
         "--cluster", cluster.address)
    return local, remote


def test_demo_on_the_cluster_writes_the_same_bytes(pair: tuple[Path, Path]) -> None:
    local, remote = pair
    a, b = _layer_bytes(local), _layer_bytes(remote)  # also: no orphan partition files
    assert len(a) >= 4 * 10 and a == b
    assert {k[2] for k in a} >= set(COUNTIES.split(","))
    assert (local / "truth" / "changes.parquet").read_bytes() == \
        (remote / "truth" / "changes.parquet").read_bytes()
    assert not list(remote.glob(".demo-context-*"))  # the shared context file is removed


@pytest.mark.parametrize("job", [
    ("qc", "--kind", "dltb", "--vintage", "2020"),
    ("stats", "--vintage", "2020"),
    ("change", "--from", "2019", "--to", "2020"),
])
def test_jobs_on_the_cluster_give_the_local_results(pair: tuple[Path, Path], cluster: Cluster,
                                                    job: tuple[str, ...]) -> None:
    local, remote = pair
    command, *options = job
    here = _cli(command, str(local), *options)
    there = _cli(command, str(remote), *options, "--cluster", cluster.address)
    assert _stable(here) == _stable(there)
    assert here  # a real result, not two empty ones
    if command == "stats":
        assert {r["admin_code"] for r in here if r["level"] == "county"} == \
            set(COUNTIES.split(","))


def _qc_runs(root: Path) -> int:
    from onemap.quality.service import list_runs
    from onemap.store.workspace import Workspace
    from onemap.users.identity import local_operator

    ws = Workspace.open(root)
    try:
        return len(list_runs(ws, actor=local_operator(ws)))
    finally:
        ws.close()


def _qc_with_a_kill(root: Path, address: str, *, kill_all: bool) -> Any:
    """QC of DLTB 2020 on the cluster; as soon as a worker is running a county, SIGKILL it
    (or every worker); return the report (or raise what the job raised)."""
    from concurrent.futures import ThreadPoolExecutor

    from distributed import Client

    from onemap.compute.dask import DaskExecutor
    from onemap.quality.service import run_quality_checks
    from onemap.store.workspace import Workspace
    from onemap.users.identity import local_operator

    def job() -> Any:
        ws = Workspace.open(root)
        try:
            with DaskExecutor(address, lost_timeout=3.0) as executor:
                return run_quality_checks(ws, "dltb", 2020, actor=local_operator(ws),
                                          executor=executor)
        finally:
            ws.close()

    with Client(address) as spy, ThreadPoolExecutor(1) as pool:
        pids = spy.run(os.getpid)  # worker address → process id
        running = pool.submit(job)
        busy: list[str] = []
        while not busy and not running.done():  # a county is on a worker right now
            busy = [a for a, keys in spy.processing().items() if keys]
        assert busy, "the job finished before any worker could be killed"
        for addr in (list(pids) if kill_all else busy[:1]):
            os.kill(int(pids[addr]), signal.SIGKILL)
        return running.result(timeout=300)


def test_a_killed_worker_loses_no_county(pair: tuple[Path, Path], tmp_path: Path) -> None:
    local, remote = pair
    expected = _cli("qc", str(local), "--kind", "dltb", "--vintage", "2020")
    c = start_cluster(2)
    try:
        report = _qc_with_a_kill(remote, c.address, kill_all=False)
        assert len(c.alive()) == 1  # the job finished on the survivor
    finally:
        c.stop()
    got = json.loads(report.model_dump_json())
    assert sorted(got["run"]["counties"]) == sorted(COUNTIES.split(","))
    assert _stable(got) == _stable(expected)  # every county once: same findings and counts


def test_losing_every_worker_fails_clearly_and_writes_nothing(pair: tuple[Path, Path]) -> None:
    from onemap.errors import ComputeFailed

    _, remote = pair
    before = _qc_runs(remote)
    c = start_cluster(1)
    try:
        with pytest.raises(ComputeFailed, match="every Dask worker was lost"):
            _qc_with_a_kill(remote, c.address, kill_all=True)
    finally:
        c.stop()
    assert _qc_runs(remote) == before


def test_an_unreachable_scheduler_is_a_clear_error(pair: tuple[Path, Path]) -> None:
    _, remote = pair
    proc = subprocess.run([sys.executable, "-m", "onemap.cli.main", "stats", str(remote),
                           "--cluster", "tcp://127.0.0.1:9", "--json"],
                          capture_output=True, text=True, timeout=120,
                          env={**os.environ, "DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT": "3s"})
    assert proc.returncode == 17, proc.stderr[-1500:]
    assert json.loads(proc.stdout)["error"]["code"] == "compute_failed"
    assert "Traceback" not in proc.stderr


def test_the_executor_waits_on_its_own_client(cluster: Cluster) -> None:
    """``distributed.wait`` waits through the default client, the newest one in the process;
    on another client's futures it only returns at each 1-s timeout. With a Client opened
    after the executor, the executor's waits must still go through its own client."""
    from distributed import Client, default_client

    from onemap.compute.dask import DaskExecutor

    with DaskExecutor(cluster.address) as executor, Client(cluster.address) as newer:
        assert default_client() is newer  # outside map: Dask's default is the newest
        seen: list[object] = []
        result = executor.map(abs, [-1, -2, -3], progress=lambda d, t: seen.append(
            default_client()))
    assert result == [1, 2, 3]
    assert len(seen) == 3 and all(c is executor._client for c in seen)
