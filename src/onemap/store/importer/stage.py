"""Import steps 4 and 5, stage and commit: hold validated features, then write them at once.

:class:`Staging` keeps validated features until the one atomic write: in memory, or per
county on disk for files read in chunks (so memory follows the chunk and the largest
county, not the file). :func:`commit` hands them to :meth:`Workspace.write_layer`
(new partition files switched in one catalog transaction) and audits the import.
"""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

import geopandas as gpd
import pandas as pd

from onemap.store.kinds import COUNTY_COLUMN
from onemap.store.staging import new_staging_folder

if TYPE_CHECKING:
    from onemap.store.access import Actor
    from onemap.store.formats.models import ImportRequest, SourceInfo
    from onemap.store.models import LayerInfo
    from onemap.store.workspace import Workspace

Progress = Callable[[int, int, str], None]


class Staging:
    """Validated features waiting for the one atomic write: in memory, or per county on disk.

    On disk they go to ``<workspace>/.import-staging/<pid>@<host>-<token>/<county>/<n>.parquet``
    and are removed on exit, whatever happens; a killed import's folder is swept by the
    next import (:mod:`onemap.store.staging`). With ``discard`` (a dry run) features are
    counted and nothing is kept.
    """

    def __init__(self, ws: Workspace, *, in_memory: bool, discard: bool = False) -> None:
        self.in_memory = in_memory
        self.discard = discard
        self.folder = new_staging_folder(ws.root)
        self.frames: list[gpd.GeoDataFrame] = []
        self.rows = 0
        self.counties: set[str] = set()
        self._n = 0

    def __enter__(self) -> Staging:
        return self

    def __exit__(self, *exc: object) -> None:
        self.frames.clear()
        shutil.rmtree(self.folder, ignore_errors=True)
        with contextlib.suppress(OSError):
            self.folder.parent.rmdir()  # only when no other import is staging

    def add(self, frame: gpd.GeoDataFrame) -> None:
        """Stage validated features (with their ``county`` column)."""
        self.rows += len(frame)
        self.counties.update(str(c) for c in frame[COUNTY_COLUMN].unique())
        if self.discard:
            return
        if self.in_memory:
            self.frames.append(frame)
            return
        for county, part in frame.groupby(COUNTY_COLUMN, sort=False):
            target = self.folder / str(county) / f"{self._n:08d}.parquet"
            target.parent.mkdir(parents=True, exist_ok=True)
            part.to_parquet(target, index=False)
            self._n += 1

    def parts(self) -> Iterator[gpd.GeoDataFrame]:
        """Yield whole-county frames (one frame in memory mode; nothing when discarding)."""
        if self.discard:
            return
        if self.in_memory:
            yield from self.frames
            return
        for county in sorted(self.counties):
            files = sorted((self.folder / county).glob("*.parquet"))
            frames = [gpd.read_parquet(f) for f in files]
            yield frames[0] if len(frames) == 1 else gpd.GeoDataFrame(
                pd.concat(frames, ignore_index=True), geometry="geometry", crs=frames[0].crs)


def commit(ws: Workspace, request: ImportRequest, staged: Staging, *, source: SourceInfo,
           fingerprint: str, actor: Actor, counts: dict[str, int],
           progress: Progress | None = None) -> LayerInfo:
    """Write the staged features as layer ``request.kind``/``vintage`` and audit the import.

    ``counts`` (rejected, repaired) go into the audit entry. The layer's source is
    ``request.source_name`` for uploads, else the file's resolved path.
    """
    info = ws.write_layer(request.kind, request.vintage, staged.parts(), replace=request.replace,
                          source_path=request.source_name or str(request.path.resolve()),
                          source_crs=source.crs, source_encoding=source.encoding,
                          source_checksum=fingerprint, actor=actor.username,
                          progress=progress)
    ws.audit(actor.username, "layer.import", f"{request.kind}/{info.vintage}", {
        "path": request.display_name, "features": staged.rows, **counts,
        "crs": source.crs, "encoding": source.encoding})
    return info
