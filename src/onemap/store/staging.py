"""Staging folders of chunked imports, ``<workspace>/.import-staging/<owner>-<token>``.

An import stages validated features on disk until its one atomic write; the folder is
removed when the import ends. A killed import (``kill -9``, power loss) leaves its
folder behind, so every import first sweeps the stale ones: a folder is named
``<pid>@<host>-<token>`` and is stale when its process is gone on this host, or, for a
folder of another host or of an older onemap (``<token>`` only), when it has not
changed for :data:`STALE_AFTER_S`. Nothing else in the workspace reads these folders:
the catalog never points into them.
"""

from __future__ import annotations

import os
import shutil
import socket
import time
import uuid
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

STAGING_DIR = ".import-staging"
STALE_AFTER_S = 24 * 3600  # folders of unknown owners (other hosts, old names)


def new_staging_folder(root: Path) -> Path:
    """Return a fresh (not yet created) staging folder of this process under ``root``."""
    return root / STAGING_DIR / f"{os.getpid()}@{_host()}-{uuid.uuid4().hex}"


def owner_of(folder: Path) -> tuple[int, str] | None:
    """Return ``(pid, host)`` from a staging folder's name, or None for unknown names."""
    owner, sep, _token = folder.name.rpartition("-")
    pid, at, host = owner.partition("@")
    if not sep or not at or not pid.isdigit():
        return None
    return int(pid), host


def is_stale(folder: Path, *, now: float | None = None) -> bool:
    """Tell whether ``folder`` belongs to no running import (see the module docstring)."""
    owner = owner_of(folder)
    if owner is not None and owner[1] == _host() and not _alive(owner[0]):
        return True
    try:
        age = (time.time() if now is None else now) - folder.stat().st_mtime
    except OSError:
        return False  # removed meanwhile
    return age > STALE_AFTER_S


def sweep_stale(root: Path, *, now: float | None = None) -> list[Path]:
    """Remove the stale staging folders of the workspace at ``root``; return them."""
    base = root / STAGING_DIR
    if not base.is_dir():
        return []
    removed = []
    for entry in sorted(base.iterdir()):
        if entry.is_dir() and is_stale(entry, now=now):
            shutil.rmtree(entry, ignore_errors=True)
            if not entry.exists():
                removed.append(entry)
    return removed


def _host() -> str:
    return socket.gethostname().replace("-", "_").replace("@", "_") or "localhost"


def _alive(pid: int) -> bool:
    """Whether process ``pid`` exists on this host (conservatively True when unsure)."""
    if pid == os.getpid():
        return True
    if os.name == "nt":  # os.kill(pid, 0) would terminate the process on Windows
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # PermissionError: exists, belongs to another user
        return True
    return True
