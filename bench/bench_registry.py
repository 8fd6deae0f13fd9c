"""Benchmark: every registration unit's register, onemap vs GeoPandas overlay + groupby.

On a demo workspace (``onemap demo DIR --scale tiny|small|...``; its registration units
are generated here if the workspace holds none), in the same process:

* onemap, kernel: for every DLTB county partition meeting a unit,
  :func:`onemap.registry.register.county_register` (natural status by resource type
  and ownership in one ``area_by_class`` call, public controls in another, mining
  rights in one ``intersect_pairs``), tables merged over counties;
* baseline, kernel: the same job in plain GeoPandas: ``gpd.overlay(dltb, units)``
  and ``gpd.overlay(controls, units)`` per county, ellipsoidal areas of the pieces
  (the same area function), ``groupby`` unit × resource / control, mining rights by
  ``sjoin`` + ``overlay``;
* onemap, service: :func:`onemap.registry.service.compute_registers` end to end
  (partition reads, registers as models) for reference.

Inputs of the kernels are read once beforehand (both sides get the same arrays).
Prints medians of ``--repeat`` runs, the ratio, and the largest difference between
the two natural-status tables (m²). Usage::

    PYTHONPATH=src .venv/bin/python bench/bench_registry.py DEMO_DIR [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

sys.path.insert(0, os.path.dirname(__file__))
from common import timed

from onemap.geometry.area import ellipsoidal_area
from onemap.geometry.overlay import merge_area_tables
from onemap.registry import service
from onemap.registry.register import (
    CONTROL_KINDS,
    CountyInputs,
    county_register,
    ownership_of,
    resource_classes,
)
from onemap.store.workspace import Workspace
from onemap.users.identity import local_operator

VINTAGE = 2020


def load(ws: Workspace) -> tuple[gpd.GeoDataFrame, list[dict[str, object]]]:
    """Units and, per DLTB county meeting them, the DLTB / control / mining frames."""
    units = ws.read_layer("registration_unit")
    boxes = np.array([g.bounds for g in units.geometry])
    counties = []
    for part in ws.partitions("dltb", VINTAGE, bbox=tuple(units.total_bounds)):
        b = part.bbox
        near = ((boxes[:, 0] <= b[2]) & (boxes[:, 2] >= b[0]) & (boxes[:, 1] <= b[3])
                & (boxes[:, 3] >= b[1]))
        if not near.any():
            continue
        controls = {k: ws.read_layer(k, counties=[part.county], columns=["geometry"])
                    for k in CONTROL_KINDS if ws.has_layer(k)}
        mining = (ws.read_layer("mining_right", counties=[part.county])
                  if ws.has_layer("mining_right") else None)
        counties.append({"dltb": ws.read_partition(part, columns=["DLBM", "QSXZ", "geometry"]),
                         "units": units[near].reset_index(drop=True), "controls": controls,
                         "mining": mining})
    return units, counties


def onemap_kernel(counties: list[dict[str, object]]) -> pd.DataFrame:
    nat, ctl = [], []
    for c in counties:
        dltb, units = c["dltb"], c["units"]
        mining = c["mining"]
        t = county_register(CountyInputs(
            dltb=dltb.geometry.to_numpy(), dlbm=dltb["DLBM"].to_numpy(),  # type: ignore[attr-defined]
            qsxz=dltb["QSXZ"].to_numpy(), units=units.geometry.to_numpy(),  # type: ignore[index]
            numbers=units["DJDYH"].to_numpy(),  # type: ignore[index]
            controls={k: f.geometry.to_numpy() for k, f in c["controls"].items()},  # type: ignore[attr-defined]
            mining=mining.geometry.to_numpy() if mining is not None else None,  # type: ignore[attr-defined]
            licences=mining["XKZH"].to_numpy() if mining is not None else ()))  # type: ignore[index]
        nat.append(t.natural)
        ctl.append(t.controls)
    natural = merge_area_tables(nat)
    natural["resource"] = natural["class"].str.split("|").str[0]
    merge_area_tables(ctl)
    return natural.groupby(["key", "resource"])["area_m2"].sum()


def geopandas_kernel(counties: list[dict[str, object]]) -> pd.DataFrame:
    nat, ctl, mines = [], [], []
    for c in counties:
        dltb = c["dltb"].copy()  # type: ignore[attr-defined]
        dltb["resource"] = resource_classes(dltb["DLBM"].to_numpy())
        dltb["own"] = ownership_of(dltb["QSXZ"].to_numpy())
        units = c["units"][["DJDYH", "geometry"]]  # type: ignore[index]
        pieces = gpd.overlay(dltb[["resource", "own", "geometry"]], units, how="intersection",
                             keep_geom_type=True)
        pieces["area_m2"] = ellipsoidal_area(pieces.geometry.to_numpy())
        nat.append(pieces.groupby(["DJDYH", "resource", "own"], as_index=False)["area_m2"].sum())
        for kind, frame in c["controls"].items():  # type: ignore[attr-defined]
            if not len(frame):
                continue
            cp = gpd.overlay(frame.assign(control=kind), units, how="intersection",
                             keep_geom_type=True)
            cp["area_m2"] = ellipsoidal_area(cp.geometry.to_numpy())
            ctl.append(cp.groupby(["DJDYH", "control"], as_index=False)["area_m2"].sum())
        mining = c["mining"]
        if mining is not None and len(mining):  # type: ignore[arg-type]
            touch = gpd.sjoin(mining[["XKZH", "geometry"]], units, predicate="intersects")  # type: ignore[index]
            mines.append(touch[["XKZH", "DJDYH"]])
    natural = pd.concat(nat, ignore_index=True)
    return natural.groupby(["DJDYH", "resource"])["area_m2"].sum()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("workspace", type=Path)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    ws = Workspace.open(args.workspace)
    actor = local_operator(ws)
    if not ws.has_layer("registration_unit"):
        from onemap.demo.registry import build_demo_registry

        build_demo_registry(ws, 2019, actor=actor)
    units, counties = load(ws)
    polygons = sum(len(c["dltb"]) for c in counties)  # type: ignore[arg-type]
    print(f"workspace {args.workspace}: {len(units)} units over {len(counties)} DLTB "
          f"counties ({polygons:,} DLTB polygons, vintage {VINTAGE})")
    t_om, runs_om, ours = timed(lambda: onemap_kernel(counties), args.repeat)
    t_gp, runs_gp, theirs = timed(lambda: geopandas_kernel(counties), args.repeat)
    t_sv, runs_sv, batch = timed(lambda: service.compute_registers(ws, actor, vintage=VINTAGE),
                                 args.repeat)
    both = pd.concat([ours.rename("onemap"), theirs.rename("geopandas")], axis=1).fillna(0.0)
    diff = (both["onemap"] - both["geopandas"]).abs()
    print(f"onemap kernel (overlay per county)   median {t_om:8.3f} s  runs "
          f"{[round(x, 3) for x in runs_om]}")
    print(f"GeoPandas overlay + groupby          median {t_gp:8.3f} s  runs "
          f"{[round(x, 3) for x in runs_gp]}")
    print(f"onemap service compute_registers     median {t_sv:8.3f} s  runs "
          f"{[round(x, 3) for x in runs_sv]} ({len(batch.registers)} registers)")
    print(f"ratio GeoPandas / onemap kernel: {t_gp / t_om:.2f}×")
    print(f"largest natural-status difference: {diff.max():.6f} m² "
          f"(relative {float((diff / both['geopandas'].abs().clip(lower=1)).max()):.2e})")
    ws.close()


if __name__ == "__main__":
    main()
