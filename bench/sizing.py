"""The nation on paper: a sizing model from a measured province run (bench_province.py JSON).

Usage::

    python bench/sizing.py bench-province.json [--polygons 300e6 --counties 2800]
        [--largest-county 1.2e6] [--workers 64] [--markdown]

Inputs, all from the province run unless given: per job, the core-seconds per polygon
(wall seconds × worker processes ÷ polygons, the county kernels being independent and
CPU-bound), the spread of per-county cost (the demo's per-county seconds per polygon:
median and maximum), bytes on disk per polygon (both vintages and every layer), and the
peak memory of the largest process against the largest county's polygons. The national
figures scale each linearly in polygons (the kernels are linear or n log n within a county,
and counties are independent), and the wall time of a job on W workers is the larger of
(total core-seconds ÷ W) and the largest county's own time: a county is one task, so no
number of workers finishes a job before its largest county does.
"""

from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path
from typing import Any

JOBS = {  # name → (path in the JSON to seconds, polygons processed per vintage factor)
    "demo build (2 vintages)": (("build", "seconds"), 2),
    "QC, one vintage": (("qc", "province", "seconds"), 1),
    "vintage diff + cases": (("change", "province", "seconds"), 2),
    "indicator refresh": (("indicators", "province", "seconds"), 2),
    "statistics (attributes only)": (("stats", "seconds_median"), 1),
}


def _get(doc: dict[str, Any], path: tuple[str, ...]) -> float | None:
    cur: Any = doc
    for key in path:
        if not isinstance(cur, dict) or key not in cur:
            return None
        cur = cur[key]
    return float(cur)


def model(run: dict[str, Any], polygons: float, counties: int, largest: float,
          workers: int, local_workers: int) -> dict[str, Any]:
    """National figures from a province run; every input is returned beside them."""
    prov = float(run["dltb_2020_polygons"])
    big = float(run["largest_county"]["polygons_2020"])
    per = run.get("build", {}).get("per_county", [])
    spread = None
    if per:
        rates = [c["seconds"] / max(c["polygons_2020"], 1) for c in per]
        spread = {"median_s_per_1k": round(1000 * statistics.median(rates), 3),
                  "max_s_per_1k": round(1000 * max(rates), 3),
                  "max_over_median": round(max(rates) / statistics.median(rates), 2)}
    jobs = {}
    for name, (path, factor) in JOBS.items():
        seconds = _get(run, path)
        if seconds is None:
            continue
        core_s_per_poly = seconds * local_workers / (prov * factor)
        total_core_h = core_s_per_poly * polygons * factor / 3600
        # the largest county is one task: its time at the province's per-polygon rate,
        # times the measured spread between the slowest county and the median
        skew = spread["max_over_median"] if spread else 1.0
        largest_task_h = core_s_per_poly * largest * factor * skew / 3600
        wall_h = max(total_core_h / workers, largest_task_h)
        jobs[name] = {"province_seconds": round(seconds, 1),
                      "core_us_per_polygon": round(core_s_per_poly * 1e6, 1),
                      "nation_core_hours": round(total_core_h, 1),
                      "largest_county_hours": round(largest_task_h, 2),
                      f"wall_hours_on_{workers}_workers": round(wall_h, 2)}
    rss = [v.get("peak_rss_mb") for v in (run.get("qc", {}).get("province"),
                                         run.get("change", {}).get("province")) if v]
    peak_mb = max(rss) if rss else None
    worker_mb = peak_mb * largest / big if peak_mb else None
    bytes_per_poly = (run.get("build", {}).get("bytes") or 0) / (2 * prov)
    return {
        "inputs": {"province_polygons_per_vintage": int(prov), "largest_county_polygons": int(big),
                   "local_worker_processes": local_workers, "county_cost_spread": spread,
                   "peak_rss_mb_largest_process": peak_mb,
                   "bytes_per_polygon_all_layers": round(bytes_per_poly, 1)},
        "assumptions": {"polygons_per_vintage": polygons, "counties": counties,
                        "largest_county_polygons": largest, "workers": workers},
        "jobs": jobs,
        "storage_gb_two_vintages": round(bytes_per_poly * 2 * polygons / 1e9, 1),
        "worker_memory_gb_for_largest_county": round(worker_mb / 1024, 1) if worker_mb else None,
        "scheduler_tasks_per_job": counties,
    }


def markdown(m: dict[str, Any]) -> str:
    """The sizing table for docs/scale.md."""
    w = m["assumptions"]["workers"]
    out = ["| job | core µs / polygon (measured) | nation core-hours | largest county "
           f"(one task) h | wall h on {w} workers |", "|---|---|---|---|---|"]
    for name, j in m["jobs"].items():
        out.append(f"| {name} | {j['core_us_per_polygon']} | {j['nation_core_hours']:,} | "
                   f"{j['largest_county_hours']} | {j[f'wall_hours_on_{w}_workers']} |")
    return "\n".join(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("run", type=Path)
    ap.add_argument("--polygons", type=float, default=300e6)
    ap.add_argument("--counties", type=int, default=2800)
    ap.add_argument("--largest-county", type=float, default=1.2e6,
                    help="polygons of the nation's largest county (assumption)")
    ap.add_argument("--workers", type=int, default=64)
    ap.add_argument("--local-workers", type=int, default=2)
    ap.add_argument("--markdown", action="store_true")
    args = ap.parse_args()
    m = model(json.loads(args.run.read_text()), args.polygons, args.counties,
              args.largest_county, args.workers, args.local_workers)
    print(json.dumps(m, ensure_ascii=False, indent=2))
    if args.markdown:
        print(markdown(m))


if __name__ == "__main__":
    main()
