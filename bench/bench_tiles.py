"""Vector-tile render times per zoom through the real renderer, with and without overviews.

Usage::

    python bench/bench_tiles.py --workspace DIR                 # zooms 6..14, 10 tiles each
    python bench/bench_tiles.py --workspace DIR --zooms 6-9 --tiles 30 --kind dltb

``sweep`` renders a seeded sample of WebMercatorQuad tiles over the layer per zoom with
:func:`onemap.api.ogc.tiles.render_tile` as a provincial admin (the ``ScopedReader`` the
server uses), each tile cold (a fresh reader: empty partition cache, catalog read before
the clock starts; the OS file cache is not dropped) and then warm (the same reader
again), first from the overviews and then without them (the layer entry with its
overviews left out: the path tiles took before overviews existed), and last through the
server's tile stores (path ``seeded``, :func:`onemap.api.ogc.tilestore.fetch_tile`): cold
is a fresh reader (empty caches), the tile's ETag and the read of its file in the disk
tier ``<workspace>/tiles`` (run ``onemap tiles seed DIR`` first; a tile not on disk is
rendered and stored, as the server does, and counted as a miss), warm is the in-memory
``TileCache`` hit of the same request again. It prints per zoom and path p50/p95 in ms
(wall clock, and CPU time of this process: on a busy machine the CPU figure is the one to
compare) and mean tile bytes, and the baseline/overview and overview/seeded ratios of the
p95s.
No asserts: figures only. The ``overviews`` and ``baseline`` paths never use a tile cache.
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import morecantile
import numpy as np

from onemap.api.ogc.tiles import TileAddress, TileCache, render_tile
from onemap.api.ogc.tilestore import DiskTiles, fetch_tile, workspace_tiles
from onemap.store.access import Actor, Role
from onemap.store.reader import LayerEntry, ScopedReader, WorkspaceReader
from onemap.store.workspace import Workspace

WMQ = morecantile.tms.get("WebMercatorQuad")
MAX_BYTES = 500_000  # the server's default tile budget (ApiSettings.tile_max_bytes)


def pct(values: list[float], q: float) -> float:
    """Percentile ``q`` of seconds, in ms."""
    return float(np.percentile(np.asarray(values) * 1000, q))


def sample_tiles(entry: LayerEntry, z: int, n: int, seed: int) -> list[TileAddress]:
    """Up to ``n`` distinct tiles at zoom ``z`` whose centre lies in a partition's bbox."""
    rng = np.random.default_rng(seed + z)
    boxes = np.array([p.bbox for p in entry.partitions])
    found: dict[tuple[int, int], TileAddress] = {}
    for _ in range(n * 50):
        if len(found) >= n:
            break
        b = boxes[rng.integers(len(boxes))]
        lon, lat = rng.uniform(b[0], b[2]), rng.uniform(b[1], b[3])
        t = WMQ.tile(lon, lat, z)
        found.setdefault((t.x, t.y), TileAddress("WebMercatorQuad", z, t.x, t.y))
    return list(found.values())


def _without_overviews(entry: LayerEntry) -> LayerEntry:
    return LayerEntry(entry.info, [p.model_copy(update={"overview": None})
                                   for p in entry.partitions])


def _reader(ws: Workspace, actor: Actor, kind: str, vintage: int | None,
            baseline: bool) -> tuple[ScopedReader, LayerEntry]:
    data = WorkspaceReader(ws).scoped(actor)
    entry = data.layer(kind, vintage)
    return data, (_without_overviews(entry) if baseline else entry)


def _render(data: ScopedReader, entry: LayerEntry, addr: TileAddress
            ) -> tuple[float, float, int]:
    """Wall seconds, CPU seconds of this process, and bytes of one render."""
    gc.collect()  # the previous reader's garbage is not this tile's cost
    t0, c0 = time.perf_counter(), time.process_time()
    blob = render_tile(data, entry, addr, MAX_BYTES)
    return time.perf_counter() - t0, time.process_time() - c0, len(blob)


def _fetch(data: ScopedReader, entry: LayerEntry, addr: TileAddress, memory: TileCache,
           disk: DiskTiles) -> tuple[float, float, int, str]:
    """Wall seconds, CPU seconds, bytes and source of one request through the tile stores."""
    gc.collect()
    t0, c0 = time.perf_counter(), time.process_time()
    blob, source = fetch_tile(data, entry, addr, MAX_BYTES, memory, disk)
    return time.perf_counter() - t0, time.process_time() - c0, len(blob), source


def sweep(workspace_dir: str | Path, zooms: range | list[int] = range(6, 15), *,
          tiles: int = 10, kind: str = "dltb", vintage: int | None = None,
          seed: int = 1) -> list[dict[str, Any]]:
    """Time cold and warm renders per zoom, with overviews and without; print and return rows.

    Each row: zoom, path (``overviews`` / ``baseline`` / ``seeded``), tiles, cold/warm
    p50/p95 (ms), mean bytes; ``seeded`` rows also ``disk_hits`` (cold requests answered
    from the disk tier) and ``warm_memory_hits``.
    """
    ws = Workspace.open(workspace_dir)
    actor = Actor(username="bench", role=Role.ADMIN, regions=[ws.config.root_region])
    rows: list[dict[str, Any]] = []
    disk = workspace_tiles(ws.root)
    try:
        _, entry = _reader(ws, actor, kind, vintage, baseline=False)
        covered = sum(p.overview is not None for p in entry.partitions)
        print(f"{entry.collection_id}: {len(entry.partitions)} partitions, {covered} with "
              f"overviews, {sum(p.rows for p in entry.partitions):,} features")
        for z in zooms:
            sample = sample_tiles(entry, z, tiles, seed)
            by_path = {}
            for path in ("overviews", "baseline", "seeded"):
                times: dict[str, list[float]] = {"cold": [], "warm": [], "cold_cpu": [],
                                                 "warm_cpu": []}
                sizes = []
                sources: list[str] = []
                for addr in sample:
                    data, e = _reader(ws, actor, kind, vintage, baseline=path == "baseline")
                    if path == "seeded":
                        memory = TileCache(16)
                        wall, cpu, size, source = _fetch(data, e, addr, memory, disk)
                        sources.append(source)
                    else:
                        wall, cpu, size = _render(data, e, addr)
                    times["cold"].append(wall)
                    times["cold_cpu"].append(cpu)
                    sizes.append(size)
                    if path == "seeded":
                        wall, cpu, _, source = _fetch(data, e, addr, memory, disk)
                        sources.append(f"warm-{source}")
                    else:
                        wall, cpu, _ = _render(data, e, addr)
                    times["warm"].append(wall)
                    times["warm_cpu"].append(cpu)
                row: dict[str, Any] = {"zoom": z, "path": path, "tiles": len(sample),
                                       "bytes": statistics.mean(sizes)}
                if path == "seeded":
                    row["disk_hits"] = sources.count("disk")
                    row["warm_memory_hits"] = sources.count("warm-memory")
                for name, values in times.items():
                    row[f"{name}_p50_ms"], row[f"{name}_p95_ms"] = pct(values, 50), pct(values, 95)
                by_path[path] = row
                rows.append(row)
                print(f"z{z:<2} {path:<9} n={len(sample):>3}  cold p50 {row['cold_p50_ms']:8.1f}"
                      f" p95 {row['cold_p95_ms']:8.1f} ms (cpu p95 {row['cold_cpu_p95_ms']:7.1f})"
                      f"   warm p50 {row['warm_p50_ms']:7.1f} p95 {row['warm_p95_ms']:7.1f} ms"
                      f" (cpu p95 {row['warm_cpu_p95_ms']:6.1f})   {row['bytes'] / 1000:7.1f} kB"
                      + (f"   disk hits {row['disk_hits']}/{len(sample)}" if path == "seeded"
                         else ""),
                      flush=True)
            base, ov = by_path["baseline"], by_path["overviews"]
            print(f"z{z:<2} ratio baseline/overviews (p95): cold "
                  f"{base['cold_p95_ms'] / max(ov['cold_p95_ms'], 1e-6):6.2f}× (cpu "
                  f"{base['cold_cpu_p95_ms'] / max(ov['cold_cpu_p95_ms'], 1e-6):6.2f}×), warm "
                  f"{base['warm_p95_ms'] / max(ov['warm_p95_ms'], 1e-6):6.2f}× (cpu "
                  f"{base['warm_cpu_p95_ms'] / max(ov['warm_cpu_p95_ms'], 1e-6):6.2f}×)",
                  flush=True)
            sd = by_path["seeded"]
            print(f"z{z:<2} ratio overviews/seeded (p95): cold "
                  f"{ov['cold_p95_ms'] / max(sd['cold_p95_ms'], 1e-6):6.2f}× (cpu "
                  f"{ov['cold_cpu_p95_ms'] / max(sd['cold_cpu_p95_ms'], 1e-6):6.2f}×), warm "
                  f"{ov['warm_p95_ms'] / max(sd['warm_p95_ms'], 1e-6):6.2f}× (cpu "
                  f"{ov['warm_cpu_p95_ms'] / max(sd['warm_cpu_p95_ms'], 1e-6):6.2f}×)",
                  flush=True)
    finally:
        ws.close()
    return rows


def _zooms(text: str) -> list[int]:
    lo, _, hi = text.partition("-")
    return list(range(int(lo), int(hi or lo) + 1))


def main(argv: list[str] | None = None) -> None:
    """Parse arguments and run :func:`sweep`."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--workspace", type=Path, required=True, help="workspace folder")
    p.add_argument("--zooms", default="6-14", help="zoom range, e.g. 6-9 (default 6-14)")
    p.add_argument("--tiles", type=int, default=10, help="tiles sampled per zoom")
    p.add_argument("--kind", default="dltb")
    p.add_argument("--vintage", type=int, default=None, help="default: latest")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--json", action="store_true", help="end with the rows as one JSON line")
    a = p.parse_args(argv)
    rows = sweep(a.workspace, _zooms(a.zooms), tiles=a.tiles, kind=a.kind, vintage=a.vintage,
                 seed=a.seed)
    if a.json:
        print(json.dumps({"rows": rows}))


if __name__ == "__main__":
    main(sys.argv[1:])
