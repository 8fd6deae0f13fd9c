"""The one read path, before and after: review p95 and warm tile p95 in one run.

Usage::

    python bench/bench_read_path.py                   # baseline: commit 7cf9a74 (issue 11's)
    python bench/bench_read_path.py --baseline-ref REF --rounds 3 --scale tiny

A git worktree of the baseline commit is checked out under ``bench/out/``; the demo
province is built once with the baseline code and copied for each side, so both read the
same partitions. Each round runs the baseline and the current code in fresh processes,
one after the other, through the HTTP app (``create_app`` + a provincial admin's token):

* review: ``POST /reviews`` of seeded ~20-ha sites after the cache is warm (the first
  sites warm it and are not timed);
* warm tiles: distinct z13/z14 vector tiles over the same counties, rendered once to load
  the partitions, then rendered again with the tile cache emptied (partition cache warm).

Prints medians over rounds of each side's p50/p95 and the ratio current / baseline.
Figures only, no asserts.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out" / "read-path"

MEASURE = r'''
import json, sys, time
import numpy as np, shapely, morecantile
from onemap.api.app import create_app
from onemap.api.deps import ApiSettings
from onemap.store.access import Role
from onemap.store.workspace import Workspace
from onemap.users.models import UserCreate
from onemap.users.service import UserService
from fastapi.testclient import TestClient

root, n_sites, n_tiles = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
ws = Workspace.open(root)
users = UserService(ws)
if not any(u.username == "bench" for u in users.list_users()):
    users.add_user(UserCreate(username="bench", password="bench-password-1", role=Role.ADMIN,
                              regions=[ws.config.root_region]))
auth = {"Authorization": "Bearer " + users.create_token("bench").token}
app = create_app(ApiSettings(workspace=ws.root), ws)
ctx = app.state.ctx
review = getattr(ctx, "reviews", None) or ctx.extras["review_service"]
tiles = getattr(ctx, "tiles", None) or ctx.extras.get("tile_cache")
client = TestClient(app)

rng = np.random.default_rng(7)
dltb = ws.read_layer("dltb", ws.latest_vintage("dltb"), columns=["DLBM"])
pick = rng.choice(len(dltb), size=n_sites + 10, replace=False)
sites = []
for g in dltb.geometry.to_numpy()[pick]:
    p = shapely.point_on_surface(g)
    sites.append({"type": "Polygon", "coordinates": [[
        [p.x - 0.0022, p.y - 0.002], [p.x + 0.0022, p.y - 0.002],
        [p.x + 0.0022, p.y + 0.002], [p.x - 0.0022, p.y + 0.002], [p.x - 0.0022, p.y - 0.002]]]})

def timed(method, url, **kw):
    t = time.perf_counter()
    r = client.request(method, url, headers=auth, **kw)
    dt = time.perf_counter() - t
    if r.status_code >= 400:
        raise SystemExit(f"{url}: HTTP {r.status_code} {r.text[:300]}")
    return dt

for s in sites[:10]:                      # warm the partition cache
    timed("POST", "/reviews", json=s)
review.cache.wait()
rev = [timed("POST", "/reviews", json=s) for s in sites[10:]]

wmq = morecantile.tms.get("WebMercatorQuad")
addrs = []
for s in sites[: n_tiles // 2]:
    x, y = s["coordinates"][0][0]
    for z in (13, 14):
        t = wmq.tile(x, y, z)
        addrs.append((z, t.y, t.x))
addrs = sorted(set(addrs))
for z, y, x in addrs:                      # load the partitions the tiles read
    timed("GET", f"/collections/dltb_{ws.latest_vintage('dltb')}/tiles/WebMercatorQuad/{z}/{y}/{x}")
if hasattr(tiles, "_items"):
    tiles._items.clear()
warm = [timed("GET", f"/collections/dltb_{ws.latest_vintage('dltb')}/tiles/WebMercatorQuad/"
              f"{z}/{y}/{x}") for z, y, x in addrs]
q = lambda v, p: float(np.percentile(np.asarray(v) * 1000, p))
print(json.dumps({"review_p50": q(rev, 50), "review_p95": q(rev, 95),
                  "tile_p50": q(warm, 50), "tile_p95": q(warm, 95),
                  "reviews": len(rev), "tiles": len(warm)}))
'''


def _run(src: Path, args: list[str]) -> str:
    env = {**os.environ, "PYTHONPATH": str(src)}
    proc = subprocess.run([sys.executable, *args], env=env, capture_output=True, text=True,
                          check=False)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(args[:3])} failed:\n{proc.stderr[-3000:]}")
    return proc.stdout


def _baseline(ref: str) -> Path:
    tree = OUT / f"baseline-{ref}"
    if not (tree / "src" / "onemap").is_dir():
        OUT.mkdir(parents=True, exist_ok=True)
        subprocess.run(["git", "worktree", "add", "--detach", str(tree), ref], cwd=ROOT,
                       check=True, capture_output=True)
    return tree / "src"


def main() -> None:
    """Build the demo with the baseline, then time both sides round by round."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--baseline-ref", default="7cf9a74")
    ap.add_argument("--scale", default="tiny")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--sites", type=int, default=60)
    ap.add_argument("--tiles", type=int, default=80)
    args = ap.parse_args()
    base_src, new_src = _baseline(args.baseline_ref), ROOT / "src"
    demo = OUT / f"demo-{args.scale}"
    if not (demo / "onemap.toml").is_file():
        _run(base_src, ["-c", "from onemap.cli.main import main; main()", "demo", str(demo),
                        "--scale", args.scale, "--overwrite"])
    results: dict[str, list[dict[str, float]]] = {"baseline": [], "current": []}
    for r in range(args.rounds):
        for side, src in (("baseline", base_src), ("current", new_src)):
            ws = OUT / f"ws-{side}"
            shutil.rmtree(ws, ignore_errors=True)
            shutil.copytree(demo, ws)
            out = _run(src, ["-c", MEASURE, str(ws), str(args.sites), str(args.tiles)])
            results[side].append(json.loads(out.strip().splitlines()[-1]))
            print(f"round {r + 1} {side:<8} {results[side][-1]}", flush=True)
    print(f"\n{'figure':<12} {'baseline':>10} {'current':>10} {'ratio':>7}   "
          f"(medians of {args.rounds} rounds, ms)")
    for key in ("review_p50", "review_p95", "tile_p50", "tile_p95"):
        b = statistics.median(x[key] for x in results["baseline"])
        c = statistics.median(x[key] for x in results["current"])
        print(f"{key:<12} {b:>10.1f} {c:>10.1f} {c / b:>7.2f}")


if __name__ == "__main__":
    main()
