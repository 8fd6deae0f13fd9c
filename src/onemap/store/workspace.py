"""The workspace: a folder with ``onemap.toml``, the catalog database and layer partitions."""

from __future__ import annotations

import os
import secrets
import shutil
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, cast

import geopandas as gpd
import pandas as pd
from sqlalchemy import Engine, Table, func, insert, select, update
from sqlalchemy.orm import Session, selectinload

from onemap.errors import (
    CrsError,
    ImportRejected,
    NotFound,
    ScopeViolation,
    WorkspaceError,
)
from onemap.geometry.area import ellipsoidal_area
from onemap.geometry.bbox import BBox, bboxes_meet
from onemap.standards.regions import DEFAULT_ROOT_REGION
from onemap.store import audit_chain, policy
from onemap.store.config import (
    CATALOG_FILE,
    CONFIG_FILE,
    WorkspaceConfig,
    create_private_catalog,
    load_config,
    save_config,
    tighten_modes,
)
from onemap.store.counties import assign_counties
from onemap.store.db import make_engine, session_factory, transaction, upgrade_schema
from onemap.store.db import utc_now as _now
from onemap.store.kinds import COUNTY_COLUMN, LayerKind, get_kind
from onemap.store.models import (
    AuditEntry,
    AuditVerification,
    LayerInfo,
    OverviewInfo,
    PartitionInfo,
)
from onemap.store.overviews import WrittenOverview, new_overview_row, write_overview
from onemap.store.partitions import (
    GEOGRAPHIC_CRS,
    read_partition,
    sort_spatially,
    write_partition,
)
from onemap.store.schema import AuditHeadRow, AuditRow, LayerRow, PartitionRow
from onemap.store.staging import new_staging_folder

if TYPE_CHECKING:
    from onemap.store.access import Actor
    from onemap.store.orphans import OrphanSweep

Progress = Callable[[int, int, str], None]


class WrittenPartition(NamedTuple):
    """A partition file written but not yet in the catalog (path relative to the root)."""

    county: str
    path: Path
    rows: int
    area_m2: float
    bbox: BBox
    checksum: str
    overview: WrittenOverview | None = None  # its overview file, for kinds with a class field


class Workspace:
    """A onemap workspace folder.

    Create one with :meth:`create`, open an existing one with :meth:`open`.
    Layer data lives in ``layers/<kind>/<vintage>/<county>-<token>.parquet``;
    the catalog switches to new files in one transaction, so a failed write
    leaves the previous state intact.
    """

    def __init__(self, root: Path, config: WorkspaceConfig, engine: Engine) -> None:
        self.root = root
        self.config = config
        self.engine = engine
        self._sessions = session_factory(engine)
        self.swept: OrphanSweep | None = None  # what :meth:`open` cleaned (onemap qc shows it)

    # -- lifecycle -----------------------------------------------------------------
    @classmethod
    def create(
        cls,
        root: str | Path,
        *,
        name: str | None = None,
        root_region: str = DEFAULT_ROOT_REGION,
        database_url: str = "",
    ) -> Workspace:
        """Create a new workspace in ``root`` (an empty or missing folder)."""
        root = Path(root).resolve()
        if (root / CONFIG_FILE).exists():
            raise WorkspaceError("a workspace already exists here", path=str(root))
        root.mkdir(parents=True, exist_ok=True)
        config = WorkspaceConfig(
            name=name or root.name,
            root_region=root_region,
            database_url=database_url,
            secret_key=secrets.token_hex(32),
        )
        create_private_catalog(root, database_url)  # mode 600 before SQLite opens it
        engine = make_engine(database_url or f"sqlite:///{root / CATALOG_FILE}")
        upgrade_schema(engine)
        save_config(root, config)
        (root / "layers").mkdir(exist_ok=True)
        return cls(root, config, engine)

    @classmethod
    def open(cls, root: str | Path) -> Workspace:
        """Open the workspace in ``root`` and migrate its catalog to the newest schema."""
        root = Path(root).resolve()
        config = load_config(root)
        tighten_modes(root, config.database_url)  # secrets: mode 600, logged if changed
        engine = make_engine(config.database_url or f"sqlite:///{root / CATALOG_FILE}")
        upgrade_schema(engine)
        ws = cls(root, config, engine)
        ws.swept = ws.sweep_orphans()
        return ws

    def sweep_orphans(self, *, grace_s: float | None = None,
                      actor: str = "system") -> OrphanSweep:
        """Remove what killed writes left (:mod:`onemap.store.orphans`); audit it if any.

        ``grace_s``: age after which an unreferenced partition file is an orphan (default
        :data:`~onemap.store.staging.STALE_AFTER_S`; ``onemap qc`` uses an hour).
        """
        from onemap.store.orphans import OrphanSweep, sweep_orphans
        from onemap.store.staging import STALE_AFTER_S

        try:
            swept = sweep_orphans(self, grace_s=STALE_AFTER_S if grace_s is None else grace_s)
        except OSError:  # a read-only workspace folder: nothing to clean from here
            return OrphanSweep()
        if swept.removed:
            self.audit(actor, "workspace.orphans_swept", "layers", swept.model_dump())
        return swept

    def close(self) -> None:
        """Release database connections."""
        self.engine.dispose()

    @contextmanager
    def session(self) -> Iterator[Session]:
        """Yield a catalog session inside one transaction."""
        with transaction(self._sessions) as session:
            yield session

    # -- catalog queries -----------------------------------------------------------
    def list_layers(self) -> list[LayerInfo]:
        """Return every layer vintage, ordered by kind and vintage."""
        with self.session() as s:
            rows = s.scalars(
                select(LayerRow).options(selectinload(LayerRow.partitions))
                .order_by(LayerRow.kind, LayerRow.vintage)
            ).all()
            return [self._info(r) for r in rows]

    def layer(self, kind: str, vintage: int | None = None) -> LayerInfo:
        """Return one layer vintage (the latest if ``vintage`` is None)."""
        with self.session() as s:
            return self._info(self._layer_row(s, kind, vintage))

    def vintages(self, kind: str) -> list[int]:
        """Return the vintages held for ``kind``, oldest first."""
        with self.session() as s:
            return list(s.scalars(
                select(LayerRow.vintage).where(LayerRow.kind == kind).order_by(LayerRow.vintage)
            ))

    def latest_vintage(self, kind: str) -> int | None:
        """Return the newest vintage of ``kind`` or None."""
        found = self.vintages(kind)
        return found[-1] if found else None

    def has_layer(self, kind: str, vintage: int | None = None) -> bool:
        """Tell whether a layer vintage exists."""
        try:
            self.layer(kind, vintage)
        except NotFound:
            return False
        return True

    def partitions(
        self,
        kind: str,
        vintage: int | None = None,
        *,
        counties: list[str] | None = None,
        bbox: BBox | None = None,
    ) -> list[PartitionInfo]:
        """Return the partitions of a layer vintage, optionally filtered by county or bbox."""
        with self.session() as s:
            row = self._layer_row(s, kind, vintage)
            parts = [self._part(p) for p in sorted(row.partitions, key=lambda p: p.county)]
        if counties is not None:
            wanted = set(counties)
            parts = [p for p in parts if p.county in wanted]
        if bbox is not None:
            parts = [p for p in parts if bboxes_meet(p.bbox, bbox)]
        return parts

    def read_layer(
        self,
        kind: str,
        vintage: int | None = None,
        *,
        counties: list[str] | None = None,
        bbox: BBox | None = None,
        columns: list[str] | None = None,
    ) -> gpd.GeoDataFrame:
        """Read a layer vintage (EPSG:4490) with its ``county`` column."""
        parts = self.partitions(kind, vintage, counties=counties, bbox=bbox)
        frames = [read_partition(self.root / p.path, bbox=bbox, columns=columns) for p in parts]
        frames = [f for f in frames if len(f)]
        if not frames:
            return self._empty_frame(kind, columns)
        out = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
        return gpd.GeoDataFrame(out, geometry="geometry", crs=GEOGRAPHIC_CRS)

    def read_partition(self, part: PartitionInfo, **kwargs: Any) -> gpd.GeoDataFrame:
        """Read one partition returned by :meth:`partitions`."""
        return read_partition(self.root / part.path, **kwargs)

    # -- writes --------------------------------------------------------------------
    def write_layer(
        self,
        kind: str,
        vintage: int | None,
        gdf: gpd.GeoDataFrame | Iterable[gpd.GeoDataFrame],
        *,
        replace: bool = False,
        source_path: str = "",
        source_crs: str = GEOGRAPHIC_CRS,
        source_encoding: str = "",
        source_checksum: str = "",
        title: str = "",
        actor: str = "system",
        progress: Progress | None = None,
    ) -> LayerInfo:
        """Store ``gdf`` as layer ``kind``/``vintage``, partitioned by county, atomically.

        The counties present in ``gdf`` replace their previous partitions; other
        counties stay unless ``replace`` is true. Nothing changes if any step fails.
        ``gdf`` may also be an iterable of frames, each holding whole counties (no county
        in two frames), consumed one at a time so peak memory follows the largest one.
        """
        spec = get_kind(kind)
        year = self._vintage_for(spec, vintage)
        if isinstance(gdf, gpd.GeoDataFrame):
            groups: Iterable[Any] = list(self._prepare(spec, gdf).groupby(COUNTY_COLUMN,
                                                                          sort=True))
            total = len(groups)  # type: ignore[arg-type]
        else:  # counties arrive part by part; the total is unknown up front
            groups = (g for f in gdf for g in self._prepare(spec, f).groupby(COUNTY_COLUMN,
                                                                             sort=True))
            total = 0
        written: list[WrittenPartition] = []
        # Partitions are written into this process's staging folder and moved into layers/
        # just before the catalog switch: a write killed on the way leaves only a staging
        # folder, which the next open or import sweeps (its process is gone).
        staging = new_staging_folder(self.root)
        try:
            for i, (county, part) in enumerate(groups):
                if any(w[0] == str(county) for w in written):
                    raise WorkspaceError(f"county {county} appears in two parts of one write")
                written.append(self._write_part(kind, year, str(county), part, into=staging))
                if progress:
                    progress(i + 1, total, str(county))
            self._move_in(staging, written)
            obsolete = self._switch(spec, year, written, replace=replace, meta={
                "source_path": source_path, "source_crs": source_crs,
                "source_encoding": source_encoding, "source_checksum": source_checksum,
                "title": title or spec.title_zh,
            }, actor=actor)
        except BaseException:
            self.discard_partitions(written)
            raise
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        for old in obsolete:
            (self.root / old).unlink(missing_ok=True)
        return self.layer(kind, year)

    def write_partitions(
        self, kind: str, vintage: int | None, gdf: gpd.GeoDataFrame
    ) -> list[WrittenPartition]:
        """Write the county partition files of ``gdf`` without changing the catalog.

        For writers in worker processes: the files stay invisible until one process
        calls :meth:`commit_partitions` with them; :meth:`discard_partitions` deletes
        them if the write is abandoned. Same files as :meth:`write_layer` writes.
        """
        spec = get_kind(kind)
        year = self._vintage_for(spec, vintage)
        written: list[WrittenPartition] = []
        try:
            for county, part in self._prepare(spec, gdf).groupby(COUNTY_COLUMN, sort=True):
                written.append(self._write_part(kind, year, str(county), part))
        except BaseException:
            self.discard_partitions(written)
            raise
        return written

    def commit_partitions(
        self,
        kind: str,
        vintage: int | None,
        written: Iterable[WrittenPartition],
        *,
        replace: bool = False,
        source_path: str = "",
        source_crs: str = GEOGRAPHIC_CRS,
        title: str = "",
        actor: str = "system",
    ) -> LayerInfo:
        """Switch layer ``kind``/``vintage`` to partitions :meth:`write_partitions` wrote.

        One catalog transaction, as in :meth:`write_layer`; on failure the given files
        are deleted and the catalog is unchanged.
        """
        spec = get_kind(kind)
        year = self._vintage_for(spec, vintage)
        written = list(written)
        try:
            counties = [w.county for w in written]
            if len(set(counties)) != len(counties):
                raise WorkspaceError("a county appears twice in one commit")
            obsolete = self._switch(spec, year, written, replace=replace, meta={
                "source_path": source_path, "source_crs": source_crs, "source_encoding": "",
                "source_checksum": "", "title": title or spec.title_zh}, actor=actor)
        except BaseException:
            self.discard_partitions(written)
            raise
        for old in obsolete:
            (self.root / old).unlink(missing_ok=True)
        return self.layer(kind, year)

    def discard_partitions(self, written: Iterable[WrittenPartition]) -> None:
        """Delete partition files (and their overviews) that were written but not committed."""
        for w in written:
            (self.root / w.path).unlink(missing_ok=True)
            if w.overview is not None:
                (self.root / w.overview.path).unlink(missing_ok=True)

    def _move_in(self, staging: Path, written: list[WrittenPartition]) -> None:
        """Move staged partition files to their place under layers/ (same file system)."""
        for w in written:
            for rel in [w.path] + ([w.overview.path] if w.overview is not None else []):
                target = self.root / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(staging / rel, target)
                os.utime(target)  # the orphan sweep's grace counts from the move

    def _write_part(self, kind: str, year: int, county: str, part: gpd.GeoDataFrame, *,
                    into: Path | None = None) -> WrittenPartition:
        part = sort_spatially(part.reset_index(drop=True))
        rel = Path("layers", kind, str(year), f"{county}-{uuid.uuid4().hex[:12]}.parquet")
        checksum = write_partition(part, (into or self.root) / rel)
        area = float(ellipsoidal_area(part.geometry.to_numpy()).sum())
        b = part.total_bounds
        overview = write_overview(part, kind, year, county, checksum, into or self.root)
        return WrittenPartition(county, rel, len(part), area,
                                (float(b[0]), float(b[1]), float(b[2]), float(b[3])), checksum,
                                overview)

    def delete_layer(self, kind: str, vintage: int, *, actor: str = "system") -> LayerInfo:
        """Remove a layer vintage and its files; return what was removed.

        One catalog transaction (the row, its partitions and the audit entry) decides; the
        files are deleted after it commits. A process killed in between leaves only files
        the catalog no longer lists, which :func:`onemap.store.orphans.sweep_orphans` removes.
        """
        with self.session() as s:
            row = self._layer_row(s, kind, vintage)
            removed = self._info(row)
            paths = [p.path for p in row.partitions]
            paths += [p.overview.path for p in row.partitions if p.overview is not None]
            s.delete(row)
            self._audit(s, actor, "layer.delete", f"{kind}/{vintage}",
                        {"features": removed.features, "counties": removed.counties,
                         "files": len(paths)})
        for rel in paths:
            (self.root / rel).unlink(missing_ok=True)
        return removed

    def remove_layer(self, actor: Actor, kind: str, vintage: int | None) -> LayerInfo:
        """Remove layer ``kind``/``vintage`` for ``actor`` (图层删除; administrators only).

        Province-wide: the actor must administer the workspace's root region. Audited as
        ``layer.delete``; atomic as :meth:`delete_layer`.
        """
        spec = get_kind(kind)
        self.authorize(actor, policy.Action.ADMINISTER, self.root_region,
                       what=f"layer {kind}/{vintage}")
        return self.delete_layer(spec.name, self._vintage_for(spec, vintage),
                                 actor=actor.username)

    def set_layer_access(
        self, kind: str, vintage: int, *, classification: str | None = None,
        published: bool | None = None, actor: str = "system",
    ) -> LayerInfo:
        """Set a layer's classification level (public/internal/secret) or publication."""
        with self.session() as s:
            row = self._layer_row(s, kind, vintage)
            if classification is not None:
                row.classification = classification
            if published is not None:
                row.published = published
            self._audit(s, actor, "layer.access", f"{kind}/{vintage}",
                        {"classification": row.classification, "published": row.published})
        return self.layer(kind, vintage)

    # -- access --------------------------------------------------------------------
    def authorize(self, actor: Actor, action: policy.Action, region: str | None = None, *,
                  what: str = "", classification: str = "internal",
                  published: bool = True) -> None:
        """Raise unless ``actor`` may take ``action`` (:func:`onemap.store.policy.authorize`).

        A refusal is audited (``access.denied``) before it is raised, so every refused
        attempt, through the API or the CLI, is in the audit log.
        """
        try:
            policy.authorize(actor, action, region, what=what, classification=classification,
                             published=published)
        except ScopeViolation as exc:
            self.audit(actor.username, "access.denied", what or action.value,
                       {"action": action.value, "region": region, "reason": exc.reason,
                        "role": actor.role.value, "origin": actor.origin})
            raise

    def allows(self, actor: Actor, action: policy.Action, region: str | None = None, *,
               classification: str = "internal", published: bool = True) -> bool:
        """Tell whether ``actor`` may take ``action`` (filters listings; nothing audited)."""
        return policy.allows(actor, action, region, classification=classification,
                             published=published)

    def authorize_layer(self, actor: Actor, action: policy.Action, info: LayerInfo,
                        region: str | None = None, *, what: str = "") -> None:
        """:meth:`authorize` for the data of layer ``info`` (its classification, publication)."""
        self.authorize(actor, action, region, classification=info.classification,
                       published=info.published,
                       what=what or f"layer {info.kind}/{info.vintage}")

    def allows_layer(self, actor: Actor, action: policy.Action, info: LayerInfo,
                     region: str | None = None) -> bool:
        """:meth:`allows` for the data of layer ``info``."""
        return policy.allows(actor, action, region, classification=info.classification,
                             published=info.published)

    @property
    def root_region(self) -> str:
        """The workspace's root region (省级行政区划代码), for province-wide objects."""
        return self.config.root_region

    # -- audit -------------------------------------------------------------------
    def audit(self, actor: str, action: str, target: str = "",
              detail: dict[str, Any] | None = None) -> None:
        """Append one entry to the audit log (hash-chained, in a transaction of its own)."""
        with self.session() as s:
            self._audit(s, actor, action, target, detail or {})

    def audit_log(self, limit: int = 100, action: str | None = None) -> list[AuditEntry]:
        """Return the newest audit entries, newest first."""
        with self.session() as s:
            q = select(AuditRow).order_by(AuditRow.id.desc()).limit(limit)
            if action:
                q = q.where(AuditRow.action == action)
            return [AuditEntry.model_validate(r, from_attributes=True) for r in s.scalars(q)]

    def verify_audit(self) -> AuditVerification:
        """Check the audit log's hash chain; report the first changed, deleted or moved entry.

        Reads the chain head first and then the entries up to it, so appends made while
        the check runs are neither checked nor mistaken for tampering. Nothing is written.
        """
        cols = (AuditRow.id, AuditRow.at, AuditRow.actor, AuditRow.action, AuditRow.target,
                AuditRow.detail, AuditRow.prev_hash, AuditRow.hash)
        with self.session() as s:
            found = s.execute(select(AuditHeadRow.last_id, AuditHeadRow.hash)).first()
            head = None if found is None else audit_chain.ChainHead(*found)
            # one statement, one snapshot: an entry beyond the head was not chained
            beyond = s.scalar(select(func.min(AuditRow.id)).where(
                AuditRow.id > select(AuditHeadRow.last_id).scalar_subquery()))
            rows = s.execute(select(*cols).where(AuditRow.id <= (head.last_id if head else 0))
                             .order_by(AuditRow.id).execution_options(yield_per=5000))

            def locate(digest: str) -> int | None:
                return s.scalar(select(AuditRow.id).where(AuditRow.hash == digest).limit(1))

            return audit_chain.check_chain((audit_chain.ChainRecord(*r) for r in rows), head,
                                           locate, beyond)

    # -- internals -----------------------------------------------------------------
    @staticmethod
    def _audit(s: Session, actor: str, action: str, target: str, detail: dict[str, Any]) -> None:
        """Append one entry to the hash chain inside ``s``'s transaction.

        The UPDATE of the one-row ``audit_head`` comes first: it takes SQLite's write lock
        or PostgreSQL's row lock until ``s`` commits, so concurrent writers queue up, read
        the head they extend under that lock, and the chain never forks. A rollback of the
        caller's transaction takes the entry and the head move back together.
        """
        # Core statements on the tables: no ORM bookkeeping on this hot path
        head, log = cast("Table", AuditHeadRow.__table__), cast("Table", AuditRow.__table__)
        moved = s.execute(update(head).where(head.c.id == 1)
                          .values(last_id=head.c.last_id + 1)
                          .returning(head.c.last_id, head.c.hash)).one()
        entry_id, prev = int(moved[0]), str(moved[1])
        at, clean = _now(), audit_chain.normalise_detail(detail)
        digest = audit_chain.entry_hash(prev, entry_id, at, actor, action, target, clean)
        s.execute(insert(log).values(id=entry_id, at=at, actor=actor, action=action,
                                     target=target, detail=clean, prev_hash=prev, hash=digest))
        s.execute(update(head).where(head.c.id == 1).values(hash=digest))

    @staticmethod
    def _vintage_for(spec: LayerKind, vintage: int | None) -> int:
        if not spec.versioned:
            return 0
        if vintage is None:
            raise ImportRejected(
                f"layer kind {spec.name} needs a vintage (年度), e.g. --vintage 2020")
        return int(vintage)

    def _prepare(self, spec: LayerKind, gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
        if gdf.crs is None:
            raise CrsError("layer has no coordinate reference system")
        if gdf.crs.to_epsg() != 4490:
            raise CrsError(f"layers are stored in EPSG:4490, got {gdf.crs.to_string()}")
        missing = [f.name for f in spec.fields if f.required and f.name not in gdf.columns]
        if missing:
            raise ImportRejected(f"missing required fields for {spec.name}: {', '.join(missing)}")
        admin = None
        if spec.name != "admin_county" and COUNTY_COLUMN not in gdf.columns:
            has_codes = any(f in gdf.columns for f in spec.county_fields)
            if not has_codes and self.has_layer("admin_county"):
                admin = self.read_layer("admin_county", columns=["XZQDM"])
        frame = gdf.copy()
        frame[COUNTY_COLUMN] = assign_counties(frame, spec, admin, self.config.root_region)
        return frame

    def _switch(self, spec: LayerKind, year: int, written: list[WrittenPartition], *,
                replace: bool,
                meta: dict[str, str], actor: str) -> list[str]:
        obsolete: list[str] = []
        with self.session() as s:
            row = s.scalars(select(LayerRow).where(
                LayerRow.kind == spec.name, LayerRow.vintage == year).options(
                selectinload(LayerRow.partitions).selectinload(PartitionRow.overview))
            ).one_or_none()
            if row is None:
                row = LayerRow(kind=spec.name, vintage=year, classification=spec.classification,
                               updated_at=_now(), revision=0)
                s.add(row)
            new_counties = {w.county for w in written}
            for part in list(row.partitions):
                if replace or part.county in new_counties:
                    obsolete.append(part.path)
                    if part.overview is not None:  # goes with its partition (cascade)
                        obsolete.append(part.overview.path)
                    row.partitions.remove(part)
            s.flush()
            for w in written:
                b = w.bbox
                row.partitions.append(PartitionRow(
                    county=w.county, path=w.path.as_posix(), rows=w.rows, area_m2=w.area_m2,
                    minx=b[0], miny=b[1], maxx=b[2], maxy=b[3], checksum=w.checksum,
                    overview=new_overview_row(w.overview) if w.overview else None))
            row.features = sum(p.rows for p in row.partitions)
            row.area_m2 = sum(p.area_m2 for p in row.partitions)
            row.revision += 1
            row.updated_at = _now()
            for key, value in meta.items():
                setattr(row, key, value)
            self._audit(s, actor, "layer.write", f"{spec.name}/{year}",
                        {"counties": sorted(new_counties), "features": sum(w.rows for w in written),
                         "source": meta["source_path"], "replace": replace})
        return obsolete

    def _layer_row(self, s: Session, kind: str, vintage: int | None) -> LayerRow:
        q = select(LayerRow).where(LayerRow.kind == kind).options(
            selectinload(LayerRow.partitions).selectinload(PartitionRow.overview))
        if vintage is None:
            q = q.order_by(LayerRow.vintage.desc()).limit(1)
        else:
            q = q.where(LayerRow.vintage == int(vintage))
        row = s.scalars(q).first()
        if row is None:
            label = kind if vintage is None else f"{kind}/{vintage}"
            raise NotFound(f"no layer {label} in the workspace")
        return row

    @staticmethod
    def _part(p: PartitionRow) -> PartitionInfo:
        o = p.overview
        overview = None if o is None else OverviewInfo(
            path=o.path, checksum=o.checksum, source_checksum=o.source_checksum, rows=o.rows,
            tolerance=o.tolerance, area_error=o.area_error)
        return PartitionInfo(county=p.county, path=p.path, rows=p.rows, area_m2=p.area_m2,
                             bbox=(p.minx, p.miny, p.maxx, p.maxy), checksum=p.checksum,
                             overview=overview)

    @staticmethod
    def _info(row: LayerRow) -> LayerInfo:
        parts = row.partitions
        bbox = None
        if parts:
            bbox = (min(p.minx for p in parts), min(p.miny for p in parts),
                    max(p.maxx for p in parts), max(p.maxy for p in parts))
        return LayerInfo(
            kind=row.kind, title_zh=get_kind(row.kind).title_zh if row.kind else row.title,
            vintage=row.vintage, features=row.features, area_m2=row.area_m2,
            counties=len(parts), source_path=row.source_path, source_crs=row.source_crs,
            source_encoding=row.source_encoding, classification=row.classification,
            published=row.published, revision=row.revision, updated_at=row.updated_at, bbox=bbox)

    def _empty_frame(self, kind: str, columns: list[str] | None) -> gpd.GeoDataFrame:
        names = columns if columns is not None else [*get_kind(kind).field_names, COUNTY_COLUMN]
        return gpd.GeoDataFrame({c: pd.Series(dtype="object") for c in names},
                                geometry=gpd.GeoSeries([], crs=GEOGRAPHIC_CRS), crs=GEOGRAPHIC_CRS)
