"""Remove what killed writes left in a workspace (孤立文件清理): staging folders, partition files.

Two kinds of leftovers exist:

* staging folders ``.import-staging/<pid>@<host>-<token>`` of imports and layer writes that
  were killed (``kill -9``, power loss) while writing partitions — swept by the rules of
  :mod:`onemap.store.staging` (owner gone on this host, or unchanged for a day);
* partition files (and overview files, :mod:`onemap.store.overviews`) under ``layers/``
  that the catalog does not list: left by older onemap
  versions (which wrote partitions in place), by a process killed in the milliseconds
  between moving its files in and committing the catalog, or by a multi-process write
  (:meth:`~onemap.store.workspace.Workspace.write_partitions`) whose committer died. They
  are removed once unchanged for :data:`~onemap.store.staging.STALE_AFTER_S`, so files a
  running writer has not committed yet are never touched.

:meth:`Workspace.open <onemap.store.workspace.Workspace.open>` runs the sweep; ``onemap qc``
reports what it removed.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel, Field
from sqlalchemy import select

from onemap.store.schema import OverviewRow, PartitionRow
from onemap.store.staging import STALE_AFTER_S, sweep_stale

if TYPE_CHECKING:
    from onemap.store.workspace import Workspace

LAYERS_DIR = "layers"
PARTITION_SUFFIXES = (".parquet",)


class OrphanSweep(BaseModel):
    """What one sweep removed (paths relative to the workspace)."""

    staging: list[str] = Field(default_factory=list, description="stale staging folders")
    partitions: list[str] = Field(default_factory=list,
                                  description="partition files the catalog does not list")

    @property
    def removed(self) -> int:
        """Number of folders and files removed."""
        return len(self.staging) + len(self.partitions)


def unreferenced_partitions(ws: Workspace) -> list[Path]:
    """Partition and overview files under ``layers/`` no catalog row points to (absolute)."""
    base = ws.root / LAYERS_DIR
    if not base.is_dir():
        return []
    with ws.session() as s:
        known = {Path(p) for p in s.scalars(select(PartitionRow.path))}
        known |= {Path(p) for p in s.scalars(select(OverviewRow.path))}
    return sorted(f for f in base.rglob("*") if f.is_file()
                  and f.name.endswith(PARTITION_SUFFIXES) and f.relative_to(ws.root) not in known)


def sweep_orphans(ws: Workspace, *, now: float | None = None,
                  grace_s: float = STALE_AFTER_S) -> OrphanSweep:
    """Remove stale staging folders and unreferenced partition files older than ``grace_s``."""
    now = time.time() if now is None else now
    staging = [p.relative_to(ws.root).as_posix() for p in sweep_stale(ws.root, now=now)]
    partitions = []
    for f in unreferenced_partitions(ws):
        try:
            if now - f.stat().st_mtime <= grace_s:
                continue
            f.unlink()
        except OSError:
            continue  # removed meanwhile, or not ours to remove
        partitions.append(f.relative_to(ws.root).as_posix())
    return OrphanSweep(staging=staging, partitions=partitions)
