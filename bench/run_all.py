"""Run every benchmark one after another and print their figures (not a test; no asserts).

``python bench/run_all.py`` runs the full sizes (tens of minutes on 2 cores);
``--quick`` runs each at a small size as a smoke run.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

# (script, arguments for the full run, arguments for a quick run)
BENCHES: list[tuple[str, list[str], list[str]]] = [
    ("bench_area.py", [], ["--quick", "--repeat", "2"]),
    ("bench_overlay.py", [], ["--quick", "--repeat", "2"]),
    ("bench_import.py", [], ["--features", "20000", "--repeat", "1"]),
    ("bench_stats.py", [], ["--rows", "500000", "--repeat", "1"]),
    ("bench_qc.py", [], ["--side", "80", "--repeat", "1"]),
    ("bench_change.py", [], ["--counties", "2", "--per-county", "10000", "--no-symdiff"]),
    ("bench_review.py", [], ["--counties", "2", "--sites", "20", "--cold", "3", "--batch", "5"]),
    ("bench_indicators.py", [], ["--scale", "tiny", "--counties", "4"]),
    ("bench_web.py", [], ["--scale", "tiny", "--requests", "15"]),
    ("bench_demo.py", [], ["--scale", "tiny", "--counties", "360111,360121"]),
    ("bench_mining.py", [], ["--scale", "tiny", "--repeat", "2"]),
    ("bench_dask_overlay.py", [], ["--repeat", "2"]),
]


def main() -> int:
    """Run the benchmarks; return the number that failed."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true", help="small sizes (smoke run)")
    ap.add_argument("--only", default="", help="comma-separated script names to run")
    args = ap.parse_args()
    only = {s.strip() for s in args.only.split(",") if s.strip()}
    failed = 0
    for script, full, quick in BENCHES:
        if only and script not in only:
            continue
        cmd = [sys.executable, str(HERE / script), *(quick if args.quick else full)]
        print(f"\n=== {' '.join(cmd[1:])}", flush=True)
        start = time.perf_counter()
        rc = subprocess.call(cmd)
        print(f"=== {script}: exit {rc}, {time.perf_counter() - start:.1f} s", flush=True)
        failed += rc != 0
    return failed


if __name__ == "__main__":
    sys.exit(main())
