"""The import pipeline: a request goes read → normalise → validate → stage → commit.

:func:`import_file` is the one entry the CLI (``onemap import``) and the API
(``POST /imports``) call; each step is a function of its own module, testable alone.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select

from onemap.errors import ImportRejected, NotFound
from onemap.store.formats.models import (
    ImportReport,
    ImportRequest,
    RejectedFeature,
    RepairedFeature,
)
from onemap.store.importer.normalise import map_fields, normalise
from onemap.store.importer.read import SourceRead, read_source
from onemap.store.importer.stage import Progress, Staging, commit
from onemap.store.importer.validate import (
    MAX_LISTED,
    CountyBoundaries,
    check_scope,
    validate,
)
from onemap.store.kinds import get_kind
from onemap.store.policy import Action
from onemap.store.schema import LayerRow
from onemap.store.staging import sweep_stale

if TYPE_CHECKING:
    from onemap.store.access import Actor
    from onemap.store.workspace import Workspace


def import_file(ws: Workspace, request: ImportRequest, *, actor: Actor,
                progress: Progress | None = None) -> ImportReport:
    """Import ``request.path`` as layer ``request.kind``/``vintage`` of ``ws``.

    ``actor`` must be allowed to edit data (analysts and admins; inspectors, readonly
    and public users are refused) and its region scope must cover every county the
    features go to (else :class:`~onemap.errors.ScopeViolation` naming the counties and
    features; nothing written). Any rejected feature, a county claim the boundaries
    contradict included, rejects the whole import unless ``request.skip_invalid``;
    either way every rejected feature is listed with its reasons. Importing the same
    file with the same options again is a no-op reported as ``unchanged``.
    ``request.dry_run`` runs every check and writes nothing.
    """
    spec = get_kind(request.kind)
    classification = _classification(ws, request)
    ws.authorize(actor, Action.EDIT, what=f"layer {request.kind}", classification=classification)
    configured = ws.config.aliases.get(request.kind, {})  # onemap.toml [aliases.<kind>]
    if ws.config.strict_coordinate_files and not request.strict:  # the workspace setting
        request = request.model_copy(update={"strict": True})
    read = read_source(request, configured=configured)
    mapping, ignored = map_fields(read.columns, spec, request.aliases,
                                  path=request.display_name, configured=configured)
    report = ImportReport(path=request.display_name, kind=request.kind,
                          vintage=request.vintage or 0, source=read.source,
                          features_read=read.total, features_imported=0,
                          field_mapping=mapping, ignored_fields=ignored,
                          fingerprint=read.fingerprint)
    _sweep(ws, request, actor)
    if _stored_fingerprint(ws, request) == read.fingerprint:
        return report.model_copy(update={
            "unchanged": True, "layer": ws.layer(request.kind, request.vintage),
            "counties": sorted(p.county for p in ws.partitions(request.kind, request.vintage))})
    boundaries = CountyBoundaries.of(ws, spec)
    with Staging(ws, in_memory=read.in_memory, discard=request.dry_run) as staged:
        rejected, repaired = _check_and_stage(ws, request, read, mapping, boundaries, staged,
                                              actor=actor, classification=classification,
                                              progress=progress)
        _audit_claims(ws, request, actor, rejected)
        if rejected and not request.skip_invalid:
            raise rejection(request.display_name, rejected, read.total)
        if not staged.rows:
            raise ImportRejected("no feature left to import", path=request.display_name,
                                 rejected=[r.model_dump() for r in rejected])
        done = report.model_copy(update={
            "features_imported": staged.rows, "rejected": rejected, "repaired": repaired,
            "counties": sorted(staged.counties), "dry_run": request.dry_run})
        if request.dry_run:
            return done
        info = commit(ws, request, staged, source=read.source, fingerprint=read.fingerprint,
                      actor=actor, progress=progress,
                      counts={"rejected": len(rejected), "repaired": len(repaired)})
    return done.model_copy(update={"layer": info})


def _check_and_stage(ws: Workspace, request: ImportRequest, read: SourceRead,
                     mapping: dict[str, str], boundaries: CountyBoundaries | None,
                     staged: Staging, *, actor: Actor, classification: str,
                     progress: Progress | None) -> tuple[list[RejectedFeature],
                                                         list[RepairedFeature]]:
    """Normalise and validate every chunk; stage its accepted features once in scope.

    After the first rejected feature nothing more is staged (unless ``skip_invalid``),
    but the file is read to the end so every rejected feature is listed.
    """
    spec = get_kind(request.kind)
    rejected: list[RejectedFeature] = []
    repaired: list[RepairedFeature] = []
    for chunk in read.chunks:
        checked = validate(normalise(chunk, spec, mapping), spec, boundaries, ws.root_region)
        rejected += checked.rejected
        repaired += checked.repaired
        if rejected and not request.skip_invalid:
            continue
        accepted = checked.accepted()
        check_scope(ws, actor, accepted, request, offset=checked.offset,
                    classification=classification)
        staged.add(accepted)
        if progress and chunk.total and chunk.total > len(chunk.frame):
            progress(chunk.offset + len(chunk.frame), chunk.total, "read")
    return rejected, repaired


def _classification(ws: Workspace, request: ImportRequest) -> str:
    """Classification of the layer vintage written to (the kind's default for a new one)."""
    try:
        return ws.layer(request.kind, request.vintage).classification
    except NotFound:
        return get_kind(request.kind).classification


def _sweep(ws: Workspace, request: ImportRequest, actor: Actor) -> None:
    """Remove staging folders left by killed imports (not on a dry run)."""
    swept = [] if request.dry_run else sweep_stale(ws.root)
    if swept:
        ws.audit(actor.username, "import.staging_swept", request.kind,
                 {"folders": [f.name for f in swept]})


def _stored_fingerprint(ws: Workspace, request: ImportRequest) -> str | None:
    with ws.session() as s:
        return s.scalars(select(LayerRow.source_checksum).where(
            LayerRow.kind == request.kind, LayerRow.vintage == request.vintage)).one_or_none()


def _audit_claims(ws: Workspace, request: ImportRequest, actor: Actor,
                  rejected: list[RejectedFeature]) -> None:
    """Record features whose county claim the boundaries contradicted (a planting attempt?)."""
    refused = [r for r in rejected if r.claimed_county is not None]
    if refused and not request.dry_run:
        ws.audit(actor.username, "import.claims_refused", f"{request.kind}/{request.vintage}", {
            "path": request.display_name, "features": [r.feature_id for r in refused],
            "claimed": [r.claimed_county for r in refused],
            "located": [r.located_county for r in refused]})


def rejection(name: str, rejected: list[RejectedFeature], total: int) -> ImportRejected:
    """Return the error of an import with rejected features, each listed with its reasons."""
    listed = "; ".join(_describe(r) for r in rejected[:MAX_LISTED])
    more = f"; … and {len(rejected) - MAX_LISTED} more" if len(rejected) > MAX_LISTED else ""
    first = rejected[0]
    return ImportRejected(
        f"{len(rejected)} of {total} features rejected, nothing was imported (use "
        f"--skip-invalid to import the other {total - len(rejected)}): {listed}{more}",
        path=name, line=first.line if len(rejected) == 1 else None,
        feature_id=first.feature_id if len(rejected) == 1 else None,
        rejected=[r.model_dump() for r in rejected])


def _describe(r: RejectedFeature) -> str:
    where = f"feature {r.feature_id}" + (f" (line {r.line})" if r.line else "")
    return f"{where}: {', '.join(r.reasons)}"
