"""Overviews (概略图): per-county class polygons generalised per zoom band, for low-zoom tiles.

A partition of a polygon kind with a class field (DLBM, ZONE, FXDJ) gets one overview
file, ``layers/<kind>/<vintage>/overviews/<county>-<token>.parquet``, holding for each
zoom band (:data:`BANDS`) the county's polygons dissolved by class and simplified as a
coverage (:func:`onemap.geometry.generalise.simplify_classes`), with the columns
``band``, the class field, ``county`` and ``tolerance``. Nothing else is kept: no
sensitive attribute reaches an overview.

The catalog records it (:class:`~onemap.store.schema.OverviewRow`) with the checksum of
the partition file it was made from; readers use an overview only while that equals the
partition's checksum, and a partition rewritten or removed takes its overview row (and
file) with it in the same transaction. Layer writes make overviews as they write each
partition (:meth:`Workspace.write_layer`, :meth:`Workspace.write_partitions`);
:func:`backfill_overviews` makes them for workspaces built before.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple, Protocol, TypeVar

import geopandas as gpd
import numpy as np
import pyarrow.parquet as pq
import shapely
from pydantic import BaseModel, Field
from sqlalchemy import select

from onemap.errors import InvalidInput
from onemap.geometry.generalise import dissolve_by_class, simplify_classes
from onemap.store.db import utc_now
from onemap.store.kinds import COUNTY_COLUMN, get_kind
from onemap.store.partitions import (
    GEOGRAPHIC_CRS,
    file_checksum,
    read_partition,
    write_partition,
)
from onemap.store.schema import LayerRow, OverviewRow, PartitionRow

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from onemap.store.models import PartitionInfo
    from onemap.store.workspace import Workspace

T = TypeVar("T")
R = TypeVar("R")

CLASS_FIELDS = ("DLBM", "ZONE", "FXDJ")
"""Fields that classify a polygon kind's features for the map (the classing ones of the
tile styling fields; XZQDM/XZQMC name one feature each, so dissolving by them changes
nothing). A polygon kind's overview dissolves by the first of these it has."""
OVERVIEW_DIR = "overviews"


@dataclass(frozen=True)
class OverviewBand:
    """A zoom band: tiles of zooms ``min_zoom``..``max_zoom`` share one generalisation."""

    name: str
    min_zoom: int
    max_zoom: int

    @property
    def pixel(self) -> float:
        """Longitude degrees per screen pixel (256-pixel tiles) at ``max_zoom``."""
        return float(360.0 / 2**self.max_zoom / 256.0)

    @property
    def tolerance(self) -> float:
        """Starting simplification tolerance: a quarter pixel at the band's deepest zoom."""
        return self.pixel / 4.0


BANDS = (OverviewBand("A", 6, 7), OverviewBand("B", 8, 9))


def band_for(pixel: float) -> OverviewBand | None:
    """Return the coarsest band fine enough for tiles of ``pixel`` degrees a pixel, or None.

    Examples
    --------
    >>> [getattr(band_for(360 / 2**z / 256), "name", None) for z in (5, 6, 7, 8, 9, 10)]
    ['A', 'A', 'A', 'B', 'B', None]
    """
    for band in BANDS:
        if pixel >= band.pixel * (1 - 1e-9):
            return band
    return None


def class_field(kind: str) -> str | None:
    """Return the field a polygon kind's overview dissolves by, or None (no overview).

    Examples
    --------
    >>> class_field("dltb"), class_field("nature_reserve"), class_field("hazard_point")
    ('DLBM', 'ZONE', None)
    """
    spec = get_kind(kind)
    if spec.geometry != "polygon":
        return None
    return next((f for f in CLASS_FIELDS if spec.spec(f) is not None), None)


# -- making overviews ---------------------------------------------------------------------
class WrittenOverview(NamedTuple):
    """An overview file written but not yet in the catalog (path relative to the root)."""

    path: Path
    rows: int
    checksum: str
    source_checksum: str
    tolerance: float
    area_error: float


def make_overview(frame: gpd.GeoDataFrame, kind: str, county: str
                  ) -> tuple[gpd.GeoDataFrame, float, float] | None:
    """Return one county's overview frame, its finest tolerance and worst area error.

    None when the kind has no class field (or the frame lacks it). One dissolve serves
    every band; each band is simplified from it with its own starting tolerance.
    """
    field = class_field(kind)
    if field is None or field not in frame.columns:
        return None
    codes, dissolved, coverage = dissolve_by_class(frame.geometry.to_numpy(),
                                                   frame[field].to_numpy())
    rows: dict[str, list[object]] = {"band": [], field: [], COUNTY_COLUMN: [],
                                     "tolerance": [], "geometry": []}
    finest, worst = float("inf"), 0.0
    for band in BANDS:
        out = simplify_classes(codes, dissolved, band.tolerance, coverage=coverage)
        keep = ~(shapely.is_empty(out.geometries) | shapely.is_missing(out.geometries))
        n = int(keep.sum())
        rows["band"] += [band.name] * n
        rows[field] += [c or None for c in out.classes[keep]]
        rows[COUNTY_COLUMN] += [county] * n
        rows["tolerance"] += [out.tolerance] * n
        rows["geometry"] += list(out.geometries[keep])
        finest, worst = min(finest, out.tolerance), max(worst, out.area_error)
    gdf = gpd.GeoDataFrame(rows, geometry="geometry", crs=GEOGRAPHIC_CRS)
    return gdf, (finest if finest != float("inf") else 0.0), worst


def overview_path(kind: str, year: int, county: str) -> Path:
    """Return a fresh overview file path (relative to the workspace root)."""
    return Path("layers", kind, str(year), OVERVIEW_DIR,
                f"{county}-{uuid.uuid4().hex[:12]}.parquet")


def write_overview(frame: gpd.GeoDataFrame, kind: str, year: int, county: str,
                   source_checksum: str, root: Path) -> WrittenOverview | None:
    """Make and write the overview of one partition's ``frame`` under ``root``, or None."""
    made = make_overview(frame, kind, county)
    if made is None:
        return None
    gdf, tolerance, error = made
    rel = overview_path(kind, year, county)
    checksum = write_partition(gdf, root / rel)
    return WrittenOverview(rel, len(gdf), checksum, source_checksum, tolerance, error)


def new_overview_row(w: WrittenOverview) -> OverviewRow:
    """Return the catalog row recording ``w`` (attach it to its partition row)."""
    return OverviewRow(source_checksum=w.source_checksum, path=w.path.as_posix(), rows=w.rows,
                       checksum=w.checksum, tolerance=w.tolerance, area_error=w.area_error)


# -- reading overviews --------------------------------------------------------------------
@dataclass
class OverviewBandFrame:
    """One band of an overview, exploded to polygon parts with a spatial index."""

    geometries: np.ndarray  # polygons (parts of the class multipolygons)
    classes: np.ndarray  # class per part (object; None when missing)
    sizes: np.ndarray  # longer bbox side per part (degrees): size floors, largest first
    tree: shapely.STRtree

    def query(self, bbox: tuple[float, float, float, float]) -> np.ndarray:
        """Return sorted part positions whose bounding box meets ``bbox``."""
        return np.sort(self.tree.query(shapely.box(*bbox)))


@dataclass
class OverviewPartition:
    """A decoded overview file: its bands and the class field it holds."""

    field: str
    bands: dict[str, OverviewBandFrame]
    nbytes: int


def read_overview(path: Path) -> OverviewPartition:
    """Decode an overview file into per-band parts with STRtrees.

    Parts under half a pixel at the band's deepest zoom are left out: no tile of the band
    draws them (:func:`onemap.api.ogc.tiles.render_tile` drops them too); the file keeps
    them, so its class areas stay whole.
    """
    names = pq.read_schema(path).names
    field = next(f for f in CLASS_FIELDS if f in names)
    frame = read_partition(path, columns=["band", field])
    bands: dict[str, OverviewBandFrame] = {}
    nbytes = 0
    for band in BANDS:
        sel = (frame["band"] == band.name).to_numpy()
        parts, index = shapely.get_parts(frame.geometry.to_numpy()[sel], return_index=True)
        codes = frame[field].to_numpy(dtype=object)[sel][index]
        b = shapely.bounds(parts).reshape(-1, 4)
        sizes = np.maximum(b[:, 2] - b[:, 0], b[:, 3] - b[:, 1])
        drawn = sizes >= band.pixel / 2
        parts, codes, sizes = parts[drawn], codes[drawn], sizes[drawn]
        bands[band.name] = OverviewBandFrame(parts, codes, sizes, shapely.STRtree(parts))
        nbytes += int(shapely.get_num_coordinates(parts).sum()) * 16 + len(parts) * 240
    return OverviewPartition(field, bands, nbytes)


def current_overview(part: PartitionInfo) -> bool:
    """Tell whether ``part`` has an overview made from its present file."""
    return part.overview is not None and part.overview.source_checksum == part.checksum


# -- backfill -----------------------------------------------------------------------------
class PartitionMapper(Protocol):
    """What maps a kernel over counties (an :class:`onemap.compute.Executor`)."""

    def map(self, kernel: Callable[[T], R], items: Sequence[T], *,
            progress: Callable[[int, int], None] | None = None) -> list[R]:
        """Run ``kernel(item)`` for every item; results in input order."""
        ...


@dataclass(frozen=True)
class OverviewTask:
    """One partition to make an overview for (picklable, for process and Dask workers)."""

    root: str
    kind: str
    year: int
    county: str
    path: str
    checksum: str


def run_overview_task(task: OverviewTask) -> WrittenOverview | None:
    """Kernel: read one partition, write its overview file (not the catalog).

    None when the file no longer has the checksum the catalog gave (rewritten meanwhile).
    Memory follows this one county.
    """
    root = Path(task.root)
    source = root / task.path
    if not source.exists() or file_checksum(source) != task.checksum:
        return None
    field = class_field(task.kind)
    frame = read_partition(source, columns=[field] if field else [])
    return write_overview(frame, task.kind, task.year, task.county, task.checksum, root)


class OverviewBackfill(BaseModel):
    """What ``onemap layers overviews`` did (概略图补建)."""

    kind: str
    vintage: int
    counties: int = Field(description="partitions of the layer vintage")
    made: list[str] = Field(default_factory=list, description="counties given an overview")
    current: int = Field(0, description="partitions whose overview was already current")
    skipped: list[str] = Field(default_factory=list,
                               description="counties rewritten while the backfill ran")
    area_error: float = Field(0.0, description="largest relative class-area change made")
    seconds: float = 0.0


def backfill_overviews(ws: Workspace, kind: str, vintage: int, *,
                       executor: PartitionMapper | None = None, batch: int = 8,
                       progress: Callable[[int, int, str], None] | None = None,
                       actor: str = "system") -> OverviewBackfill:
    """Make the missing or stale overviews of layer ``kind``/``vintage``.

    Counties go through ``executor`` (one task per county, memory per worker follows the
    county) in batches of ``batch``; each batch is recorded in one catalog transaction,
    only for partitions whose checksum is still the one the overview was made from, so a
    killed run keeps the finished batches and a second run does nothing more. A batch
    that records overviews moves the layer's revision, so running servers pick them up.
    """
    if class_field(kind) is None:
        raise InvalidInput(f"layer kind {kind} has no class field ({', '.join(CLASS_FIELDS)})"
                           " to make overviews by",
                           user_message=f"图层类型 {kind} 没有分类字段, 不能生成概略图")
    t0 = time.perf_counter()
    year = ws.layer(kind, vintage).vintage
    parts = ws.partitions(kind, year)
    todo = [OverviewTask(str(ws.root), kind, year, p.county, p.path, p.checksum)
            for p in parts if not current_overview(p)]
    result = OverviewBackfill(kind=kind, vintage=year, counties=len(parts),
                              current=len(parts) - len(todo))
    done = 0
    for start in range(0, len(todo), max(1, batch)):
        chunk = todo[start:start + max(1, batch)]

        def tick(n: int, _total: int, base: int = done, last: str = chunk[-1].county) -> None:
            if progress:  # completions arrive in any order: label the batch by its last
                progress(base + n, len(todo), last)

        if executor is not None:
            written = executor.map(run_overview_task, chunk, progress=tick)
        else:
            written = []
            for i, task in enumerate(chunk, start=1):
                written.append(run_overview_task(task))
                tick(i, len(chunk))
        made, skipped = _record(ws, kind, year, chunk, written, actor)
        result.made += made
        result.skipped += skipped
        result.area_error = max([result.area_error] + [w.area_error for w in written if w])
        done += len(chunk)
    result.seconds = round(time.perf_counter() - t0, 3)
    return result


def _record(ws: Workspace, kind: str, year: int, tasks: list[OverviewTask],
            written: list[WrittenOverview | None], actor: str) -> tuple[list[str], list[str]]:
    """Record one batch's overviews in one transaction; delete the files not recorded."""
    made: list[str] = []
    skipped: list[str] = []
    obsolete: list[str] = []
    unused: list[Path] = []
    try:
        with ws.session() as s:
            layer = s.scalars(select(LayerRow).where(LayerRow.kind == kind,
                                                     LayerRow.vintage == year)).one()
            rows = {p.county: p for p in s.scalars(
                select(PartitionRow).where(PartitionRow.layer_id == layer.id))}
            for task, w in zip(tasks, written, strict=True):
                row = rows.get(task.county)
                if w is None or row is None or row.checksum != w.source_checksum:
                    skipped.append(task.county)
                    if w is not None:
                        unused.append(w.path)
                    continue
                if row.overview is not None:  # delete first: one overview per partition
                    obsolete.append(row.overview.path)
                    s.delete(row.overview)
                    s.flush()
                row.overview = new_overview_row(w)
                made.append(task.county)
            if made:  # readers re-read the catalog when a layer's revision moves
                layer.revision += 1
                layer.updated_at = utc_now()
                ws._audit(s, actor, "layer.overviews", f"{kind}/{year}",
                          {"counties": made, "skipped": skipped})
    except BaseException:
        unused += [w.path for w in written if w is not None]
        raise
    finally:
        for rel in unused:
            (ws.root / rel).unlink(missing_ok=True)
    for old in obsolete:
        (ws.root / old).unlink(missing_ok=True)
    return made, skipped
