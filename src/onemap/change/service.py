"""Change detection service: stream counties through diff + classify, store the batch.

Each county is one kernel call (:func:`detect_county`) reading its own partitions, so
peak memory follows the largest county. With ``workers > 1`` counties run in a local
process pool. Patches are stored as GeoParquet under ``changes/batch-<id>/<county>.parquet``
and the batch (thresholds, rule checksum, counts, scores, per-county totals) in the
catalog. Access follows the one policy: reading batches is ``READ`` (a summary is
recomputed over the caller's counties), running detection ``ENFORCE``, downloads
``EXPORT``.
"""

from __future__ import annotations

import json
import shutil
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import pandas as pd
import pyarrow.parquet as pq
import shapely
from sqlalchemy import select

from onemap.change.classify import APPROVAL_KINDS, CONTROL_KINDS, default_rules, parse_rules
from onemap.change.diff import GEOGRAPHIC_CRS, DiffStats, diff_vintages
from onemap.change.errors import BatchNotFound, VintageMissing
from onemap.change.imagery import patches_from_monitoring
from onemap.change.matrix import change_matrix
from onemap.change.models import (
    ApprovalShare,
    BatchSummary,
    ChangePatch,
    ChangeSource,
    ChangeTables,
    CountyTotals,
    DetectionResult,
    DetectionScores,
    Legality,
    RuleTable,
    SliverRules,
)
from onemap.change.schema import ChangeBatchRow
from onemap.change.scores import TruthItem, score_detection
from onemap.change.totals import add_totals, county_totals
from onemap.errors import InvalidInput
from onemap.standards.labels import register as register_labels
from onemap.standards.landuse import land_classes
from onemap.store.db import utc_now as _now
from onemap.store.policy import Action

if TYPE_CHECKING:
    from onemap.compute import Executor
    from onemap.store.access import Actor
    from onemap.store.workspace import Workspace

Progress = Callable[[int, int, str], None]
WHAT = "change detection batches"
LAYER_KINDS = (*CONTROL_KINDS, *[k for k in APPROVAL_KINDS if k not in CONTROL_KINDS])
DLTB_COLUMNS = ["BSM", "DLBM", "ZLDWDM", "geometry"]


def require_internal(ws: Workspace, actor: Actor) -> None:
    """Enforcement data is internal: public (anonymous) users see none of it (401)."""
    ws.authorize(actor, Action.READ, what=WHAT)


def sliver_from_workspace(ws: Workspace) -> SliverRules:
    """Return the sliver rules stated in the workspace's ``[thresholds]`` (onemap.toml)."""
    t = ws.config.thresholds
    return SliverRules(min_area_construction_m2=t.min_change_area_construction_m2,
                       min_area_farmland_m2=t.min_change_area_farmland_m2,
                       min_area_other_m2=t.min_change_area_other_m2,
                       min_width_m=t.min_change_width_m)


def load_rules(path: str | Path | None = None) -> RuleTable:
    """Return the rule table in ``path`` (TOML) or the built-in default.

    Its class names join the label catalogue (domain ``change_class``), so reports name a
    workspace's own classes too.
    """
    if not path:
        return register_class_labels(default_rules())
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise InvalidInput(f"cannot read rule table: {exc}", path=str(path)) from None
    return register_class_labels(parse_rules(text))


def register_class_labels(table: RuleTable) -> RuleTable:
    """Add the table's class names to the label catalogue; return the table."""
    register_labels("change_class", {r.id: (r.name, r.name_en or r.name) for r in table.rules})
    return table


@dataclass(frozen=True)
class CountyJob:
    """Everything one county's kernel needs: file paths and settings (picklable)."""

    county: str
    source: ChangeSource
    id_prefix: str
    old_path: str | None
    new_path: str | None
    monitoring_path: str | None
    layer_paths: dict[str, str]
    sliver: SliverRules
    rules: RuleTable
    layers_held: tuple[str, ...] = ()


def _read_raw(path: str, columns: list[str]) -> pd.DataFrame:
    """Read a DLTB partition keeping geometry as WKB bytes (decoded only where changed)."""
    schema = pq.read_schema(path)
    cols = [c for c in columns if c in schema.names]
    return pq.read_table(path, columns=cols).to_pandas()


def _read_geo(path: str | None) -> gpd.GeoDataFrame | None:
    if path is None:
        return None
    frame = gpd.read_parquet(path)
    return frame.drop(columns="bbox") if "bbox" in frame.columns else frame


def detect_county(job: CountyJob) -> tuple[gpd.GeoDataFrame, DiffStats]:
    """Kernel: one county's classified change patches (pure apart from reading its files)."""
    from onemap.change.classify import classify_patches

    stats = DiffStats()
    if job.source == "monitoring":
        mon = _read_geo(job.monitoring_path)
        if mon is None:
            mon = gpd.GeoDataFrame(geometry=[], crs=GEOGRAPHIC_CRS)
        patches = patches_from_monitoring(mon, county=job.county, before=_read_geo(job.old_path),
                                          after=_read_geo(job.new_path), id_prefix=job.id_prefix)
        stats.patches = len(patches)
    else:
        empty = pd.DataFrame({c: pd.Series(dtype=object) for c in DLTB_COLUMNS})
        old = _read_raw(job.old_path, DLTB_COLUMNS) if job.old_path else empty
        new = _read_raw(job.new_path, DLTB_COLUMNS) if job.new_path else empty
        patches, stats = diff_vintages(old, new, county=job.county, sliver=job.sliver,
                                       id_prefix=job.id_prefix)
    layers = {k: f for k, p in job.layer_paths.items() if (f := _read_geo(p)) is not None}
    for kind in job.layers_held:  # held by the workspace, nothing in this county
        layers.setdefault(kind, gpd.GeoDataFrame(geometry=[], crs=GEOGRAPHIC_CRS))
    return classify_patches(patches, layers, job.rules), stats


def _layer_vintage(ws: Workspace, kind: str, year: int) -> int | None:
    found = ws.vintages(kind)
    if not found:
        return None
    older = [v for v in found if v <= year]
    return older[-1] if older else found[-1]


def _part_path(ws: Workspace, kind: str, vintage: int | None, county: str) -> str | None:
    if vintage is None:
        return None
    parts = ws.partitions(kind, vintage, counties=[county])
    return str(ws.root / parts[0].path) if parts else None


def _counties(ws: Workspace, actor: Actor, source: ChangeSource, from_year: int,
              to_year: int, counties: list[str] | None) -> list[str]:
    kind, year = ("monitoring_patch", to_year) if source == "monitoring" else ("dltb", to_year)
    if source == "monitoring":
        vintage = _layer_vintage(ws, kind, year)
        if vintage is None:
            raise VintageMissing("no monitoring_patch layer (监测图斑) in the workspace")
        present = {p.county for p in ws.partitions(kind, vintage)}
    else:
        for y in (from_year, to_year):
            if y not in ws.vintages("dltb"):
                raise VintageMissing(f"no DLTB vintage {y} in the workspace",
                                     user_message=f"工作空间中没有 {y} 年度地类图斑")
        present = ({p.county for p in ws.partitions("dltb", from_year)}
                   | {p.county for p in ws.partitions("dltb", to_year)})
    if counties:
        for c in counties:
            ws.authorize(actor, Action.ENFORCE, c, what="change detection")
        return sorted(set(counties) & present)
    return sorted(c for c in present if ws.allows(actor, Action.ENFORCE, c))


def detect_changes(
    ws: Workspace, actor: Actor, *, from_year: int, to_year: int,
    counties: list[str] | None = None, source: ChangeSource = "dltb_diff",
    rules: RuleTable | None = None, sliver: SliverRules | None = None,
    truth: list[TruthItem] | None = None, truth_name: str = "verified sample",
    workers: int = 1, progress: Progress | None = None,
    executor: Executor | None = None,
) -> DetectionResult:
    """Detect, classify and store the changes between two vintages, county by county.

    ``source="monitoring"`` takes the ``monitoring_patch`` layer of ``to_year`` (or the
    newest before it) instead of a vintage diff. ``truth`` (a verified sample) adds
    precision and recall to the batch. ``executor`` (e.g. a Dask cluster's) runs the county
    kernels instead of ``workers`` local processes. Returns the stored batch and its patches.
    """
    ws.authorize(actor, Action.ENFORCE, what="change detection")
    started = time.perf_counter()
    table = rules or default_rules()
    sliver = sliver or sliver_from_workspace(ws)
    todo = _counties(ws, actor, source, from_year, to_year, counties)
    vintages = {k: _layer_vintage(ws, k, to_year) for k in LAYER_KINDS}
    mon_v = _layer_vintage(ws, "monitoring_patch", to_year) if source == "monitoring" else None
    has = set(ws.vintages("dltb"))
    jobs = [CountyJob(
        county=c, source=source,
        id_prefix=f"{c}-{to_year}-{'M' if source == 'monitoring' else ''}",
        old_path=_part_path(ws, "dltb", from_year if from_year in has else None, c),
        new_path=_part_path(ws, "dltb", to_year if to_year in has else None, c),
        monitoring_path=_part_path(ws, "monitoring_patch", mon_v, c),
        layer_paths={k: p for k in LAYER_KINDS if (p := _part_path(ws, k, vintages[k], c))},
        layers_held=tuple(k for k in LAYER_KINDS if vintages[k] is not None),
        sliver=sliver, rules=table) for c in todo]
    frames, totals = [], DiffStats()
    for i, (frame, st) in enumerate(_run(jobs, workers, executor)):
        frames.append(frame)
        totals.add(st)
        if progress:
            progress(i + 1, len(jobs), jobs[i].county)
    patches = _concat(frames)
    patches["source"] = source
    scores = None
    if truth is not None:
        scores = score_detection(list(patches.geometry), list(patches["legality"]), truth,
                                 sample=truth_name)
    batch = _store(ws, actor, patches, source=source, from_year=from_year, to_year=to_year,
                   counties=todo, sliver=sliver, table=table, scores=scores,
                   totals=county_totals(patches, todo, truth),
                   seconds=time.perf_counter() - started)
    ws.audit(actor.username, "change.detect", f"batch/{batch.id}",
             {"from": from_year, "to": to_year, "counties": len(todo), "patches": len(patches),
              "source": source, "slivers_dropped": totals.slivers_small + totals.slivers_narrow})
    return DetectionResult(batch=batch, patches=to_models(patches))


def _run(jobs: list[CountyJob], workers: int, executor: Executor | None = None,
         ) -> Iterable[tuple[gpd.GeoDataFrame, DiffStats]]:
    """Map the county kernel with an :mod:`onemap.compute` executor."""
    from onemap.compute import get_executor

    if executor is not None:
        yield from executor.map(detect_county, jobs)
        return
    if workers <= 1 or len(jobs) <= 1:
        yield from (detect_county(j) for j in jobs)  # streamed: one county in memory
        return
    with get_executor("processes", workers=workers) as pool:
        yield from pool.map(detect_county, jobs)


def _concat(frames: list[gpd.GeoDataFrame]) -> gpd.GeoDataFrame:
    frames = [f for f in frames if len(f)]
    if not frames:
        cols = ["id", "county", "township", "from_code", "to_code", "area_m2", "classes",
                "legality", "approval_share", "approvals", "overlaps_m2", "ledger",
                "source_ref", "old_bsm", "new_bsm"]
        return gpd.GeoDataFrame({c: pd.Series(dtype=object) for c in cols},
                                geometry=gpd.GeoSeries([], crs=GEOGRAPHIC_CRS),
                                crs=GEOGRAPHIC_CRS)
    return gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), geometry="geometry",
                            crs=GEOGRAPHIC_CRS)


def _store(ws: Workspace, actor: Actor, patches: gpd.GeoDataFrame, *, source: ChangeSource,
           from_year: int, to_year: int, counties: list[str], sliver: SliverRules,
           table: RuleTable, scores: DetectionScores | None,
           totals: dict[str, CountyTotals], seconds: float) -> BatchSummary:
    by_class = Counter(c for cl in patches["classes"] for c in cl)
    by_legality = Counter(str(v) for v in patches["legality"])
    with ws.session() as s:
        row = ChangeBatchRow(
            created_at=_now(), actor=actor.username, source=source, from_year=from_year,
            to_year=to_year, counties=counties, sliver=sliver.model_dump(),
            rules_name=f"{table.name} {table.version}", rules_checksum=table.checksum,
            patches=len(patches), by_legality=dict(by_legality), by_class=dict(by_class),
            seconds=seconds, scores=scores.model_dump() if scores else None, path="",
            by_county={c: t.model_dump(mode="json") for c, t in totals.items()})
        s.add(row)
        s.flush()
        folder = Path("changes", f"batch-{row.id}")
        row.path = folder.as_posix()
        batch_id = row.id
    try:
        _write_patches(ws.root / folder, patches)
    except BaseException:
        shutil.rmtree(ws.root / folder, ignore_errors=True)
        with ws.session() as s:
            s.delete(s.get(ChangeBatchRow, batch_id))
        raise
    return get_batch(ws, actor, batch_id)


def _write_patches(folder: Path, patches: gpd.GeoDataFrame) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    frame = patches.copy()
    for col in ("approvals", "overlaps_m2"):
        frame[col] = [json.dumps(v, ensure_ascii=False) for v in frame[col]]
    frame["classes"] = [list(v) for v in frame["classes"]]
    for county, part in frame.groupby("county", sort=True):
        part.reset_index(drop=True).to_parquet(folder / f"{county}.parquet", index=False)


def _summary(row: ChangeBatchRow) -> BatchSummary:
    totals = row.by_county or {}
    return BatchSummary(
        id=row.id, created_at=row.created_at, actor=row.actor, source=row.source,
        from_year=row.from_year, to_year=row.to_year, counties=list(row.counties),
        sliver=SliverRules.model_validate(row.sliver), rules_name=row.rules_name,
        rules_checksum=row.rules_checksum, patches=row.patches,
        area_m2=float(sum(t["area_m2"] for t in totals.values())) if row.by_county else None,
        by_legality=dict(row.by_legality), by_class=dict(row.by_class), seconds=row.seconds,
        scores=DetectionScores.model_validate(row.scores) if row.scores else None)


def _scoped(ws: Workspace, actor: Actor, row: ChangeBatchRow) -> BatchSummary:
    """Return the batch as ``actor`` may see it: totals over the counties they may read."""
    full = _summary(row)
    mine = [c for c in row.counties if ws.allows(actor, Action.READ, c)]
    if mine == list(row.counties):
        return full
    if row.by_county is not None:
        parts = [CountyTotals.model_validate(row.by_county[c]) for c in mine
                 if c in row.by_county]
    else:  # a batch stored before per-county totals: count its patch files
        frame = _read_files(ws, row.id, mine)
        parts = list(county_totals(frame, mine).values())
    total, scores = add_totals(parts, full.scores)
    return full.model_copy(update={
        "counties": mine, "patches": total.patches, "area_m2": total.area_m2,
        "by_legality": total.by_legality, "by_class": total.by_class, "scores": scores,
        "scoped": True})


def get_batch(ws: Workspace, actor: Actor, batch_id: int) -> BatchSummary:
    """Return one stored batch, summed over the actor's counties of it.

    Any actor who may read at least one of the batch's counties sees it; counts, area,
    legality and class tallies and the sample scores cover only those counties.
    """
    require_internal(ws, actor)
    with ws.session() as s:
        row = s.get(ChangeBatchRow, batch_id)
        if row is None:
            raise BatchNotFound(f"no detection batch {batch_id}")
    if row.counties and not any(ws.allows(actor, Action.READ, c) for c in row.counties):
        ws.authorize(actor, Action.READ, row.counties[0], what=f"detection batch {batch_id}")
    return _scoped(ws, actor, row)


def list_batches(ws: Workspace, actor: Actor) -> list[BatchSummary]:
    """Every stored batch touching the actor's scope, newest first (scoped summaries)."""
    require_internal(ws, actor)
    with ws.session() as s:
        rows = s.scalars(select(ChangeBatchRow).order_by(ChangeBatchRow.id.desc())).all()
    return [_scoped(ws, actor, r) for r in rows
            if not r.counties or any(ws.allows(actor, Action.READ, c) for c in r.counties)]


def _read_files(ws: Workspace, batch_id: int, counties: list[str]) -> gpd.GeoDataFrame:
    frames = []
    for c in counties:
        path = batch_folder(ws, batch_id) / f"{c}.parquet"
        if path.exists():
            frame = gpd.read_parquet(path)
            for col in ("approvals", "overlaps_m2"):
                frame[col] = [json.loads(v) for v in frame[col]]
            frame["classes"] = [list(v) for v in frame["classes"]]
            frames.append(frame)
    return _concat(frames)


def read_patches(ws: Workspace, actor: Actor, batch_id: int,
                 counties: list[str] | None = None) -> gpd.GeoDataFrame:
    """Return the patches of a batch as a GeoDataFrame, limited to the actor's scope.

    ``counties`` asked for explicitly must each be readable by the actor.
    """
    batch = get_batch(ws, actor, batch_id)
    for c in counties or []:
        ws.authorize(actor, Action.READ, c, what=f"detection batch {batch_id}")
    wanted = [c for c in batch.counties if not counties or c in counties]
    return _read_files(ws, batch_id, wanted)


def export_tables(ws: Workspace, actor: Actor, batch_id: int, *,
                  fmt: str = "xlsx") -> ChangeTables:
    """Return a batch's matrix and patch list for a download (``EXPORT``, audited).

    The one function the API's ``matrix.xlsx`` and the CLI's ``change --xlsx`` call,
    so both are refused and audited (``change.export``) alike.
    """
    ws.authorize(actor, Action.EXPORT, what=f"detection batch {batch_id}")
    batch = get_batch(ws, actor, batch_id)
    frame = read_patches(ws, actor, batch_id)
    ws.audit(actor.username, "change.export", f"batch/{batch_id}",
             {"format": fmt, "counties": batch.counties, "patches": len(frame)})
    return ChangeTables(batch=batch, matrix=change_matrix(frame),
                        patches=to_models(frame, with_geometry=False))


def batch_patches(ws: Workspace, actor: Actor, batch_id: int, *,
                  counties: list[str] | None = None, legality: str | None = None,
                  with_geometry: bool = True) -> list[ChangePatch]:
    """Return the patches of a batch as models (optionally one legality only)."""
    frame = read_patches(ws, actor, batch_id, counties)
    if legality:
        frame = frame[frame["legality"] == legality]
    return to_models(frame, with_geometry=with_geometry)


def to_models(frame: gpd.GeoDataFrame, *, with_geometry: bool = True) -> list[ChangePatch]:
    """Convert a classified patch frame into :class:`ChangePatch` models."""
    names = land_classes()
    out = []
    geo = shapely.to_geojson(frame.geometry.to_numpy()) if with_geometry and len(frame) else None
    for i, r in enumerate(frame.itertuples(index=False)):
        out.append(ChangePatch(
            id=r.id, county=r.county, township=r.township or "", from_code=r.from_code,
            to_code=r.to_code,
            from_name=names[r.from_code].name_zh if r.from_code in names else "",
            to_name=names[r.to_code].name_zh if r.to_code in names else "",
            area_m2=float(r.area_m2), classes=list(r.classes), legality=Legality(r.legality),
            approval_share=float(r.approval_share),
            approvals=[ApprovalShare.model_validate(a) for a in r.approvals],
            overlaps_m2=dict(r.overlaps_m2), ledger=r.ledger or "",
            source=getattr(r, "source", "dltb_diff"), source_ref=r.source_ref or "",
            old_bsm=[b for b in str(r.old_bsm or "").split(",") if b],
            new_bsm=[b for b in str(r.new_bsm or "").split(",") if b],
            geometry=json.loads(geo[i]) if geo is not None else None))
    return out


def batch_folder(ws: Workspace, batch_id: int) -> Path:
    """Folder of a batch's patch files."""
    return ws.root / "changes" / f"batch-{batch_id}"
