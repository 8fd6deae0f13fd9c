"""Web service latency on loopback: vector tiles (z8/z12/z15), a features page, a review.

Usage::

    python bench/bench_web.py                        # builds a small demo workspace first
    python bench/bench_web.py --workspace DEMO_DIR   # e.g. one made by `onemap demo`
    python bench/bench_web.py --requests 200 --threads 4
    python bench/bench_web.py --scale province       # the province-scale demo (11.5M polygons)

Starts ``onemap serve`` on 127.0.0.1 (a free port) as a subprocess, authenticates with an
API token of a provincial admin, and times requests with keep-alive HTTP clients:

* tiles: ``--requests`` distinct tiles per zoom inside the DLTB extent, first cold (never
  rendered) then warm (the same URLs again: served from the tile cache);
* features: pages of 100 (``limit=100``) at random offsets, unfiltered and with a bbox;
* review: ``POST /reviews`` with a ~20-ha square site inside a county;
* throughput: warm tiles requested from ``--threads`` threads at once.

Prints p50/p95 in ms and requests/s. No asserts: figures only.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import morecantile
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "integration"))
from api_helpers import live_server

from onemap.store.access import Role
from onemap.store.workspace import Workspace
from onemap.users.models import UserCreate
from onemap.users.service import UserService

WMQ = morecantile.tms.get("WebMercatorQuad")


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values) * 1000, q))


def line(name: str, times: list[float], extra: str = "") -> None:
    print(f"{name:<34} n={len(times):>4}  p50 {pct(times, 50):8.1f} ms  "
          f"p95 {pct(times, 95):8.1f} ms  {extra}")


def timed(client: httpx.Client, method: str, url: str, **kw: object) -> tuple[float, int, int]:
    t0 = time.perf_counter()
    r = client.request(method, url, **kw)
    dt = time.perf_counter() - t0
    if r.status_code >= 400:
        raise SystemExit(f"{method} {url} -> {r.status_code}: {r.text[:300]}")
    return dt, r.status_code, len(r.content)


def prepare(root: Path | None, scale: str) -> tuple[Path, str]:
    if root is None:
        root = Path(tempfile.mkdtemp(prefix="onemap-bench-web-")) / "demo"
        exe = Path(sys.executable).with_name("onemap")
        print(f"building a {scale} demo workspace in {root} …", flush=True)
        subprocess.run([str(exe), "demo", str(root), "--scale", scale, "--no-picture"],
                       check=True, stdout=subprocess.DEVNULL)
    ws = Workspace.open(root)
    users = UserService(ws)
    if not any(u.username == "bench" for u in users.list_users()):
        users.add_user(UserCreate(username="bench", password="bench-pw", role=Role.ADMIN,
                                  regions=[ws.config.root_region]))
    token = users.create_token("bench", "bench_web").token
    ws.close()
    return root, token


def tiles_for(bbox: tuple[float, float, float, float], z: int, n: int,
              rng: np.random.Generator) -> list[morecantile.Tile]:
    tiles = list(WMQ.tiles(*bbox, zooms=[z])) if z <= 12 else []
    if not tiles or len(tiles) < n:
        pts = rng.uniform([bbox[0], bbox[1]], [bbox[2], bbox[3]], size=(n * 3, 2))
        tiles = list(dict.fromkeys(WMQ.tile(x, y, z) for x, y in pts))
    idx = rng.choice(len(tiles), size=min(n, len(tiles)), replace=False)
    return [tiles[i] for i in idx]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--workspace", type=Path, default=None)
    ap.add_argument("--requests", type=int, default=60, help="requests per measured series")
    ap.add_argument("--threads", type=int, default=4)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--scale", default="small", help="demo scale when no --workspace is given")
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)
    root, token = prepare(args.workspace, args.scale)
    ws = Workspace.open(root)
    dltb = ws.layer("dltb")
    cid = f"dltb_{dltb.vintage}"
    parts = ws.partitions("dltb", dltb.vintage)
    print(f"workspace {root}: {cid} {dltb.features:,} polygons in {len(parts)} counties")
    ws.close()
    headers = {"Authorization": f"Bearer {token}"}
    with tempfile.TemporaryDirectory() as tmp, live_server(root, Path(tmp) / "server.log") as url:
        client = httpx.Client(base_url=url, headers=headers, timeout=120)
        bbox = dltb.bbox
        for z in (8, 12, 15):
            tiles = tiles_for(bbox, z, args.requests, rng)
            paths = [f"/collections/{cid}/tiles/WebMercatorQuad/{t.z}/{t.y}/{t.x}" for t in tiles]
            cold = [timed(client, "GET", p) for p in paths]
            warm = [timed(client, "GET", p) for p in paths]
            sizes = [c[2] for c in cold]
            line(f"tile z{z} cold", [c[0] for c in cold],
                 f"size p50 {np.median(sizes) / 1000:.1f} kB, max {max(sizes) / 1000:.1f} kB")
            line(f"tile z{z} warm", [w[0] for w in warm])
        total = sum(p.rows for p in parts)
        offsets = rng.integers(0, max(1, total - 100), size=args.requests)
        pages = [timed(client, "GET", f"/collections/{cid}/items?limit=100&offset={o}")
                 for o in offsets]
        line("features page limit=100 (offset)", [p[0] for p in pages])
        boxes = []
        for _ in range(args.requests):
            p = parts[int(rng.integers(len(parts)))]
            x = rng.uniform(p.bbox[0], p.bbox[2] - 0.02)
            y = rng.uniform(p.bbox[1], p.bbox[3] - 0.02)
            boxes.append(f"{x:.5f},{y:.5f},{x + 0.02:.5f},{y + 0.02:.5f}")
        bpages = [timed(client, "GET", f"/collections/{cid}/items?limit=100&bbox={b}")
                  for b in boxes]
        line("features page limit=100 (bbox)", [p[0] for p in bpages])
        reviews = []
        for _ in range(max(5, args.requests // 6)):
            p = parts[int(rng.integers(len(parts)))]
            cx = (p.bbox[0] + p.bbox[2]) / 2 + rng.uniform(-0.02, 0.02)
            cy = (p.bbox[1] + p.bbox[3]) / 2 + rng.uniform(-0.02, 0.02)
            d = 0.0022  # ≈ 450 m square ≈ 20 ha
            site = {"type": "Polygon", "coordinates": [[[cx, cy], [cx + d, cy],
                                                        [cx + d, cy + d], [cx, cy + d],
                                                        [cx, cy]]]}
            reviews.append(timed(client, "POST", "/reviews", json=site,
                                 headers={"Content-Type": "application/geo+json"}))
        line("review POST /reviews", [r[0] for r in reviews])
        warm_paths = [f"/collections/{cid}/tiles/WebMercatorQuad/{t.z}/{t.y}/{t.x}"
                      for t in tiles_for(bbox, 12, args.requests, rng)]
        for p in warm_paths:
            client.get(p)
        done: list[float] = []
        lock = threading.Lock()

        def worker() -> None:
            with httpx.Client(base_url=url, headers=headers, timeout=120) as c:
                for p in warm_paths:
                    dt, _, _ = timed(c, "GET", p)
                    with lock:
                        done.append(dt)

        t0 = time.perf_counter()
        threads = [threading.Thread(target=worker) for _ in range(args.threads)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.perf_counter() - t0
        line(f"warm z12 tiles, {args.threads} threads", done,
             f"{len(done) / wall:.0f} requests/s")
        t0 = time.perf_counter()
        for o in offsets[:20]:
            client.get(f"/collections/{cid}/items?limit=100&offset={o}")
        print(f"features pages sequential: {20 / (time.perf_counter() - t0):.1f} requests/s")
        print(f"review sequential: {len(reviews) / sum(r[0] for r in reviews):.2f} requests/s")


if __name__ == "__main__":
    main()
