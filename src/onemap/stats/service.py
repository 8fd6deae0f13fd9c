"""Official statistics over a workspace: DLTB attributes county by county → tables."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import pyarrow.parquet as pq

from onemap.errors import NotFound
from onemap.stats.models import LEVELS, AdminLevel, StatsTable
from onemap.stats.tabulate import (
    NEEDED_COLUMNS,
    TOWNSHIP_DIGITS,
    build_rows,
    combine_tabulations,
    tabulate_partition,
)
from onemap.store.policy import Action

if TYPE_CHECKING:
    from pathlib import Path

    import pandas as pd

    from onemap.compute import Executor
    from onemap.store.access import Actor
    from onemap.store.workspace import Workspace

Progress = Callable[[int, int, str], None]
ADMIN_KINDS = ("admin_province", "admin_city", "admin_county", "admin_township")


def tabulate_file(path: str | Path) -> pd.DataFrame:
    """Read only the attribute columns statistics need from one partition and tabulate them.

    The geometry column is never read (Parquet column projection).
    """
    schema = pq.read_schema(path)
    columns = [c for c in NEEDED_COLUMNS if c in schema.names]
    codes = [c for c in ("ZLDWDM", "DLBM") if c in columns]
    return tabulate_partition(pq.read_table(path, columns=columns, read_dictionary=codes))


def admin_names(ws: Workspace) -> dict[str, str]:
    """Return admin code → XZQMC from the workspace's admin layers (6 digits; townships 9)."""
    names: dict[str, str] = {}
    for kind in ADMIN_KINDS:
        if not ws.has_layer(kind):
            continue
        digits = TOWNSHIP_DIGITS if kind == "admin_township" else 6
        for part in ws.partitions(kind):
            path = ws.root / part.path
            if "XZQMC" not in pq.read_schema(path).names:
                continue
            frame = pq.read_table(path, columns=["XZQDM", "XZQMC"]).to_pandas()
            for code, name in zip(frame["XZQDM"].astype(str), frame["XZQMC"], strict=True):
                if isinstance(name, str) and name:
                    names.setdefault(code.strip()[:digits], name)
    return names


def tabulate_files(paths: Sequence[Path], progress: Progress | None = None,
                   labels: Sequence[str] | None = None,
                   executor: Executor | None = None) -> list[pd.DataFrame]:
    """Tabulate each county partition, a few at a time (memory follows the largest county).

    By default a thread per core (up to 4): Parquet decoding and the Arrow
    kernels release the GIL, so threads overlap counties without copying tables
    between processes. An :class:`onemap.compute.Executor` (process pool, Dask)
    can be passed instead.
    """
    if executor is not None:
        def tick(done: int, total: int) -> None:
            if progress:
                progress(done, total, labels[done - 1] if labels else str(paths[done - 1]))

        return executor.map(tabulate_file, list(paths), progress=tick)
    out: list[pd.DataFrame] = []
    workers = min(os.cpu_count() or 1, 4)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for i, tab in enumerate(pool.map(tabulate_file, paths)):
            out.append(tab)
            if progress:
                progress(i + 1, len(paths), labels[i] if labels else str(paths[i]))
    return out


def compute_statistics(
    ws: Workspace,
    vintage: int | None,
    *,
    actor: Actor,
    levels: Sequence[AdminLevel] | None = None,
    counties: list[str] | None = None,
    kind: str = "dltb",
    progress: Progress | None = None,
    executor: Executor | None = None,
) -> StatsTable:
    """Compute the land-use area tables of a DLTB vintage within ``actor``'s scope.

    Parameters
    ----------
    ws : Workspace
        The workspace holding the DLTB layer.
    vintage : int or None
        Survey year; None takes the latest vintage.
    actor : Actor
        Who asks: only counties (and rows) within their region scope are used.
    levels : sequence of admin levels, optional
        Defaults to every level; ``township`` only where ZLDWDM carries township codes.
    counties : list of str, optional
        Restrict to these 6-digit county codes (each must be in scope).

    Returns
    -------
    StatsTable
        Rows per admin unit × land class (m² exact, 公顷 / 亩 rounded and reconciled).
    """
    ws.authorize(actor, Action.READ, what="land-use statistics")
    year = vintage if vintage is not None else ws.latest_vintage(kind)
    if year is None:
        raise NotFound(f"no {kind} layer in the workspace (无地类图斑数据)")
    info = ws.layer(kind, year)
    ws.authorize_layer(actor, Action.READ, info)
    for code in counties or []:
        ws.authorize_layer(actor, Action.READ, info, code)
    parts = [p for p in ws.partitions(kind, year, counties=counties)
             if ws.allows_layer(actor, Action.READ, info, p.county)]
    tabs = tabulate_files([ws.root / p.path for p in parts], progress, [p.county for p in parts],
                          executor)
    tabulation = combine_tabulations(tabs)
    wanted = list(levels) if levels else list(LEVELS)
    if not levels and not (tabulation["unit"].str.len() >= TOWNSHIP_DIGITS).any():
        wanted.remove("township")
    rows = build_rows(tabulation, wanted, admin_names(ws)) if len(tabulation) else []
    rows = [r for r in rows if ws.allows(actor, Action.READ, r.admin_code)]
    return StatsTable(vintage=year, kind=kind, levels=wanted, counties=[p.county for p in parts],
                      features=int(tabulation["features"].sum()) if len(tabulation) else 0,
                      generated_at=datetime.now(UTC).replace(microsecond=0), rows=rows)


def statistics_for_export(ws: Workspace, vintage: int | None, *, actor: Actor, fmt: str,
                          **kwargs: object) -> StatsTable:
    """Compute the tables to be written to a file (XLSX/CSV): export right and audit.

    Same figures as :func:`compute_statistics`; the caller must be allowed to export,
    and the export is audited (``stats.export``) whether the API or the CLI writes it.
    """
    ws.authorize(actor, Action.EXPORT, what="land-use statistics")
    table = compute_statistics(ws, vintage, actor=actor, **kwargs)  # type: ignore[arg-type]
    ws.audit(actor.username, "stats.export", f"{table.kind}/{table.vintage}",
             {"format": fmt, "levels": table.levels, "counties": len(table.counties)})
    return table
