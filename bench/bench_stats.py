"""Benchmark: official statistics over a province-size DLTB attribute table.

Generates 11.5 million DLTB attribute rows (100 counties × 115,000 polygons, ~15
townships per county, the 三调 class mix with 田坎 deduction on sloping farmland)
as one Parquet file per county, then times, in the same run:

* onemap: ``stats.service.tabulate_files`` over the county files, as
  ``onemap stats`` does (column projection, exact integer sums), the reduction,
  and rows for province / city / county / township with 公顷 / 亩 rounding
  and reconciliation;
* baseline: plain pandas — read the same columns, concatenate, and
  ``groupby([ZLDWDM[:9], DLBM]).sum()`` over TBDLMJ and KCMJ (no roll-up, no rounding).

Prints the median of ``--repeat`` runs of each and their ratio. Usage::

    .venv/bin/python bench/bench_stats.py [--rows 11500000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from onemap.standards.landuse import farmland_codes, land_classes
from onemap.stats.models import LEVELS
from onemap.stats.service import tabulate_files
from onemap.stats.tabulate import build_rows, combine_tabulations

COLUMNS = ["ZLDWDM", "DLBM", "TBMJ", "KCMJ", "TBDLMJ"]


def generate(folder: Path, rows: int, counties: int = 100, seed: int = 7) -> list[Path]:
    rng = np.random.default_rng(seed)
    codes = np.array(sorted(land_classes()))
    weights = np.where(np.isin(codes, sorted(farmland_codes())), 8.0, 1.0)
    weights[codes == "0301"] = 20.0
    weights /= weights.sum()
    farmland = np.isin(codes, sorted(farmland_codes()))
    per = rows // counties
    paths = []
    for c in range(counties):
        county = f"36{1 + c // 12:02d}{1 + c % 12:02d}"
        villages = np.array([f"{county}{t:03d}{v:03d}" for t in range(1, 16) for v in range(1, 21)])
        village_idx = rng.integers(0, len(villages), per)
        class_idx = rng.choice(len(codes), per, p=weights)
        tbmj = np.round(rng.gamma(2.0, 2500.0, per), 2)
        kcxs = np.where(farmland[class_idx], rng.choice([0.0, 0.025, 0.05, 0.1], per), 0.0)
        kcmj = np.round(tbmj * kcxs, 2)
        table = pa.table({
            "BSM": pa.array(np.arange(per).astype(str)),
            "ZLDWDM": pa.DictionaryArray.from_arrays(village_idx.astype(np.int32),
                                                     pa.array(villages)).cast(pa.string()),
            "DLBM": pa.DictionaryArray.from_arrays(class_idx.astype(np.int32),
                                                   pa.array(codes)).cast(pa.string()),
            "TBMJ": tbmj, "KCXS": kcxs, "KCMJ": kcmj, "TBDLMJ": np.round(tbmj - kcmj, 2),
        })
        path = folder / f"{county}.parquet"
        pq.write_table(table, path, compression="zstd")
        paths.append(path)
    return paths


def run_onemap(paths: list[Path]) -> int:
    tab = combine_tabulations(tabulate_files(paths))
    return len(build_rows(tab, LEVELS))


def run_pandas(paths: list[Path]) -> int:
    df = pd.concat([pd.read_parquet(p, columns=COLUMNS) for p in paths], ignore_index=True)
    out = df.groupby([df["ZLDWDM"].str[:9], "DLBM"])[["TBDLMJ", "KCMJ"]].sum()
    return len(out)


def median_time(fn, paths: list[Path], repeat: int) -> tuple[float, int]:  # type: ignore[no-untyped-def]
    times, result = [], 0
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn(paths)
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=11_500_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="onemap-bench-stats-") as tmp:
        t0 = time.perf_counter()
        paths = generate(Path(tmp), args.rows)
        print(f"generated {args.rows:,} DLTB attribute rows in {len(paths)} county files "
              f"({time.perf_counter() - t0:.1f} s)")
        ours, n_rows = median_time(run_onemap, paths, args.repeat)
        base, n_groups = median_time(run_pandas, paths, args.repeat)
        tab_only, _ = median_time(lambda ps: len(tabulate_files(ps)), paths, args.repeat)
    print(f"onemap stats (4 levels, 1st+2nd level classes, ha/mu reconciled): "
          f"{ours:.2f} s median of {args.repeat}, {n_rows:,} table rows, "
          f"{args.rows / ours / 1e6:.2f} M rows/s (of which reading + county tabulation "
          f"{tab_only:.2f} s)")
    print(f"pandas groupby baseline (township × class sums only): {base:.2f} s median of "
          f"{args.repeat}, {n_groups:,} groups")
    print(f"ratio pandas / onemap = {base / ours:.2f}x  (aim: onemap under 10 s: "
          f"{'met' if ours < 10 else 'NOT met'})")


if __name__ == "__main__":
    main()
