"""The ground-truth table of demo changes: written beside the data, loaded by tests as an oracle.

``<workspace>/truth/changes.parquet`` (GeoParquet, EPSG:4490, one row per change
patch) and ``changes.csv`` (same columns without geometry). Columns:

patch_id, county, change_type (scenario), from_code, to_code (DLBM 2019 → 2020),
expected (generic transition class a detector should report), legal (bool),
area_m2 (ellipsoidal, m²), bsm_2019, bsm_2020, in_pbf, in_redline, in_udb
(measured by overlay, > 50 % of the patch), approval (批准文号 or '').
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd

TRUTH_DIR = "truth"
TRUTH_FILE = "changes.parquet"
TRUTH_COLUMNS = ["patch_id", "county", "change_type", "from_code", "to_code", "expected",
                 "legal", "area_m2", "bsm_2019", "bsm_2020", "in_pbf", "in_redline", "in_udb",
                 "approval"]


def write_ground_truth(ws_dir: str | Path, frames: list[gpd.GeoDataFrame]) -> Path:
    """Write the truth table of all counties (sorted by patch id); return the parquet path."""
    out_dir = Path(ws_dir) / TRUTH_DIR
    out_dir.mkdir(parents=True, exist_ok=True)
    frames = [f for f in frames if len(f)]
    if frames:
        truth = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs="EPSG:4490")
    else:
        truth = gpd.GeoDataFrame({c: [] for c in TRUTH_COLUMNS},
                                 geometry=gpd.GeoSeries([], crs="EPSG:4490"))
    truth = truth.sort_values("patch_id").reset_index(drop=True)
    truth = truth[[*TRUTH_COLUMNS, "geometry"]]
    path = out_dir / TRUTH_FILE
    truth.to_parquet(path, index=False, compression="zstd")
    truth.drop(columns="geometry").to_csv(out_dir / "changes.csv", index=False)
    return path


def load_ground_truth(ws_dir: str | Path) -> gpd.GeoDataFrame:
    """Load the demo's ground-truth change table (GeoDataFrame, EPSG:4490).

    Parameters
    ----------
    ws_dir
        The workspace folder ``onemap demo`` built.
    """
    return gpd.read_parquet(Path(ws_dir) / TRUTH_DIR / TRUTH_FILE)
