"""The county kernel of the mining check: conflicts and suspected 0602 patches of one county.

A :class:`CountyCheck` is picklable (rights as WKB, partition file paths), so the
service maps :func:`check_county` over counties with an :mod:`onemap.compute` executor.
The kernel reads its county's partitions, then runs the pure modules.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import shapely

from onemap.mining.conflicts import find_conflicts
from onemap.mining.illegal import suspected_patches
from onemap.mining.models import ConflictRow, MiningRules, SuspectedPatch
from onemap.store.partitions import read_partition

if TYPE_CHECKING:
    import pandas as pd

CRS = "EPSG:4490"
CONTROL_KINDS = ("eco_redline", "nature_reserve", "pbf", "udb", "hazard_zone")


@dataclass(frozen=True)
class CountyCheck:
    """Inputs of one county: the rights meeting it and its layers' partition files."""

    county: str
    rights: pd.DataFrame  # right_no, right_type, county, status, area_m2, valid, wkb
    control_paths: dict[str, str] = field(default_factory=dict)
    dltb_path: str | None = None
    rules: MiningRules | None = None


def _read(path: str, columns: list[str] | None = None, *,
          bbox: tuple[float, float, float, float] | None = None) -> gpd.GeoDataFrame:
    """Read a partition: only the rows whose bbox meets ``bbox`` (GeoParquet covering)."""
    return read_partition(Path(path), bbox=bbox, columns=columns or [])


def _read_mining_land(path: str) -> gpd.GeoDataFrame:
    """Read the 0602 rows of a DLTB partition (filtered before any geometry is decoded)."""
    frame = gpd.read_parquet(path, columns=["BSM", "DLBM", "geometry"],
                             filters=[("DLBM", "==", "0602")])
    return frame.drop(columns="bbox") if "bbox" in frame.columns else frame


def _rights_frame(rights: pd.DataFrame) -> gpd.GeoDataFrame:
    geoms = shapely.from_wkb(rights["wkb"].to_numpy()) if len(rights) else []
    return gpd.GeoDataFrame(rights.drop(columns="wkb"), geometry=list(geoms), crs=CRS)


def check_county(job: CountyCheck) -> tuple[list[ConflictRow], list[SuspectedPatch]]:
    """Kernel: conflicts of the county's rights and its suspected 0602 patches."""
    rules = job.rules or MiningRules(conflict=[])
    rights = _rights_frame(job.rights)
    conflicts: list[ConflictRow] = []
    if len(rights):
        bbox = tuple(float(v) for v in rights.total_bounds)
        controls = {kind: _read(path, ["ZONE"] if kind == "nature_reserve" else None,
                                bbox=bbox)  # type: ignore[arg-type]
                    for kind, path in job.control_paths.items()}
        conflicts = find_conflicts(rights, controls, rules)
    suspected: list[SuspectedPatch] = []
    if job.dltb_path:
        dltb = _read_mining_land(job.dltb_path)
        dltb["county"] = job.county
        valid = rights[rights["valid"] & (rights["right_type"] == "mining")] if len(rights) \
            else rights
        suspected = suspected_patches(dltb, valid, min_area_m2=rules.illegal_min_m2)
    return conflicts, suspected
