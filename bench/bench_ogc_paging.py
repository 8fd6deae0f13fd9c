"""GDAL reading a whole collection through OGC API – Features: the old page (10) and the new.

Two live ``onemap serve`` processes on one workspace (a DLTB grid of three test counties),
one with the old default page (``ONEMAP_FEATURES_DEFAULT_LIMIT=10``), one with the new
(1,000). Clients: pyogrio's GDAL (3.12, ``OAPIF``) and Debian's ``ogr2ogr`` (3.6), each
taking whatever the server offers (no ``PAGE_SIZE``), and a plain client that sends no
``limit`` and follows ``next`` links; alternated, medians of ``--rounds``. GDAL sends its own
``limit`` (3.6: 10, 3.12: 1,000), so the server's default changes what clients without a
``limit`` get; the ``PAGE_SIZE`` row shows the page size's own effect on GDAL 3.6.

    PYTHONPATH=src .venv/bin/python bench/bench_ogc_paging.py [--per-side 45] [--rounds 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import pyogrio

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "integration"))
from api_helpers import PASSWORD, build_workspace, dltb_frame, free_port


def _serve(ws: Path, limit: int, log: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    exe = Path(sys.executable).with_name("onemap")
    env = {**os.environ, "ONEMAP_FEATURES_DEFAULT_LIMIT": str(limit)}
    proc = subprocess.Popen([str(exe), "serve", str(ws), "--port", str(port)],
                            stdout=log.open("wb"), stderr=subprocess.STDOUT, env=env)
    url = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            if httpx.get(url + "/conformance", timeout=2).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    proc.kill()
    raise RuntimeError(log.read_text(errors="replace")[-2000:])


def _pyogrio(url: str) -> tuple[int, float]:
    t0 = time.perf_counter()
    gdf = pyogrio.read_dataframe(f"OAPIF:{url}/", layer="dltb_2020",
                                 USERPWD=f"admin:{PASSWORD}")
    return len(gdf), time.perf_counter() - t0


def _next_links(url: str) -> tuple[int, float]:
    """A client that sends no ``limit`` and follows ``next`` (OWSLib, scripts, browsers)."""
    t0 = time.perf_counter()
    n, href = 0, f"{url}/collections/dltb_2020/items"
    with httpx.Client(auth=("admin", PASSWORD), timeout=600) as client:
        while href:
            page = client.get(href).json()
            n += len(page["features"])
            href = next((lk["href"] for lk in page["links"] if lk["rel"] == "next"), None)
    return n, time.perf_counter() - t0


def _ogr2ogr(url: str, out: Path, page: int | None = None) -> tuple[int, float]:
    out.unlink(missing_ok=True)
    t0 = time.perf_counter()
    extra = ["-oo", f"PAGE_SIZE={page}"] if page else []
    subprocess.run(["ogr2ogr", "-f", "GPKG", str(out), f"OAPIF:{url}/", "dltb_2020",
                    "--config", "GDAL_HTTP_USERPWD", f"admin:{PASSWORD}", *extra], check=True,
                   capture_output=True, timeout=3600)
    seconds = time.perf_counter() - t0
    return len(pyogrio.read_dataframe(out, read_geometry=False)), seconds


CLIENTS = ("httpx, server's default", "pyogrio (GDAL 3.12)", "ogr2ogr (GDAL 3.6)",
           "ogr2ogr 3.6 PAGE_SIZE=page")


def main() -> None:
    """Print features/s per client and page, medians, and the ratio new/old."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--per-side", type=int, default=45, help="grid side per county")
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        ws = build_workspace(root / "ws")
        ws.write_layer("dltb", 2020, dltb_frame(per_side=args.per_side))
        ws.close()
        servers = {page: _serve(root / "ws", page, root / f"serve{page}.log")
                   for page in (10, 1000)}
        try:
            rates: dict[tuple[str, int], list[float]] = {}
            count = 0
            for _ in range(args.rounds):
                for page, (_proc, url) in servers.items():
                    for client in CLIENTS:
                        if client.startswith("pyogrio"):
                            n, s = _pyogrio(url)
                        elif client.startswith("httpx"):
                            n, s = _next_links(url)
                        else:
                            n, s = _ogr2ogr(url, root / "out.gpkg",
                                            page if "PAGE_SIZE" in client else None)
                        count = n
                        rates.setdefault((client, page), []).append(n / s)
        finally:
            for proc, _url in servers.values():
                proc.terminate()
                proc.wait(timeout=10)
    print(f"features: {count:,}; rounds: {args.rounds} (medians)")
    print(f"{'client':27} {'page 10':>14} {'page 1000':>14} {'ratio':>7}")
    for client in CLIENTS:
        old = statistics.median(rates[(client, 10)])
        new = statistics.median(rates[(client, 1000)])
        print(f"{client:27} {old:>10,.0f} f/s {new:>10,.0f} f/s {new / old:>6.1f}×")


if __name__ == "__main__":
    main()
