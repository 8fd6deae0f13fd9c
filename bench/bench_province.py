"""The whole demo province end to end on this machine: each job timed, with peak memory,
beside its baseline in the same run.

Usage::

    python bench/bench_province.py --workspace /data/prov --build     # build, then every step
    python bench/bench_province.py --workspace /data/prov             # reuse a built province
    python bench/bench_province.py --workspace /data/prov --steps qc,stats
    python bench/bench_province.py --workspace DIR --scale small      # try it on a small demo

Ratios are baseline ÷ onemap wall time of whole processes (interpreter start, reading the
files and the work: what a user waits for), > 1 meaning onemap is faster. Every step runs
the real CLI (``onemap …``) or a bench script in a child process, so its
wall time and its peak resident memory are its own: the peak is ``ru_maxrss`` from
``os.wait4`` of that child, which Linux reports as the largest of the child and every
process it waited for (the county worker processes), i.e. the peak of the largest single
process. Steps:

* ``build``: ``onemap demo DIR --scale province`` (both vintages, every layer).
* ``qc``: ``onemap qc --kind dltb --vintage 2020`` over the province (worker processes), and
  the same on the largest county alone; baseline: GeoPandas ``sjoin(predicate="overlaps")``
  + intersection of that county (bench_qc's baseline).
* ``import``: the ``--import-counties`` largest counties exported as GeoPackage in CGCS2000
  3° Gauss–Krüger (what a county delivers) and imported with ``onemap import`` into a fresh
  workspace; baseline: ``geopandas.read_file`` + ``to_crs(4490)`` + ``to_parquet``.
* ``stats``: ``onemap stats`` (every level); baseline: pandas read + concat + groupby of the
  same partition columns (bench_stats' baseline).
* ``change``: ``onemap change --from 2019 --to 2020 --open-cases`` over the province, and the
  largest county alone; baseline: ``geopandas.overlay(how="intersection")`` + class filter +
  ellipsoidal areas of that county (bench_change's baseline).
* ``review``: bench_review.py on the workspace: 100 warm reviews, cold reviews, a batch of
  100 sites; baseline: GeoPandas overlay of each site with every control layer.
* ``indicators``: ``onemap indicators refresh`` (processes); baseline: bench_indicators' plain
  GeoPandas figures for the largest county (per polygon, since the baseline cannot hold the
  province).
* ``overviews``: ``onemap layers overviews DIR dltb 2020`` (the backfill for a workspace built
  before overviews existed; a build now writes them with the partitions, and a second run
  finds nothing to do).
* ``tiles``: bench_tiles.py sweep z6–z14, cold and warm, with overviews and without.

The memory bound: a county job holds one county per worker process, so the peak of a
province run must equal (within noise) the peak of the largest county run alone; both are
measured. Writes ``--out`` JSON and prints the Markdown table of docs/scale.md.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable

BENCH = Path(__file__).resolve().parent
ONEMAP = [str(Path(sys.executable).with_name("onemap"))]
STEPS = ("build", "qc", "import", "stats", "change", "review", "indicators", "overviews",
         "tiles")
CORES = os.cpu_count() or 1


# -- running a child and measuring it ------------------------------------------------------
def _hwm_mb(pid: int) -> float:
    """Peak resident memory (VmHWM) of one live process, MB (0 once it has gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return 0.0


def _descendants(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        try:
            kids = [int(k) for t in Path(f"/proc/{p}/task").iterdir()
                    for k in (t / "children").read_text().split()]
        except OSError:
            kids = []
        out.extend(kids)
        todo.extend(kids)
    return out


class _Sampler(threading.Thread):
    """Polls the peak memory of a process and of its descendants (worker processes)."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.main_mb, self.workers = pid, 0.0, {}  # type: ignore[var-annotated]
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(0.5):
            self.main_mb = max(self.main_mb, _hwm_mb(self.pid))
            for kid in _descendants(self.pid):
                self.workers[kid] = max(self.workers.get(kid, 0.0), _hwm_mb(kid))


def run(cmd: list[str], label: str, *, json_out: bool = True) -> dict[str, Any]:
    """Run ``cmd``; return wall seconds, peak RSS (MB, largest process) and its JSON."""
    print(f"  · {label}: {' '.join(str(c) for c in cmd[1:])[:160]}", flush=True)
    t = time.perf_counter()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen([str(c) for c in cmd], stdout=out, stderr=err)
        sampler = _Sampler(proc.pid)
        sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)
        sampler.done.set()
        seconds = time.perf_counter() - t
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(), err.read().decode()
    if proc.returncode not in (0, 15):  # 15: QC found errors (still a finished run)
        raise SystemExit(f"{label} failed (exit {proc.returncode}):\n{stderr[-3000:]}")
    doc: Any = None
    if json_out and stdout.strip():
        text = stdout.strip()
        try:
            doc = json.loads(text)
        except json.JSONDecodeError:
            doc = json.loads(text.splitlines()[-1])
    peak = usage.ru_maxrss / 1024.0
    workers = sorted(sampler.workers.values(), reverse=True)
    print(f"    {seconds:9.1f} s   peak {peak:8.0f} MB (main {sampler.main_mb:.0f}, "
          f"workers {workers[:4] and [round(w) for w in workers[:4]]})", flush=True)
    return {"seconds": round(seconds, 2), "peak_rss_mb": round(peak, 1),
            "main_peak_mb": round(sampler.main_mb, 1),
            "worker_peak_mb": round(workers[0], 1) if workers else None, "result": doc}


def py(code: str, *args: str) -> list[str]:
    """A child Python process running ``code`` (a baseline) with ``args`` in sys.argv."""
    return [sys.executable, "-c", code, *args]


def largest_county(ws_dir: Path, vintage: int = 2020) -> tuple[str, int, int]:
    """(code, DLTB polygons, all DLTB polygons of the vintage)."""
    from onemap.store.workspace import Workspace

    parts = Workspace.open(ws_dir).partitions("dltb", vintage)
    big = max(parts, key=lambda p: p.rows)
    return big.county, big.rows, sum(p.rows for p in parts)


# -- baselines (each run in its own child so its peak memory is its own) --------------------
QC_BASELINE = """
import json, sys, time, resource
sys.path.insert(0, sys.argv[3])
from bench_qc import geopandas_overlaps
from onemap.store.workspace import Workspace
ws = Workspace.open(sys.argv[1])
gdf = ws.read_layer("dltb", 2020, counties=[sys.argv[2]], columns=["BSM", "geometry"])
t = time.perf_counter()
n = geopandas_overlaps(gdf)
print(json.dumps({"seconds": time.perf_counter() - t, "overlaps": n, "polygons": len(gdf)}))
"""

CHANGE_BASELINE = """
import json, sys, time
import geopandas as gpd
from onemap.geometry.area import ellipsoidal_area
from onemap.store.workspace import Workspace
ws = Workspace.open(sys.argv[1])
cols = ["BSM", "DLBM", "geometry"]
old = ws.read_layer("dltb", 2019, counties=[sys.argv[2]], columns=cols)
new = ws.read_layer("dltb", 2020, counties=[sys.argv[2]], columns=cols)
t = time.perf_counter()
out = gpd.overlay(old, new, how="intersection", keep_geom_type=True)
out = out[out["DLBM_1"] != out["DLBM_2"]]
ellipsoidal_area(out.geometry.to_numpy())
print(json.dumps({"seconds": time.perf_counter() - t, "patches": len(out),
                  "polygons": len(old) + len(new)}))
"""

STATS_BASELINE = """
import json, sys, time
import pandas as pd
from onemap.store.workspace import Workspace
ws = Workspace.open(sys.argv[1])
paths = [ws.root / p.path for p in ws.partitions("dltb", 2020)]
t = time.perf_counter()
df = pd.concat([pd.read_parquet(p, columns=["ZLDWDM", "DLBM", "TBDLMJ", "KCMJ"])
                for p in paths], ignore_index=True)
out = df.groupby([df["ZLDWDM"].str[:9], "DLBM"])[["TBDLMJ", "KCMJ"]].sum()
print(json.dumps({"seconds": time.perf_counter() - t, "rows": len(df), "groups": len(out)}))
"""

INDICATORS_BASELINE = """
import json, sys, time
import geopandas as gpd
import pandas as pd
from pyproj import Geod
from onemap.standards.landuse import construction_codes, farmland_codes
from onemap.store.workspace import Workspace
GEOD = Geod(a=6378137.0, f=1 / 298.257222101)
ws = Workspace.open(sys.argv[1])
c = [sys.argv[2]]
t = time.perf_counter()
cons = sorted(construction_codes())
n = 0
for year in ws.vintages("dltb"):
    d = ws.read_layer("dltb", year, counties=c)
    n += len(d)
    d[d.DLBM.isin(sorted(farmland_codes()))].TBDLMJ.sum()
for kind in ("pbf", "hsf", "eco_redline"):
    if ws.has_layer(kind):
        f = ws.read_layer(kind, counties=c)
        sum(abs(GEOD.geometry_area_perimeter(g)[0]) for g in f.geometry)
prev, cur = ws.read_layer("dltb", 2019, counties=c), ws.read_layer("dltb", 2020, counties=c)
a = cur[cur.DLBM.isin(cons)][["geometry"]]
b = prev[~prev.DLBM.isin(cons)][["geometry"]]
pieces = gpd.overlay(a, b, how="intersection", keep_geom_type=True)
sum(abs(GEOD.geometry_area_perimeter(g)[0]) for g in pieces.geometry)
print(json.dumps({"seconds": time.perf_counter() - t, "polygons": n}))
"""

IMPORT_BASELINE = """
import json, sys, time
import geopandas as gpd
t = time.perf_counter()
n = 0
for i, f in enumerate(sys.argv[2:]):
    g = gpd.read_file(f).to_crs(4490)
    g.to_parquet(f"{sys.argv[1]}/{i}.parquet")
    n += len(g)
print(json.dumps({"seconds": time.perf_counter() - t, "features": n}))
"""


def baseline(code: str, label: str, *args: str) -> dict[str, Any]:
    """Run a baseline child; its own JSON gives the timed section's seconds."""
    step = run(py(code, *args), label)
    doc = step["result"]
    doc["process_seconds"] = step["seconds"]
    doc["peak_rss_mb"] = step["peak_rss_mb"]
    doc["seconds"] = round(doc["seconds"], 2)
    return dict(doc)


# -- steps ----------------------------------------------------------------------------------
def step_build(ws: Path, scale: str, workers: int | None) -> dict[str, Any]:
    extra = ["--workers", str(workers)] if workers else []
    out = run([*ONEMAP, "demo", ws, "--scale", scale, "--no-picture", "--overwrite", *extra,
               "--json"], "build")
    res = out.pop("result") or {}
    county_file = ws / "outputs" / "demo-counties.json"
    per = json.loads(county_file.read_text()) if county_file.exists() else []
    out.update({"polygons_2019": res.get("polygons_2019"),
                "polygons_2020": res.get("polygons_2020"), "changes": res.get("changes"),
                "counties": res.get("counties"), "bytes": res.get("bytes")})
    if per:
        secs = [c["seconds"] for c in per]
        out["county_seconds"] = {"median": round(statistics.median(secs), 1),
                                 "max": round(max(secs), 1)}
        out["worker_rss_mb_max"] = max(c.get("worker_rss_mb", 0.0) for c in per)
        out["per_county"] = [{k: c[k] for k in ("county", "polygons_2020", "seconds",
                                                "worker_rss_mb")} for c in per]
    return out


def step_qc(ws: Path, county: str) -> dict[str, Any]:
    full = run([*ONEMAP, "qc", ws, "--kind", "dltb", "--vintage", "2020", "--executor",
                "processes", "--json"], "qc province")
    one = run([*ONEMAP, "qc", ws, "--kind", "dltb", "--vintage", "2020", "--executor",
               "processes", "--county", county, "--json"], f"qc {county}")
    base = baseline(QC_BASELINE, "qc baseline (GeoPandas overlaps)", str(ws), county,
                    str(BENCH))
    return {"province": _short(full), "largest_county": _short(one), "baseline": base,
            "findings": _count_findings(full["result"]), "workers": CORES,
            "ratio_largest_county": round(base["process_seconds"] / one["seconds"], 2)}


def _count_findings(doc: Any) -> Any:
    if isinstance(doc, dict):
        for key in ("summary", "counts", "totals"):
            if key in doc:
                return doc[key]
        if "findings" in doc and isinstance(doc["findings"], list):
            return len(doc["findings"])
    return None


def _short(step: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in step.items() if k != "result"}


def step_import(ws: Path, counties: int, tmp: Path) -> dict[str, Any]:
    from onemap.store.workspace import Workspace

    parts = sorted(Workspace.open(ws).partitions("dltb", 2020), key=lambda p: -p.rows)
    chosen = parts if counties <= 0 else parts[:counties]
    files = []
    export_s = 0.0
    for p in chosen:
        f = tmp / f"dltb2020_{p.county}.gpkg"
        e = run([*ONEMAP, "export", ws, "--kind", "dltb", "--vintage", "2020", "--county",
                 p.county, "--crs", _gk_zone(p.bbox), "--out", f, "--json"],
                f"export {p.county}")
        export_s += e["seconds"]
        files.append(f)
    target = tmp / "import-ws"
    run([*ONEMAP, "init", target, "--json"], "init", json_out=False)
    seconds, peak = 0.0, 0.0
    for f in files:
        r = run([*ONEMAP, "import", target, f, "--kind", "dltb", "--vintage", "2020",
                 "--json"], f"import {f.name}")
        seconds += r["seconds"]
        peak = max(peak, r["peak_rss_mb"])
    features = sum(p.rows for p in chosen)
    out_dir = tmp / "baseline-parquet"
    out_dir.mkdir()
    base = baseline(IMPORT_BASELINE, "import baseline (read_file+to_crs+to_parquet)",
                    str(out_dir), *map(str, files))
    shutil.rmtree(target, ignore_errors=True)
    for f in files:
        f.unlink()
    return {"counties": len(chosen), "features": features, "seconds": round(seconds, 1),
            "workers": 1,
            "features_per_s": round(features / seconds), "peak_rss_mb": peak,
            "export_seconds": round(export_s, 1), "baseline": base,
            "ratio": round(base["process_seconds"] / seconds, 2)}


def _gk_zone(bbox: tuple[float, float, float, float] | list[float]) -> str:
    """EPSG of the CGCS2000 3° Gauss–Krüger zone (with zone prefix) of a bbox's centre."""
    lon = (bbox[0] + bbox[2]) / 2
    zone = round(lon / 3)
    return str(4488 + zone)  # EPSG:4513 is zone 25 … EPSG:4533 zone 45


def step_stats(ws: Path) -> dict[str, Any]:
    ours = [run([*ONEMAP, "stats", ws, "--vintage", "2020", "--executor", "processes",
                 "--json"], f"stats #{i + 1}") for i in range(3)]
    base = [baseline(STATS_BASELINE, f"stats baseline #{i + 1}", str(ws)) for i in range(3)]
    med = statistics.median(s["seconds"] for s in ours)
    bmed = statistics.median(b["process_seconds"] for b in base)
    rows = ours[0]["result"]
    return {"seconds_median": round(med, 2), "runs": [_short(s) for s in ours],
            "workers": CORES,
            "peak_rss_mb": max(s["peak_rss_mb"] for s in ours),
            "rows": len(rows) if isinstance(rows, list) else None,
            "baseline_seconds_median": round(bmed, 2), "baseline": base,
            "ratio": round(bmed / med, 2)}


def step_change(ws: Path, county: str) -> dict[str, Any]:
    workers = ["--workers", str(CORES)]  # the CLI's default is one process
    full = run([*ONEMAP, "change", ws, "--from", "2019", "--to", "2020", "--open-cases",
                *workers, "--no-geometry", "--json"], "change province (+cases)")
    one = run([*ONEMAP, "change", ws, "--from", "2019", "--to", "2020", "--counties", county,
               *workers, "--no-geometry", "--json"], f"change {county}")
    base = baseline(CHANGE_BASELINE, "change baseline (GeoPandas overlay)", str(ws), county)
    doc = full["result"] or {}
    batch = doc.get("batch", {}) if isinstance(doc, dict) else {}
    return {"province": _short(full), "largest_county": _short(one), "baseline": base,
            "workers": CORES, "patches": batch.get("patches") or batch.get("patch_count"),
            "cases": batch.get("cases_opened") or doc.get("cases_opened"),
            "ratio_largest_county": round(base["process_seconds"] / one["seconds"], 2)}


def step_review(ws: Path, cache_mb: int | None) -> dict[str, Any]:
    cache = ["--cache-mb", str(cache_mb)] if cache_mb else []
    out = run([sys.executable, BENCH / "bench_review.py", "--workspace", ws, "--sites", "100",
               "--cold", "20", "--batch", "100", *cache, "--json"], "review")
    res = out.pop("result")
    res.update(out)
    return dict(res)


def step_indicators(ws: Path, county: str, county_rows: int, all_rows: int) -> dict[str, Any]:
    full = run([*ONEMAP, "indicators", "refresh", ws, "--executor", "processes", "--json"],
               "indicators refresh")
    base = baseline(INDICATORS_BASELINE, "indicators baseline (GeoPandas, one county)",
                    str(ws), county)
    ours_rate = 2 * all_rows / full["seconds"]
    base_rate = base["polygons"] / base["process_seconds"]
    return {"province": _short(full), "baseline_largest_county": base, "workers": CORES,
            "polygons_per_s": round(ours_rate), "baseline_polygons_per_s": round(base_rate),
            "ratio_per_polygon": round(ours_rate / base_rate, 2), "county_rows": county_rows}


def step_overviews(ws: Path) -> dict[str, Any]:
    out = run([*ONEMAP, "layers", "overviews", ws, "dltb", "2020", "--workers", str(CORES),
               "--json"], "overviews backfill dltb 2020")
    res = out.pop("result") or {}
    return {**out, "workers": CORES, "counties_made": len(res.get("made", []))}


def step_tiles(ws: Path, tiles: int) -> dict[str, Any]:
    script = BENCH / "bench_tiles.py"
    if not script.exists():
        return {"skipped": "bench/bench_tiles.py missing"}
    out = run([sys.executable, script, "--workspace", ws, "--tiles", str(tiles), "--json"],
              "tiles")
    rows = out.pop("result")["rows"]
    by = {(r["zoom"], r["path"]): r for r in rows}
    table = []
    for z in sorted({r["zoom"] for r in rows}):
        ov, base = by[(z, "overviews")], by[(z, "baseline")]
        table.append(
            f"| tiles z{z} ({ov['tiles']} sampled), cold / warm p95 | {ov['cold_p95_ms']:.0f} / "
            f"{ov['warm_p95_ms']:.0f} ms ({ov['bytes'] / 1000:.0f} kB) | | without overviews "
            f"{base['cold_p95_ms']:.0f} / {base['warm_p95_ms']:.0f} ms | "
            f"{base['cold_p95_ms'] / max(ov['cold_p95_ms'], 1e-6):.1f}× / "
            f"{base['warm_p95_ms'] / max(ov['warm_p95_ms'], 1e-6):.1f}× |")
    return {"sweep": {"rows": rows, "table": table}, **out}


# -- the table ------------------------------------------------------------------------------
def _f(x: Any, fmt: str = "{:,.1f}") -> str:
    return "–" if x is None else fmt.format(x)


def _mem(step: dict[str, Any]) -> str:
    """Peak memory of a step: its main process and its largest worker process (MB)."""
    main = step.get("main_peak_mb") or step.get("peak_rss_mb")
    worker = step.get("worker_peak_mb")
    text = f"main {_f(main, '{:,.0f}')}"
    return text + (f", worker {_f(worker, '{:,.0f}')}" if worker and worker > 100 else "")


def markdown(r: dict[str, Any]) -> str:
    """The docs/scale.md table of a run."""
    lines = ["| step | onemap | peak memory (RSS) | baseline (same run) | ratio |",
             "|---|---|---|---|---|"]
    if "build" in r:
        b = r["build"]
        lines.append(f"| demo build (`onemap demo --scale {r['scale']}`) | "
                     f"{_f(b['seconds'] / 60)} min | {_mem(b)} MB "
                     "| – | – |")
    if "qc" in r:
        q = r["qc"]
        lines.append(f"| QC of DLTB 2020, province | {_f(q['province']['seconds'] / 60)} min | "
                     f"{_mem(q['province'])} MB | | |")
        lines.append(f"| QC, largest county ({_f(q['baseline']['polygons'], '{:,}')} polygons) | "
                     f"{_f(q['largest_county']['seconds'])} s (process) | "
                     f"{_mem(q['largest_county'])} MB | GeoPandas overlaps "
                     f"check alone {_f(q['baseline']['process_seconds'])} s | "
                     f"{q['ratio_largest_county']}× |")
    if "import" in r:
        i = r["import"]
        lines.append(f"| import, {i['counties']} counties GPKG ({_f(i['features'], '{:,}')} "
                     f"polygons) | {_f(i['seconds'])} s ({_f(i['features_per_s'], '{:,}')}/s) | "
                     f"{_f(i['peak_rss_mb'], '{:,.0f}')} MB | read_file+to_crs+to_parquet "
                     f"{_f(i['baseline']['process_seconds'])} s | {i['ratio']}× |")
    if "stats" in r:
        s = r["stats"]
        lines.append("| statistics, every level (median of 3) | "
                     f"{_f(s['seconds_median'], '{:.2f}')} s"
                     f" | {_mem(s['runs'][0])} MB | pandas groupby "
                     f"{_f(s['baseline_seconds_median'], '{:.2f}')} s | {s['ratio']}× |")
    if "change" in r:
        c = r["change"]
        lines.append(f"| 2019→2020 diff + cases, province | {_f(c['province']['seconds'] / 60)} "
                     f"min | {_mem(c['province'])} MB | | |")
        lines.append(f"| diff, largest county | {_f(c['largest_county']['seconds'])} s (process) | "
                     f"{_mem(c['largest_county'])} MB | GeoPandas overlay "
                     f"{_f(c['baseline']['process_seconds'])} s | {c['ratio_largest_county']}× |")
    if "review" in r:
        v = r["review"]
        lines.append(f"| site review, 50 ha, warm p50/p95 | {v['warm_ms']['p50']} / "
                     f"{v['warm_ms']['p95']} ms | {_f(v['peak_rss_mb'], '{:,.0f}')} MB | "
                     f"GeoPandas {v['geopandas_warm_ms']['p50']} / "
                     f"{v['geopandas_warm_ms']['p95']} ms"
                     f" | {v['ratio_warm_p50']}× |")
        lines.append(f"| site review, cold p50/p95 | {v['cold_ms']['p50']} / {v['cold_ms']['p95']} "
                     f"ms | | GeoPandas {v['geopandas_cold_ms']['p50']} / "
                     f"{v['geopandas_cold_ms']['p95']} ms | {v['ratio_cold_p50']}× |")
        lines.append(f"| batch of 100 sites | {v['batch_sites_per_s']} sites/s | | | |")
    if "indicators" in r:
        n = r["indicators"]
        lines.append(f"| indicator refresh, province | {_f(n['province']['seconds'] / 60)} min | "
                     f"{_mem(n['province'])} MB | GeoPandas "
                     f"{_f(n['baseline_polygons_per_s'], '{:,}')} polygons/s (one county) | "
                     f"{n['ratio_per_polygon']}× per polygon |")
    if "overviews" in r:
        o = r["overviews"]
        lines.append(f"| overviews backfill, DLTB 2020 | {_f(o['seconds'] / 60)} min | "
                     f"{_mem(o)} MB | – | – |")
    if "tiles" in r and "sweep" in r["tiles"]:
        for row in r["tiles"]["sweep"].get("table", []):
            lines.append(row)
    return "\n".join(lines)


def run_step(step: str, args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    """Run one step (not ``build``) on ``args.workspace``."""
    ws = args.workspace
    county, county_rows, all_rows = largest_county(ws)
    runners: dict[str, Callable[[], dict[str, Any]]] = {
        "qc": lambda: step_qc(ws, county),
        "import": lambda: step_import(ws, args.import_counties, tmp),
        "stats": lambda: step_stats(ws),
        "change": lambda: step_change(ws, county),
        "review": lambda: step_review(ws, args.cache_mb),
        "indicators": lambda: step_indicators(ws, county, county_rows, all_rows),
        "overviews": lambda: step_overviews(ws),
        "tiles": lambda: step_tiles(ws, args.tiles),
    }
    return runners[step]()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--workspace", type=Path, required=True)
    ap.add_argument("--build", action="store_true", help="build the demo first")
    ap.add_argument("--scale", default="province")
    ap.add_argument("--workers", type=int)
    ap.add_argument("--steps", default=",".join(s for s in STEPS if s != "build"))
    ap.add_argument("--import-counties", type=int, default=5,
                    help="largest counties to export and import (0: all)")
    ap.add_argument("--tiles", type=int, default=20, help="tiles sampled per zoom")
    ap.add_argument("--cache-mb", type=int, help="review: the server's partition_cache_mb")
    ap.add_argument("--out", type=Path, default=Path("bench-province.json"))
    args = ap.parse_args()
    steps = [s.strip() for s in args.steps.split(",") if s.strip()]
    if args.build and "build" not in steps:
        steps.insert(0, "build")
    unknown = set(steps) - set(STEPS)
    if unknown:
        raise SystemExit(f"unknown steps: {', '.join(sorted(unknown))}")
    result: dict[str, Any] = json.loads(args.out.read_text()) if args.out.exists() else {}
    result.update({"scale": args.scale, "machine": {"cores": os.cpu_count(),
                                                    "load_before": os.getloadavg()}})
    tmp = Path(tempfile.mkdtemp(prefix="bench-province-", dir=args.workspace.parent))
    try:
        for step in steps:
            print(f"[{time.strftime('%H:%M:%S')}] {step}", flush=True)
            if step == "build":
                result["build"] = step_build(args.workspace, args.scale, args.workers)
                continue
            county, county_rows, all_rows = largest_county(args.workspace)
            result["largest_county"] = {"code": county, "polygons_2020": county_rows}
            result["dltb_2020_polygons"] = all_rows
            result[step] = run_step(step, args, tmp)
            result["machine"]["load_after_" + step] = os.getloadavg()
            args.out.write_text(json.dumps(result, ensure_ascii=False, indent=2))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    args.out.write_text(json.dumps(result, ensure_ascii=False, indent=2))
    print(markdown(result))


if __name__ == "__main__":
    main()
