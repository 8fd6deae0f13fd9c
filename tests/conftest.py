"""Shared fixtures: a fresh workspace, a real PostgreSQL server, the unexpected-skip guard."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from onemap.store.workspace import Workspace

if TYPE_CHECKING:
    from collections.abc import Iterator

PG_BIN = Path("/usr/lib/postgresql/15/bin")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true",
                     help="rewrite golden files in tests/golden/ from current outputs")


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    """True when the run was asked to rewrite golden files."""
    return bool(request.config.getoption("--update-golden"))


@pytest.fixture
def workspace(tmp_path: Path) -> Iterator[Workspace]:
    """A fresh, empty SQLite-backed workspace."""
    ws = Workspace.create(tmp_path / "ws")
    yield ws
    ws.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def postgres_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Start a throwaway PostgreSQL 15 cluster on loopback; yield its SQLAlchemy URL."""
    if os.environ.get("ONEMAP_TEST_PG_URL"):
        yield os.environ["ONEMAP_TEST_PG_URL"]
        return
    if not (PG_BIN / "initdb").exists():
        pytest.fail("PostgreSQL 15 is not installed (make system installs postgresql-15-postgis-3)")
    # not under pytest's 0700 tmp dir: the postgres user must reach the data folder
    base = Path(tempfile.mkdtemp(prefix="onemap-pg-"))
    data = base / "data"
    run_as: list[str] = []
    if os.geteuid() == 0:  # initdb refuses to run as root
        shutil.chown(base, "postgres", "postgres")
        run_as = ["runuser", "-u", "postgres", "--"]
    port = _free_port()
    subprocess.run([*run_as, str(PG_BIN / "initdb"), "-D", str(data), "-A", "trust", "-U",
                    "onemap", "--no-sync"], check=True, capture_output=True)
    subprocess.run([*run_as, str(PG_BIN / "pg_ctl"), "-D", str(data), "-l", str(base / "log"),
                    "-o", f"-p {port} -k {base} -c listen_addresses=127.0.0.1 -c fsync=off",
                    "-w", "start"], check=True, capture_output=True)
    url = f"postgresql+psycopg://onemap@127.0.0.1:{port}/postgres"
    try:
        yield url
    finally:
        subprocess.run([*run_as, str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "immediate",
                        "stop"], capture_output=True)
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def fresh_database_url(postgres_url: str) -> str:
    """Create an empty database on the test cluster; return its SQLAlchemy URL."""
    import uuid

    from sqlalchemy import create_engine, text

    name = f"ws_{uuid.uuid4().hex[:8]}"
    admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name}"))
    admin.dispose()
    return postgres_url.rsplit("/", 1)[0] + f"/{name}"


_ALLOWED_SKIP = os.environ.get("ONEMAP_ALLOW_SKIPS") == "1"


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:  # type: ignore[no-untyped-def]
    """Fail the run on any unexpected skip (geopandas' SKIPPED guard)."""
    skipped = terminalreporter.stats.get("skipped", [])
    if skipped and not _ALLOWED_SKIP:
        terminalreporter.write_line(
            f"ERROR: {len(skipped)} test(s) skipped; CI treats a skip as a failure "
            "(set ONEMAP_ALLOW_SKIPS=1 to allow locally)", red=True)
        config._onemap_skips = len(skipped)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Turn unexpected skips into a failing exit status."""
    skipped = getattr(session.config, "_onemap_skips", 0)
    if skipped == 0 and not _ALLOWED_SKIP:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            skipped = len(reporter.stats.get("skipped", []))
    if skipped and exitstatus == 0:
        session.exitstatus = 1
