"""The nation on paper: a sizing model from a measured province run (bench_province.py JSON).

Usage::

    python bench/sizing.py bench-province.json [--polygons 300e6 --counties 2800]
        [--largest-county 1.2e6] [--workers 64] [--markdown]

Inputs, all from the province run unless given: per job, the core-seconds per polygon
(wall seconds × the job's worker processes ÷ polygons, the county kernels being
independent and CPU-bound); where the largest county was also run alone (QC, diff), the
skew of that county's time against the province rate; bytes on disk per polygon (both
vintages and every layer); and the memory of the county workers (largest county) and of
the main process (what it keeps of every county). The national figures scale each
linearly in polygons (the kernels are linear or n log n within a county, and counties are
independent), and the wall time of a job on W workers is the larger of (total core-seconds
÷ W) and the largest county's own time: a county is one task, so no number of workers
finishes a job before its largest county does. The demo build's per-county seconds per
polygon are reported as the spread of county costs (median, max).
"""

from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path
from typing import Any

JOBS = {  # name → (path in the JSON to seconds, path to its worker processes, vintages read)
    "demo build (2 vintages, every layer)": (("build", "seconds"), ("build", "workers"), 2),
    "import, county GeoPackages": (("import", "seconds"), ("import", "workers"), 1),
    "QC, one vintage": (("qc", "province", "seconds"), ("qc", "workers"), 1),
    "vintage diff + cases": (("change", "province", "seconds"), ("change", "workers"), 2),
    "indicator refresh": (("indicators", "province", "seconds"), ("indicators", "workers"), 2),
    "overviews (one vintage)": (("overviews", "seconds"), ("overviews", "workers"), 1),
    "statistics (attributes only)": (("stats", "seconds_median"), ("stats", "workers"), 1),
}
LARGEST_ALONE = {  # jobs whose largest county was also run alone: measured skew
    "QC, one vintage": ("qc", "largest_county", "seconds"),
    "vintage diff + cases": ("change", "largest_county", "seconds"),
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
    for name, (path, wpath, factor) in JOBS.items():
        seconds = _get(run, path)
        if seconds is None:
            continue
        polys = float(run["import"]["features"]) if name.startswith("import") else prov
        used = _get(run, wpath) or local_workers
        core_s_per_poly = seconds * used / (polys * factor)
        total_core_h = core_s_per_poly * polygons * factor / 3600
        # The largest county is one task. Its measured time alone (where run) against the
        # province's per-polygon rate gives the skew; otherwise the per-polygon rate.
        alone = _get(run, LARGEST_ALONE[name]) if name in LARGEST_ALONE else None
        skew = alone / (core_s_per_poly * big * factor) if alone else 1.0
        largest_task_h = core_s_per_poly * largest * factor * skew / 3600
        wall_h = max(total_core_h / workers, largest_task_h)
        jobs[name] = {"province_seconds": round(seconds, 1), "worker_processes": used,
                      "core_us_per_polygon": round(core_s_per_poly * 1e6, 1),
                      "largest_county_skew": round(skew, 2),
                      "nation_core_hours": round(total_core_h, 1),
                      "largest_county_hours": round(largest_task_h, 2),
                      f"wall_hours_on_{workers}_workers": round(wall_h, 2)}
    # memory: county workers scale with the largest county; the main process of QC keeps
    # 8-byte id hashes of every polygon (province-wide duplicate-id check) and the diff's
    # main process keeps every change patch: both grow with the whole job, not one county.
    qc = run.get("qc", {})
    worker_mb = qc.get("province", {}).get("worker_peak_mb")
    main_growth = None
    if qc.get("province", {}).get("main_peak_mb") and qc.get("largest_county"):
        main_growth = ((qc["province"]["main_peak_mb"] - qc["largest_county"]["main_peak_mb"])
                       * 2**20 / (prov - big))
    ch = run.get("change", {})
    patches = float(run.get("build", {}).get("changes") or 0)
    patch_growth = None
    if ch.get("province", {}).get("main_peak_mb") and ch.get("largest_county") and patches:
        patch_growth = ((ch["province"]["main_peak_mb"] - ch["largest_county"]["main_peak_mb"])
                        * 2**20 / patches)
    bytes_per_poly = (run.get("build", {}).get("bytes") or 0) / (2 * prov)
    nation_patches = patches / prov * polygons
    memory = {
        "qc_worker_mb_largest_county_measured": worker_mb,
        "qc_worker_gb_nation_largest_county": round(worker_mb * largest / big / 1024, 1)
        if worker_mb else None,
        "qc_main_bytes_per_polygon": round(main_growth, 1) if main_growth else None,
        "qc_main_gb_nation": round(main_growth * polygons / 2**30, 1) if main_growth else None,
        "diff_main_bytes_per_patch": round(patch_growth) if patch_growth else None,
        "diff_patches_nation": round(nation_patches),
        "diff_main_gb_nation": round(patch_growth * nation_patches / 2**30, 1)
        if patch_growth else None,
    }
    return {
        "inputs": {"province_polygons_per_vintage": int(prov), "largest_county_polygons": int(big),
                   "bytes_per_polygon_all_layers": round(bytes_per_poly, 1),
                   "demo_build_county_cost_spread": spread},
        "assumptions": {"polygons_per_vintage": polygons, "counties": counties,
                        "largest_county_polygons": largest, "workers": workers},
        "jobs": jobs,
        "memory": memory,
        "storage_gb_two_vintages": round(bytes_per_poly * 2 * polygons / 1e9, 1),
        "scheduler_tasks_per_job": counties,
    }


def markdown(m: dict[str, Any]) -> str:
    """The sizing table for docs/scale.md."""
    w = m["assumptions"]["workers"]
    out = ["| job | measured: s on the province (processes) | core µs / polygon | nation "
           f"core-hours | largest county (one task) h | wall h on {w} workers |",
           "|---|---|---|---|---|---|"]
    for name, j in m["jobs"].items():
        out.append(f"| {name} | {j['province_seconds']:,} ({j['worker_processes']:.0f}) | "
                   f"{j['core_us_per_polygon']} | {j['nation_core_hours']:,} | "
                   f"{j['largest_county_hours']} (skew {j['largest_county_skew']}) | "
                   f"{j[f'wall_hours_on_{w}_workers']} |")
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
