"""Quality checks over a workspace layer, county by county, recorded in the catalog."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow.parquet as pq
import shapely
from sqlalchemy import insert, select

from onemap.errors import NotFound
from onemap.quality.attributes import find_duplicate_ids
from onemap.quality.checks import ID_FIELDS, check_county, feature_ids
from onemap.quality.models import QcFinding, QcOptions, QcReport, QcRunSummary
from onemap.quality.schema import QcFindingRow, QcRunRow
from onemap.store.kinds import get_kind
from onemap.store.partitions import read_partition
from onemap.store.policy import Action

if TYPE_CHECKING:
    from onemap.compute import Executor
    from onemap.store.access import Actor
    from onemap.store.workspace import Workspace

Progress = Callable[[int, int, str], None]
_FINDING_FIELDS = list(QcFinding.model_fields)


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


def county_polygons(ws: Workspace, counties: list[str]) -> dict[str, shapely.Geometry]:
    """Return county code → polygon (union of its admin_county features), if the layer exists."""
    if not ws.has_layer("admin_county"):
        return {}
    admin = ws.read_layer("admin_county", counties=counties, columns=["XZQDM"])
    codes = admin["XZQDM"].astype(str).str[:6]
    return {str(c): shapely.union_all(admin.geometry[codes == c].to_numpy())
            for c in codes.unique()}


def _options(ws: Workspace, options: QcOptions | None) -> QcOptions:
    if options is not None:
        return options
    return QcOptions(tbmj_tolerance_rel=ws.config.thresholds.tbmj_tolerance_rel)


def run_quality_checks(
    ws: Workspace,
    kind: str,
    vintage: int | None,
    *,
    actor: Actor,
    counties: list[str] | None = None,
    options: QcOptions | None = None,
    progress: Progress | None = None,
    executor: Executor | None = None,
) -> QcReport:
    """Check a layer vintage county by county and record the run and its findings.

    Parameters
    ----------
    ws : Workspace
    kind : str
        Layer kind; coverage kinds (DLTB) get overlap/gap checks, DLTB its
        attribute rules, every kind geometry, location and duplicate-id checks.
    vintage : int or None
        None checks the latest vintage.
    actor : Actor
        Only counties within the actor's scope are checked.
    counties : list of str, optional
        Restrict to these counties (each must be in scope).
    executor : onemap.compute.Executor, optional
        Where the per-county kernel runs (process pool, Dask); by default two
        threads in this process (GEOS releases the GIL), so at most two counties
        are in memory.

    Returns
    -------
    QcReport
        The recorded run (with its catalog id) and every finding.
    """
    ws.authorize(actor, Action.EDIT, what="quality checks")
    spec = get_kind(kind)
    year = vintage if vintage is not None else ws.latest_vintage(kind)
    if year is None:
        raise NotFound(f"no {kind} layer in the workspace")
    for code in counties or []:
        ws.authorize(actor, Action.EDIT, code, what=f"quality checks of {kind}/{year}")
    parts = [p for p in ws.partitions(kind, year, counties=counties)
             if ws.allows(actor, Action.EDIT, p.county)]
    opts = _options(ws, options)
    started = _now()
    polygons = county_polygons(ws, [p.county for p in parts])

    jobs = [CountyJob(path=str(ws.root / p.path), county=p.county,
                      county_wkb=shapely.to_wkb(polygons[p.county]) if p.county in polygons
                      else None, options=opts, coverage=spec.coverage,
                      land_use=spec.name == "dltb",
                      code_field=spec.county_fields[0] if spec.county_fields else "XZQDM")
            for p in parts]
    findings: list[QcFinding] = []
    hashes: dict[str, npt.NDArray[np.uint64]] = {}
    for i, (found, county_hashes) in enumerate(_map_jobs(jobs, executor, progress)):
        findings += found
        hashes[parts[i].county] = county_hashes
    findings += _duplicate_ids({j.county: j.path for j in jobs}, hashes)
    findings.sort(key=lambda f: (f.county, f.rule, f.feature_id or "", f.x or 0, f.y or 0))
    counts = Counter(f.rule for f in findings)
    summary = QcRunSummary(
        kind=kind, vintage=year, actor=actor.username, started_at=started, finished_at=_now(),
        counties=[p.county for p in parts], features=sum(p.rows for p in parts),
        errors=sum(f.severity == "error" for f in findings),
        warnings=sum(f.severity == "warning" for f in findings),
        counts=dict(sorted(counts.items())), options=opts)
    summary.id = _record(ws, summary, findings)
    ws.audit(actor.username, "qc.run", f"{kind}/{year}",
             {"run": summary.id, "errors": summary.errors, "warnings": summary.warnings})
    return QcReport(run=summary, findings=findings)


@dataclass(frozen=True)
class CountyJob:
    """Inputs of the per-county kernel (picklable, for process and Dask executors)."""

    path: str
    county: str
    county_wkb: bytes | None
    options: QcOptions
    coverage: bool
    land_use: bool
    code_field: str = "ZLDWDM"


def _id_hashes(ids: list[str]) -> npt.NDArray[np.uint64]:
    return np.asarray(pd.util.hash_array(np.asarray(ids, dtype=object)), dtype=np.uint64)


def check_partition_file(job: CountyJob) -> tuple[list[QcFinding], npt.NDArray[np.uint64]]:
    """Kernel: read one county partition and check it; return findings and id hashes.

    Ids travel as 64-bit hashes (8 bytes a feature), so the province-wide
    duplicate check keeps no strings of other counties in memory.
    """
    frame = read_partition(Path(job.path))
    county_geom = shapely.from_wkb(job.county_wkb) if job.county_wkb is not None else None
    found = check_county(frame, job.county, county_geom, job.options, coverage=job.coverage,
                         land_use=job.land_use, code_field=job.code_field)
    has_ids = any(f in frame.columns for f in ID_FIELDS)
    return found, _id_hashes(feature_ids(frame)) if has_ids else np.zeros(0, dtype=np.uint64)


def _duplicate_ids(paths: dict[str, str], hashes: dict[str, npt.NDArray[np.uint64]]
                   ) -> list[QcFinding]:
    """Find ids used more than once: hashes first, then re-read only the counties involved."""
    if not hashes:
        return []
    every = np.concatenate(list(hashes.values()))
    values, counts = np.unique(every, return_counts=True)
    dup = values[counts > 1]
    if not len(dup):
        return []
    ids: dict[str, list[str]] = {}
    for county, h in hashes.items():
        hit = np.isin(h, dup)
        if hit.any():
            schema = pq.read_schema(paths[county])
            field = next(f for f in ID_FIELDS if f in schema.names)
            frame = pq.read_table(paths[county], columns=[field]).to_pandas()
            ids[county] = [v for v, k in zip(feature_ids(frame), hit, strict=True) if k]
    return find_duplicate_ids(ids)


def _map_jobs(jobs: list[CountyJob], executor: Executor | None,
              progress: Progress | None
              ) -> list[tuple[list[QcFinding], npt.NDArray[np.uint64]]]:
    if executor is not None:
        def tick(done: int, total: int) -> None:
            if progress:
                progress(done, total, jobs[done - 1].county)

        return executor.map(check_partition_file, jobs, progress=tick)
    out = []
    with ThreadPoolExecutor(max_workers=min(os.cpu_count() or 1, 2)) as pool:
        for i, result in enumerate(pool.map(check_partition_file, jobs)):
            out.append(result)
            if progress:
                progress(i + 1, len(jobs), jobs[i].county)
    return out


def _record(ws: Workspace, summary: QcRunSummary, findings: list[QcFinding]) -> int:
    with ws.session() as s:
        row = QcRunRow(**summary.model_dump(exclude={"id", "options"}),
                       options=summary.options.model_dump())
        s.add(row)
        s.flush()
        if findings:
            s.execute(insert(QcFindingRow), [
                {"run_id": row.id, **f.model_dump()} for f in findings])
        return row.id


def _no_public(ws: Workspace, actor: Actor) -> None:
    ws.authorize(actor, Action.READ, what="quality findings")


def _summary(row: QcRunRow) -> QcRunSummary:
    return QcRunSummary(id=row.id, kind=row.kind, vintage=row.vintage, actor=row.actor,
                        started_at=row.started_at, finished_at=row.finished_at,
                        counties=list(row.counties), features=row.features, errors=row.errors,
                        warnings=row.warnings, counts=dict(row.counts),
                        options=QcOptions.model_validate(row.options))


def list_runs(ws: Workspace, *, actor: Actor, kind: str | None = None,
              limit: int = 50) -> list[QcRunSummary]:
    """Return recorded runs, newest first, that touch at least one county in the actor's scope."""
    _no_public(ws, actor)
    with ws.session() as s:
        q = select(QcRunRow).order_by(QcRunRow.id.desc())
        if kind:
            q = q.where(QcRunRow.kind == kind)
        rows = [_summary(r) for r in s.scalars(q)]
    visible = [r for r in rows if not r.counties
               or any(ws.allows(actor, Action.READ, c) for c in r.counties)]
    return visible[:limit]


def get_report(ws: Workspace, run_id: int, *, actor: Actor,
               rule: str | None = None) -> QcReport:
    """Return a recorded run with its findings, limited to the actor's counties."""
    _no_public(ws, actor)
    with ws.session() as s:
        row = s.get(QcRunRow, run_id)
        if row is None:
            raise NotFound(f"no quality-check run {run_id}")
        summary = _summary(row)
        q = select(QcFindingRow).where(QcFindingRow.run_id == run_id).order_by(QcFindingRow.id)
        if rule:
            q = q.where(QcFindingRow.rule == rule)
        findings = [QcFinding.model_validate({k: getattr(f, k) for k in _FINDING_FIELDS})
                    for f in s.scalars(q) if ws.allows(actor, Action.READ, f.county)]
    if summary.counties and not any(ws.allows(actor, Action.READ, c) for c in summary.counties):
        ws.authorize(actor, Action.READ, summary.counties[0], what=f"quality-check run {run_id}")
    return QcReport(run=summary, findings=findings)


def report_for_export(ws: Workspace, run_id: int, *, actor: Actor, fmt: str,
                      rule: str | None = None) -> QcReport:
    """Return a recorded run for a downloaded report (HTML/XLSX): export right and audit."""
    ws.authorize(actor, Action.EXPORT, what=f"quality-check run {run_id}")
    report = get_report(ws, run_id, actor=actor, rule=rule)
    ws.audit(actor.username, "qc.export", f"run/{run_id}",
             {"format": fmt, "findings": len(report.findings)})
    return report
