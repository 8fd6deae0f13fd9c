"""Routes of change detection (变化检测): /change/batches."""

from __future__ import annotations

import tempfile
from pathlib import Path as FsPath
from typing import Annotated

from onemap.api.deps import AppContext, current_actor
from onemap.change import service
from onemap.change.matrix import change_matrix
from onemap.change.models import BatchSummary, ChangePatch, DetectRequest, Legality, MatrixCell
from onemap.change.scores import TruthItem, truth_from_frame
from onemap.store.access import Actor
from onemap.store.workspace import Workspace

from fastapi import APIRouter, BackgroundTasks, Depends, Path, Query
from fastapi.responses import FileResponse

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
Me = Annotated[Actor, Depends(current_actor)]
BatchId = Annotated[int, Path(ge=1, le=2**31 - 1, description="batch id")]


def build_router(ctx: AppContext) -> APIRouter:
    """Return the /change routes bound to the workspace in ``ctx``."""
    router = APIRouter(prefix="/change", tags=["change 变化检测"])
    ws = ctx.workspace

    @router.get("/batches", response_model=list[BatchSummary])
    def list_batches(actor: Me) -> list[BatchSummary]:
        """Return detection batches touching the caller's scope, newest first."""
        return service.list_batches(ws, actor)

    @router.post("/batches", response_model=BatchSummary, status_code=201)
    def detect(body: DetectRequest, actor: Me) -> BatchSummary:
        """Run change detection (diff or monitoring patches) and store the batch.

        A workspace holding a verified sample (the demo's ground truth) gets the batch's
        precision and recall against it.
        """
        return service.detect_changes(ws, actor, from_year=body.from_year,
                                      to_year=body.to_year, counties=body.counties,
                                      source=body.source, truth=_truth(ws),
                                      truth_name="demo ground truth").batch

    @router.get("/batches/{batch_id}", response_model=BatchSummary)
    def get_batch(batch_id: BatchId, actor: Me) -> BatchSummary:
        """One batch with its thresholds, counts and (where a sample exists) scores.

        Counts, area and scores cover the caller's counties of the batch only.
        """
        return service.get_batch(ws, actor, batch_id)

    @router.get("/batches/{batch_id}/patches", response_model=list[ChangePatch])
    def patches(batch_id: BatchId, actor: Me,
                county: Annotated[str | None, Query(pattern=r"^\d{6}$")] = None,
                legality: Legality | None = None, geometry: bool = True,
                ) -> list[ChangePatch]:
        """Patches of a batch in the caller's scope (optionally one county / legality)."""
        return service.batch_patches(ws, actor, batch_id, counties=[county] if county else None,
                                     legality=legality.value if legality else None,
                                     with_geometry=geometry)

    @router.get("/batches/{batch_id}/matrix", response_model=list[MatrixCell])
    def matrix(batch_id: BatchId, actor: Me) -> list[MatrixCell]:
        """From × to change matrix by county (m², 公顷, 亩)."""
        return change_matrix(service.read_patches(ws, actor, batch_id))

    @router.get("/batches/{batch_id}/matrix.xlsx", response_class=FileResponse)
    def matrix_xlsx(batch_id: BatchId, actor: Me, tasks: BackgroundTasks) -> FileResponse:
        """Return the change matrix and patch list as XLSX."""
        from onemap.reports.change_tables import write_change_tables

        tables = service.export_tables(ws, actor, batch_id)
        folder = FsPath(tempfile.mkdtemp(prefix="onemap-change-"))
        path = write_change_tables(folder / f"change-{batch_id}.xlsx", tables.batch,
                                   tables.matrix, tables.patches)
        tasks.add_task(_cleanup, folder)
        return FileResponse(path, media_type=XLSX, filename=path.name)

    return router


def _truth(ws: Workspace) -> list[TruthItem] | None:
    from onemap.demo.truth import TRUTH_DIR, TRUTH_FILE, load_ground_truth

    if not (ws.root / TRUTH_DIR / TRUTH_FILE).is_file():
        return None
    return truth_from_frame(load_ground_truth(ws.root))


def _cleanup(folder: FsPath) -> None:
    import shutil

    shutil.rmtree(folder, ignore_errors=True)
