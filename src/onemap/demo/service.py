"""Build the demo province into a workspace: counties in parallel worker processes.

Peak memory: one county per worker (plus the shared province context in each).
"""

from __future__ import annotations

import os
import pickle
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from onemap.compute import Executor, get_executor
from onemap.demo.changes import make_changes
from onemap.demo.context import ProvinceContext, province_context
from onemap.demo.controls import make_controls
from onemap.demo.county import county_rng, generate_base
from onemap.demo.errors import DemoError, UnknownDemoCounty
from onemap.demo.models import CountyFigures, DemoOptions, DemoResult
from onemap.demo.targets import BULLETIN_GROUPS
from onemap.demo.tessellate import local_area_m2
from onemap.demo.truth import write_ground_truth
from onemap.standards.landuse import level1_of
from onemap.store.orphans import unreferenced_partitions
from onemap.store.workspace import Workspace, WrittenPartition

Progress = Callable[[int, int, str], None]
CONTROL_KINDS = ["udb", "nature_reserve", "eco_redline", "pbf", "hsf", "mining_right",
                 "hazard_point", "hazard_zone"]
CONTROL_VINTAGE = 2020
PICTURE_MAX_POLYGONS = 400_000  # above this the CLI skips the picture unless asked


def _standard(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Drop the generator's helper columns (leading underscore)."""
    return frame[[c for c in frame.columns if not str(c).startswith("_")]]


def _write(ws: Workspace, kind: str, vintage: int | None, frame: gpd.GeoDataFrame) -> int:
    if frame is None or len(frame) == 0:
        return 0
    ws.write_layer(kind, vintage, _standard(frame).reset_index(drop=True),
                   source_path="onemap demo", title="")
    return len(frame)


def _remove_demo(path: Path) -> None:
    """Delete ``path`` if it is a demo workspace (onemap.toml + truth table); else refuse."""
    import shutil

    if not path.exists():
        return
    if not ((path / "onemap.toml").exists() and (path / "truth" / "changes.parquet").exists()):
        raise DemoError("refusing to overwrite a folder that is not a demo workspace",
                        path=str(path))
    shutil.rmtree(path)


def _counties(ctx: ProvinceContext, wanted: list[str] | None) -> list[str]:
    codes = list(ctx.boundaries.counties.XZQDM)
    if not wanted:
        return codes
    unknown = sorted(set(wanted) - set(codes))
    if unknown:
        raise UnknownDemoCounty(f"not Jiangxi county codes: {', '.join(unknown)}")
    return [c for c in codes if c in set(wanted)]


def build_county(ctx: ProvinceContext, code: str, scale: str) -> dict[str, Any]:
    """Generate everything of one county; return frames by layer name and the truth."""
    base = generate_base(ctx, code, scale)
    n = len(base.dltb)
    mean_cell_m = float(np.sqrt(local_area_m2([base.geometry])[0] / max(n, 1)))
    controls = make_controls(base, county_rng(ctx.seed, code, 3),
                             ctx.calibration.redline_threshold, mean_cell_m)
    multiplier = int(max(1, min(40, round(n / 700))))
    cs = make_changes(base, controls, ctx.calibration, county_rng(ctx.seed, code, 4), multiplier)
    layers = dict(controls.layers)
    for name, recs, geoms in (("approval", cs.approvals, cs.approval_geoms),
                              ("land_supply", cs.supply, cs.supply_geoms)):
        if recs:
            extra = gpd.GeoDataFrame(pd.DataFrame(recs).assign(county=code), geometry=geoms,
                                     crs="EPSG:4490")
            layers[name] = pd.concat([layers[name], extra], ignore_index=True) \
                if len(layers[name]) else extra
    tw = base.units.townships.assign(county=code)
    return {"base": base, "dltb2019": base.dltb, "dltb2020": cs.dltb, "layers": layers,
            "truth": cs.truth, "townships": tw}


def _shares(acc: dict[str, float], dltb: gpd.GeoDataFrame) -> None:
    for code, area in dltb.groupby("DLBM").TBDLMJ.sum().items():
        acc[str(code)] = acc.get(str(code), 0.0) + float(area)
    acc["1203"] = acc.get("1203", 0.0) + float(dltb.KCMJ.sum())


def group_shares(code_areas: dict[str, float]) -> dict[str, float]:
    """Return bulletin-group shares (%) from per-code areas."""
    total = sum(code_areas.values()) or 1.0
    out: dict[str, float] = {}
    for code, area in code_areas.items():
        g = BULLETIN_GROUPS[level1_of(code)]
        out[g] = out.get(g, 0.0) + area / total * 100
    return {k: round(v, 3) for k, v in sorted(out.items())}


@dataclass
class CountyOutput:
    """What a worker sends back for one county: its written files and small tables."""

    code: str
    written: dict[tuple[str, int | None], list[WrittenPartition]]
    truth: gpd.GeoDataFrame
    code_areas: dict[str, float]
    figures: CountyFigures


_WORKSPACES: dict[str, Workspace] = {}


def _worker_workspace(root: str) -> Workspace:
    """Return this process's handle on the workspace (opened once per worker)."""
    if root not in _WORKSPACES:
        _WORKSPACES[root] = Workspace.open(root)
    return _WORKSPACES[root]


_CONTEXTS: dict[str, ProvinceContext] = {}


def _worker_context(seed: int, context_file: str) -> ProvinceContext:
    """Return the province context: loaded once per worker from the parent's pickle.

    Computing it takes ≈ 8 s; the parent's pickle (≈ 7 MB) loads in milliseconds. An
    empty ``context_file`` means "this process": use the cached :func:`province_context`.
    """
    if not context_file:
        return province_context(seed)
    if context_file not in _CONTEXTS:
        with open(context_file, "rb") as fh:  # written by this build's parent process
            _CONTEXTS[context_file] = pickle.load(fh)
    return _CONTEXTS[context_file]


def generate_county(root: str, seed: int, scale: str, context_file: str,
                    code: str) -> CountyOutput:
    """Kernel: generate county ``code`` and write its partition files (not the catalog).

    Runs in a worker process; depends only on (seed, county, scale), so the files are
    the same bytes whichever worker runs it. The parent commits the returned
    partitions; on failure the files this county wrote are deleted.
    """
    t = time.perf_counter()
    ws = _worker_workspace(root)
    out = build_county(_worker_context(seed, context_file), code, scale)
    batch = {("admin_township", None): out["townships"], ("dltb", 2019): out["dltb2019"],
             ("dltb", 2020): out["dltb2020"]}
    batch |= {(kind, CONTROL_VINTAGE): frame for kind, frame in out["layers"].items()}
    written: dict[tuple[str, int | None], list[WrittenPartition]] = {}
    try:
        for (kind, vintage), frame in batch.items():
            if len(frame):
                written[(kind, vintage)] = ws.write_partitions(
                    kind, vintage, _standard(frame).reset_index(drop=True))
    except BaseException:
        for parts in written.values():
            ws.discard_partitions(parts)
        raise
    areas: dict[str, float] = {}
    _shares(areas, out["dltb2019"])
    figures = CountyFigures(county=code, name=out["base"].name,
                            polygons_2019=len(out["dltb2019"]),
                            polygons_2020=len(out["dltb2020"]), changes=len(out["truth"]),
                            seconds=round(time.perf_counter() - t, 3),
                            worker_rss_mb=round(_peak_rss_mb(), 1))
    return CountyOutput(code, written, out["truth"], areas, figures)


def _peak_rss_mb() -> float:
    """Return this process's peak resident memory in MB (0 where unsupported)."""
    try:
        import resource
    except ImportError:  # Windows
        return 0.0
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _orphans(ws: Workspace) -> list[Path]:
    """Partition and overview files under ``layers/`` that the catalog does not reference."""
    return unreferenced_partitions(ws)


def _generate(ws: Workspace, ctx: ProvinceContext, codes: list[str], options: DemoOptions,
              progress: Progress | None, cluster: Executor | None = None,
              ) -> list[CountyOutput]:
    """Run :func:`generate_county` over ``codes`` (biggest first); results in ``codes`` order.

    ``cluster`` (e.g. a Dask executor) runs the counties there instead of local processes; the
    context file then lies in the workspace folder, which every worker must see.
    """
    b = ctx.boundaries.counties
    size = dict(zip(b.XZQDM, shapely.area(b.geometry.to_numpy()), strict=True))
    order = sorted(codes, key=lambda c: -float(size[c]))  # biggest (longest) jobs first
    workers = min(options.workers or os.cpu_count() or 1, len(codes))
    context_file = ""

    def report(done: int, total: int) -> None:
        if progress:
            progress(done, total, "")

    name = "processes" if workers > 1 else "inprocess"
    executor = cluster or get_executor(name, **({"workers": workers} if workers > 1 else {}))
    try:
        if workers > 1 or cluster is not None:  # hand the workers the context
            fd, context_file = tempfile.mkstemp(
                prefix=".demo-context-", suffix=".pickle",
                dir=str(ws.root) if cluster is not None else None)
            with os.fdopen(fd, "wb") as fh:
                pickle.dump(ctx, fh, protocol=pickle.HIGHEST_PROTOCOL)
        kernel = partial(generate_county, str(ws.root), options.seed, options.scale,
                         context_file)
        if cluster is not None:  # the caller owns (and closes) the cluster's executor
            outputs = executor.map(kernel, order, progress=report)
        else:
            with executor:
                outputs = executor.map(kernel, order, progress=report)
    except BaseException:
        for f in _orphans(ws):  # files of the counties that finished before the failure
            f.unlink(missing_ok=True)
        raise
    finally:
        if context_file:
            Path(context_file).unlink(missing_ok=True)
        stale = _WORKSPACES.pop(str(ws.root), None)  # the in-process kernel's handle
        if stale is not None:
            stale.close()
    by_code = {o.code: o for o in outputs}
    return [by_code[c] for c in codes]


def build_demo(path: str | Path, options: DemoOptions,
               progress: Progress | None = None, executor: Executor | None = None,
               ) -> DemoResult:
    """Create a workspace at ``path`` holding the demo province; return what was built.

    Counties are generated in parallel (``options.workers`` processes, default every
    core), each writing its own partition files; this process then switches the catalog
    to them, one transaction per layer. ``executor`` (e.g. a Dask cluster's, from
    ``--cluster``) generates the counties instead; the caller closes it. The same seed gives
    the same bytes whatever the number of workers or where they run.
    """
    t0 = time.perf_counter()
    ctx = province_context(options.seed)
    codes = _counties(ctx, options.counties)
    if options.overwrite:
        _remove_demo(Path(path))
    ws = Workspace.create(path, name=f"江西演示省 seed {options.seed}", root_region="360000")
    b = ctx.boundaries
    _write(ws, "admin_province", None, b.province)
    cities = sorted({c[:4] + "00" for c in codes})
    _write(ws, "admin_city", None, b.cities[b.cities.XZQDM.isin(cities)])
    _write(ws, "admin_county", None, b.counties[b.counties.XZQDM.isin(codes)][
        ["XZQDM", "XZQMC", "geometry"]])
    outputs = _generate(ws, ctx, codes, options, progress, executor)
    counts: dict[str, int] = {}
    keys = list(dict.fromkeys(k for o in outputs for k in o.written))
    try:
        for kind, vintage in keys:
            parts = [p for o in outputs for p in o.written.get((kind, vintage), [])]
            ws.commit_partitions(kind, vintage, parts, source_path="onemap demo")
            key = f"{kind}/{vintage}" if kind == "dltb" else kind
            counts[key] = counts.get(key, 0) + sum(p.rows for p in parts)
    except BaseException:
        for f in _orphans(ws):
            f.unlink(missing_ok=True)
        raise
    for f in _orphans(ws):  # the files of an attempt a lost (cluster) worker never returned
        f.unlink(missing_ok=True)
    code_areas: dict[str, float] = {}
    for o in outputs:
        for code, area in o.code_areas.items():
            code_areas[code] = code_areas.get(code, 0.0) + area
    truths = [o.truth for o in outputs]
    figures = [o.figures for o in outputs]
    truth_path = write_ground_truth(ws.root, truths)
    ws.close()
    result = DemoResult(
        workspace=str(ws.root), scale=options.scale, seed=options.seed, counties=len(codes),
        county_codes=codes,
        polygons_2019=counts.get("dltb/2019", 0), polygons_2020=counts.get("dltb/2020", 0),
        changes=sum(len(t) for t in truths), layers=counts,
        class_shares=group_shares(code_areas), seconds=round(time.perf_counter() - t0, 2),
        bytes=sum(p.stat().st_size for p in Path(ws.root).rglob("*") if p.is_file()),
        truth_path=str(truth_path), picture_path=None, cleaning=b.report,
        workers=min(options.workers or os.cpu_count() or 1, len(codes)))
    write_summary(result)
    (Path(ws.root) / "outputs" / "demo-counties.json").write_text(
        "[\n" + ",\n".join(f.model_dump_json() for f in figures) + "\n]\n", encoding="utf-8")
    return result


def write_summary(result: DemoResult) -> Path:
    """Write ``outputs/demo-summary.json`` of a demo workspace; return its path."""
    out = Path(result.workspace) / "outputs" / "demo-summary.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(result.model_dump_json(indent=2), encoding="utf-8")
    return out
