"""Benchmark: the mining conflict check, onemap against a plain GeoPandas overlay, same run.

Job: for every mining/exploration right of a demo workspace and every control layer
(生态保护红线, 自然保护地 core and general zones, 永久基本农田, 城镇开发边界, 地质灾害风险区),
the ellipsoidal overlap area (m², CGCS2000) of the right with the layer.

* onemap: :func:`onemap.mining.conflicts.find_conflicts` on the whole province's
  rights and control layers (STRtree pairs, prepared ``contains_properly``, boundary
  integral for crossing pairs), and the whole :func:`onemap.mining.service.run_check`
  (partition reads, county kernel through the executor, register and 0602 checks);
* geopandas: per layer (zone), ``geopandas.overlay(rights, layer, how="intersection")``,
  dissolved by right, area with pyproj ``Geod`` (the plain way to the same figures).

Frames are read before timing (both engines get the same in-memory layers). Runs
alternate; prints the median of ``--repeat`` runs, the ratio, and the largest area
difference between the two. Usage::

    .venv/bin/python bench/bench_mining.py --workspace demo-workspace
    .venv/bin/python bench/bench_mining.py --counties 360722,361181,360902   # builds one
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely
from pyproj import Geod

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))

from onemap.mining import service  # noqa: E402
from onemap.mining.conflicts import control_groups, find_conflicts  # noqa: E402
from onemap.mining.jobs import CONTROL_KINDS  # noqa: E402
from onemap.store.workspace import Workspace  # noqa: E402
from onemap.users.identity import local_operator  # noqa: E402

GEOD = Geod(ellps="GRS80")
AS_OF = date(2023, 12, 31)


def _geod(g: shapely.Geometry) -> float:
    return float(sum(abs(GEOD.geometry_area_perimeter(p)[0]) for p in shapely.get_parts(g)
                     if p.geom_type == "Polygon"))


def _workspace(args: argparse.Namespace) -> Path:
    if args.workspace:
        return Path(args.workspace)
    from onemap.demo.mining import load_demo_mining
    from onemap.demo.models import DemoOptions
    from onemap.demo.service import build_demo

    root = Path(tempfile.mkdtemp(prefix="bench-mining-")) / "ws"
    build_demo(root, DemoOptions(scale=args.scale, counties=args.counties.split(","),
                                 picture=False, workers=args.workers))
    ws = Workspace.open(root)
    load_demo_mining(ws, 2019, actor=local_operator(ws))
    ws.close()
    return root


def geopandas_conflicts(rights: gpd.GeoDataFrame, controls: dict[str, gpd.GeoDataFrame],
                        min_m2: float) -> dict[tuple[str, str, str], float]:
    """The plain way: overlay per layer (zone), dissolve by right, pyproj area."""
    out: dict[tuple[str, str, str], float] = {}
    left = rights[["right_no", "geometry"]]
    for kind, frame in controls.items():
        zones = {"": frame}
        if kind == "nature_reserve":
            zones = {z: frame[frame.ZONE == z] for z in ("core", "general")}
        for zone, f in zones.items():
            if not len(f):
                continue
            pieces = gpd.overlay(left, f[["geometry"]], how="intersection", keep_geom_type=True)
            if not len(pieces):
                continue
            merged = pieces.dissolve(by="right_no")
            for no, geom in zip(merged.index, merged.geometry, strict=True):
                area = _geod(geom)
                if area >= min_m2:
                    out[(str(no), kind, zone)] = area
    return out


def direct_areas(keys: list[tuple[str, str, str]], rights: gpd.GeoDataFrame,
                 controls: dict[str, gpd.GeoDataFrame]) -> dict[tuple[str, str, str], float]:
    """Reference: each right ∩ the union of the layer's polygons it meets, pyproj area."""
    geoms = dict(zip(rights["right_no"], rights.geometry, strict=True))
    out = {}
    for no, kind, zone in keys:
        f = controls[kind]
        if kind == "nature_reserve":
            f = f[f.ZONE == zone]
        g = geoms[no]
        near = f[f.intersects(g)].geometry.to_numpy()
        out[(no, kind, zone)] = _geod(shapely.intersection(g, shapely.union_all(near)))
    return out


def main() -> None:
    """Run the benchmark and print medians and ratios."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--workspace", default="", help="an existing demo workspace")
    ap.add_argument("--counties", default="360722,361181,360902")
    ap.add_argument("--scale", default="small")
    ap.add_argument("--workers", type=int, default=1, help="processes of the whole check")
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    ws = Workspace.open(_workspace(args))
    actor = local_operator(ws)
    rules = service.load_rules(ws)
    rights = service.rights_frame(ws, actor)
    controls = {k: ws.read_layer(k, ws.latest_vintage(k)) for k in CONTROL_KINDS
                if ws.has_layer(k)}
    n_controls = sum(len(f) for f in controls.values())
    groups = sum(len(control_groups(k, f)) for k, f in controls.items())
    times: dict[str, list[float]] = {"onemap": [], "geopandas": [], "run_check": []}
    ours: dict[tuple[str, str, str], float] = {}
    theirs: dict[tuple[str, str, str], float] = {}
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        rows = find_conflicts(rights, controls, rules)
        times["onemap"].append(time.perf_counter() - t0)
        ours = {(r.right_no, r.layer, r.zone): r.overlap_m2 for r in rows}
        t0 = time.perf_counter()
        theirs = geopandas_conflicts(rights, controls, rules.min_overlap_m2)
        times["geopandas"].append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        service.run_check(ws, actor, as_of=AS_OF, workers=args.workers)
        times["run_check"].append(time.perf_counter() - t0)
    med = {k: statistics.median(v) for k, v in times.items()}
    same = ours.keys() == theirs.keys()
    diff = max((abs(ours[k] - theirs[k]) for k in ours if k in theirs), default=0.0)
    ref = direct_areas(sorted(ours), rights, controls)
    ref_ours = max((abs(ours[k] - ref[k]) for k in ours), default=0.0)
    ref_gpd = max((abs(theirs[k] - ref[k]) for k in theirs if k in ref), default=0.0)
    counties = len({p.county for p in ws.partitions("dltb", ws.latest_vintage("dltb"))})
    print(f"workspace {ws.root} · {counties} counties · {len(rights)} rights · "
          f"{n_controls} control polygons in {groups} layers/zones · {len(ours)} conflicts")
    print(f"conflict overlay, median of {args.repeat}: onemap {med['onemap'] * 1e3:.1f} ms · "
          f"geopandas overlay+dissolve+Geod {med['geopandas'] * 1e3:.1f} ms · "
          f"ratio geopandas/onemap {med['geopandas'] / med['onemap']:.1f}×")
    print(f"whole check (reads, {args.workers} workers, register and 0602 checks): "
          f"{med['run_check'] * 1e3:.1f} ms")
    print(f"same conflicts: {same} · largest area difference onemap vs geopandas {diff:.6f} m²")
    print(f"against right ∩ union(layer) by shapely + pyproj: onemap {ref_ours:.6f} m², "
          f"geopandas overlay+dissolve {ref_gpd:.6f} m²")
    ws.close()
    _ = pd  # the frames are pandas underneath


if __name__ == "__main__":
    main()
