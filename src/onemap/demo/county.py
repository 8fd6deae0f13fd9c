"""Generate one county's 2019 baseline (三调) land use: geometry, classes, attributes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import shapely

from onemap.demo.allocate import STRIP_CODES, classify, features
from onemap.demo.attributes import build_dltb
from onemap.demo.errors import UnknownDemoCounty
from onemap.demo.models import SCALE_DENSITY
from onemap.demo.tessellate import tessellate_county
from onemap.demo.townships import AdminUnits, make_admin_units

if TYPE_CHECKING:
    import geopandas as gpd

    from onemap.demo.context import ProvinceContext


@dataclass
class CountyBase:
    """One county's synthetic townships and its 2019 DLTB (with helper columns)."""

    code: str
    name: str
    geometry: shapely.Geometry
    units: AdminUnits
    dltb: gpd.GeoDataFrame
    city_county: bool
    seat: tuple[float, float]


def county_rng(seed: int, code: str, stream: int) -> np.random.Generator:
    """Return the random generator of one county and purpose (independent streams)."""
    return np.random.default_rng([seed, int(code), stream])


def generate_base(ctx: ProvinceContext, code: str, scale: str) -> CountyBase:
    """Generate the 2019 DLTB of county ``code`` at ``scale`` (deterministic)."""
    counties = ctx.boundaries.counties
    row = counties.loc[counties.XZQDM == code]
    if row.empty:
        raise UnknownDemoCounty(f"{code} is not a Jiangxi county-level code")
    geom = row.geometry.iloc[0]
    name = str(row.XZQMC.iloc[0])
    seat = next(s for s in ctx.seats if s.county == code)
    pieces, kinds = tessellate_county(ctx, geom, SCALE_DENSITY[scale],
                                      county_rng(ctx.seed, code, 1))
    geoms = np.asarray(pieces, dtype=object)
    reps = shapely.point_on_surface(geoms)
    lon, lat = shapely.get_x(reps), shapely.get_y(reps)
    f = features(ctx.terrain, ctx.seats, lon, lat)
    codes = classify(f, ctx.calibration).astype(object)
    for kind, strip_code in STRIP_CODES.items():
        codes[np.array([k == kind for k in kinds], dtype=bool)] = strip_code
    _ensure_quarry(codes, geoms, f["elev"])
    units = make_admin_units(code, name, geom, (seat.lon, seat.lat), county_rng(ctx.seed, code, 2))
    loc = units.locate(lon, lat)
    city_county = seat.city or name.endswith("区")
    dltb = build_dltb(code, city_county, list(geoms), codes.astype(str), f, ctx.calibration,
                      loc, 2019)
    return CountyBase(code, name, geom, units, dltb, city_county, (seat.lon, seat.lat))


def _ensure_quarry(codes: np.ndarray, geoms: np.ndarray, elev: np.ndarray) -> None:
    """Give a hilly county without mining land one quarry (its smallest upland forest patch).

    Almost every Jiangxi county has quarries; at coarse scales the mining share
    (0.3 %) can leave a county without any, and the mining register would be empty.
    """
    if (codes == "0602").any():
        return
    upland = np.flatnonzero(np.char.startswith(codes.astype(str), "03") & (elev > 150))
    if len(upland) == 0:
        return
    areas = shapely.area(geoms[upland])
    codes[upland[int(np.argmin(areas))]] = "0602"
