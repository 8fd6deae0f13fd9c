"""Benchmark: 占补平衡 ledger postings under concurrency, and the 批供用 status computation.

* ledger: ``--debits`` debits posted from ``--threads`` threads (each its own pooled
  connection) through :func:`onemap.quota.service.debit` (DLTB overlay + locked posting)
  and through :func:`onemap.store.accounts.post` alone (the locked posting), on
  PostgreSQL (a throwaway cluster, or ``--pg-url``) and on SQLite; prints postings/s and
  entries/s (3 legs per debit: quantity, paddy, capacity);
* supply: the tiny demo of ``--counties`` counties with the quota/supply demo data;
  :func:`onemap.supply.service.supply_status` timed for 1, 2, … counties (an analyst of
  those counties), beside a plain GeoPandas 批而未供 (``overlay(how="difference")`` of
  approvals minus supply, areas in Gauss–Krüger) of the same counties, in the same run.

Prints medians of ``--repeat`` runs and ratios. Usage::

    .venv/bin/python bench/bench_quota.py [--repeat 3] [--debits 400] [--threads 12]
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

import geopandas as gpd
import shapely
from sqlalchemy import create_engine, text

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from typing import TYPE_CHECKING

from onemap.quota import service
from onemap.quota.allocate import BOOK, account_keys
from onemap.quota.models import DebitIn, ProjectIn
from onemap.store.access import Actor, Role
from onemap.store.accounts import Leg, post
from onemap.store.db import utc_now
from onemap.store.reader import WorkspaceReader
from onemap.store.workspace import Workspace
from quota_world import CELL, X0, Y0, farmland_of, gj, write_world

if TYPE_CHECKING:
    import pandas as pd

PG_BIN = Path("/usr/lib/postgresql/15/bin")
ADMIN = Actor(username="bench", role=Role.ADMIN, regions=["360000"], origin="local")
A = "360111"


def start_pg() -> tuple[str, callable]:
    """Start a throwaway PostgreSQL 15 cluster; return its URL and a stop function."""
    base = Path(tempfile.mkdtemp(prefix="onemap-pg-bench-"))
    run_as: list[str] = []
    if os.geteuid() == 0:
        shutil.chown(base, "postgres", "postgres")
        run_as = ["runuser", "-u", "postgres", "--"]
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    data = base / "data"
    subprocess.run([*run_as, str(PG_BIN / "initdb"), "-D", str(data), "-A", "trust", "-U",
                    "onemap", "--no-sync"], check=True, capture_output=True)
    subprocess.run([*run_as, str(PG_BIN / "pg_ctl"), "-D", str(data), "-l", str(base / "log"),
                    "-o", f"-p {port} -k {base} -c listen_addresses=127.0.0.1 -c fsync=off "
                    "-c max_connections=200", "-w", "start"], check=True, capture_output=True)

    def stop() -> None:
        subprocess.run([*run_as, str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "immediate",
                        "stop"], capture_output=True, check=False)
        shutil.rmtree(base, ignore_errors=True)

    return f"postgresql+psycopg://onemap@127.0.0.1:{port}/postgres", stop


def pg_workspace(root: Path, url: str) -> Workspace:
    name = f"bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name}"))
    admin.dispose()
    return Workspace.create(root, database_url=url.rsplit("/", 1)[0] + f"/{name}")


def small(k: int) -> shapely.Polygon:
    x = X0 + 0.0002 + (k % 8) * 0.0002
    y = Y0 + 0.0002 + (k // 8 % 8) * 0.0002
    return shapely.box(x, y, x + 0.0001, y + 0.0001)


def ledger_round(ws: Workspace, n: int, threads: int, mode: str) -> float:
    """Seconds to post ``n`` debits from ``threads`` threads (all accepted)."""
    geom = shapely.box(X0, Y0, X0 + CELL, Y0 + 4 * CELL)
    no = uuid.uuid4().hex[:6]
    service.add_projects(ws, ADMIN, [ProjectIn(
        project_no=f"P{no}", county=A, accepted_on=date(2019, 1, 1),
        area_m2=farmland_of(geom) * 0.99, paddy_m2=farmland_of(geom) * 0.99, grade=5,
        geometry=gj(geom))])
    reader = WorkspaceReader(ws)
    keys = list(account_keys(A).values())

    def one(k: int) -> None:
        if mode == "service":
            service.debit(ws, ADMIN, DebitIn(ref=f"D{no}-{k}", county=A,
                                             value_date=date(2020, 1, 1),
                                             geometry=gj(small(k))), reader=reader)
        else:
            def plan(states):
                legs = []
                for key in keys:
                    lot = states[key].lots[0]
                    legs.append(Leg(key, -1.0, date(2020, 1, 1), grade=lot.grade,
                                    lot=lot.entry_id))
                return legs
            post(ws, keys, plan, book=BOOK, kind="debit", ref=f"D{no}-{k}",
                 value_date=date(2020, 1, 1), actor="bench", at=utc_now())

    t = time.perf_counter()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        list(pool.map(one, range(n)))
    return time.perf_counter() - t


def bench_ledger(args: argparse.Namespace) -> None:
    url, stop = (args.pg_url, lambda: None) if args.pg_url else start_pg()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for db in ("postgresql", "sqlite"):
                ws = (pg_workspace(Path(tmp) / f"{db}-ws", url) if db == "postgresql"
                      else Workspace.create(Path(tmp) / f"{db}-ws"))
                write_world(ws)
                for mode in ("posting", "service"):
                    times = [ledger_round(ws, args.debits, args.threads, mode)
                             for _ in range(args.repeat)]
                    med = statistics.median(times)
                    print(f"ledger {db:10s} {mode:8s} {args.debits} debits × {args.threads} "
                          f"threads: median {med:.2f} s → {args.debits / med:,.0f} postings/s, "
                          f"{3 * args.debits / med:,.0f} entries/s")
                ws.close()
    finally:
        stop()


def plain_unsupplied(approvals: gpd.GeoDataFrame, supply: gpd.GeoDataFrame) -> pd.Series:
    """批而未供 per county the plain GeoPandas way (difference overlay, planar GK area)."""
    rest = gpd.overlay(approvals[["county", "geometry"]], supply[["geometry"]],
                       how="difference", keep_geom_type=True)
    return rest.to_crs(4527).area.groupby(rest["county"]).sum()


def bench_supply(args: argparse.Namespace) -> None:
    from onemap.demo.job import prepare_main_job
    from onemap.demo.models import DemoOptions
    from onemap.demo.service import build_demo
    from onemap.supply.service import supply_status
    from onemap.supply.status import CountyInputs, unsupplied_approvals

    counties = ["360111", "360121", "360203", "360302"][:args.counties]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "ws"
        t = time.perf_counter()
        build_demo(root, DemoOptions(scale="tiny", seed=2019, counties=counties,
                                     picture=False, workers=1))
        prepare_main_job(root, 2019)
        print(f"supply: tiny demo of {len(counties)} counties built in "
              f"{time.perf_counter() - t:.1f} s")
        ws = Workspace.open(root)
        held = [p.county for p in ws.partitions("approval")]
        for k in range(1, len(held) + 1):
            mine = held[:k]
            actor = Actor(username="bench", role=Role.ANALYST, regions=mine, origin="local")
            ours = [timed(lambda a=actor: supply_status(ws, a, 2020, with_geometry=False))
                    for _ in range(args.repeat)]

            def baseline(mine=mine) -> pd.Series:
                a = ws.read_layer("approval", counties=mine)
                s = ws.read_layer("land_supply", counties=mine)
                return plain_unsupplied(a, s)

            def ours_unsupplied(mine=mine) -> None:
                for county in mine:
                    inp = CountyInputs(county, ws.read_layer("approval", counties=[county]),
                                       ws.read_layer("land_supply", counties=[county]),
                                       gpd.GeoDataFrame(geometry=[], crs=4490), None)
                    unsupplied_approvals(inp, date(2020, 12, 31))

            base = [timed(baseline) for _ in range(args.repeat)]
            pwg = [timed(ours_unsupplied) for _ in range(args.repeat)]
            o, b, u = (statistics.median(x) for x in (ours, base, pwg))
            st = supply_status(ws, actor, 2020, with_geometry=False)
            plain = baseline()
            diff = max(abs(r.unsupplied.m2 - float(plain.get(r.county, 0.0)))
                       / max(r.unsupplied.m2, 1.0) for r in st.counties)
            print(f"supply {k} counties: onemap status (批而未供+闲置+增存挂钩) median "
                  f"{o * 1000:.0f} ms ({o / k * 1000:.0f} ms/county); plain GeoPandas "
                  f"批而未供 only {b * 1000:.0f} ms; onemap 批而未供 only {u * 1000:.0f} ms "
                  f"(ratio {u / b:.2f}); full status / plain {o / b:.2f}; max rel. diff of "
                  f"批而未供 {diff:.2e} (planar vs ellipsoidal)")
        ws.close()


def timed(fn) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--debits", type=int, default=400)
    parser.add_argument("--threads", type=int, default=12)  # ≤ the 15 pooled connections
    parser.add_argument("--counties", type=int, default=3)
    parser.add_argument("--pg-url", default="")
    parser.add_argument("--skip-ledger", action="store_true")
    parser.add_argument("--skip-supply", action="store_true")
    args = parser.parse_args()
    if not args.skip_ledger:
        bench_ledger(args)
    if not args.skip_supply:
        bench_supply(args)


if __name__ == "__main__":
    main()
