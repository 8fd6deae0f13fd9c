"""Synthetic townships (乡级) and villages (村级) inside a real county.

The source has no township boundaries, so each county is split into Voronoi
zones around random seeds, about one per 107 km² (Jiangxi: ≈1 560 townships on
166 900 km²), with 9-digit codes (街道 001–099, 镇 100–199, 乡 200–299) and
invented names. Villages (≈10 km² each) exist only as 12-digit codes and names
used in ZLDWDM/QSDWDM; they have no polygons. Everything here is SYNTHETIC.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import shapely
from scipy.spatial import cKDTree

from onemap.demo.boundaries import CRS, GRID
from onemap.demo.context import COS0, from_local, to_local
from onemap.demo.tessellate import local_area_m2

SYLLABLES = list("东西南北上下新石黄白青龙凤梅桥塘岭坑田港湖山溪源坪洲口桃李竹松枫樟泉河江"
                 "安平和兴隆富丰宁华金银古长高乐永太仁义礼明德")


@dataclass
class AdminUnits:
    """Synthetic townships of one county and the village lookup."""

    townships: gpd.GeoDataFrame  # XZQDM (9 digits), XZQMC, geometry
    village_xy: npt.NDArray[np.float64]  # village seed lon/lat
    village_code: npt.NDArray[np.str_]  # 12-digit village codes
    village_name: npt.NDArray[np.str_]

    def locate(self, lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[np.ndarray, np.ndarray,
                                                                       np.ndarray]:
        """Return (township code, village code, village name) for points."""
        lon_a, lat_a = np.asarray(lon, float), np.asarray(lat, float)
        tw_geoms = self.townships.geometry.to_numpy()
        tree = shapely.STRtree(tw_geoms)
        pts = shapely.points(lon_a, lat_a)
        p_idx, t_idx = tree.query(pts, predicate="intersects")
        tw = np.full(len(pts), -1)
        tw[p_idx[::-1]] = t_idx[::-1]
        missing = tw < 0
        if missing.any():
            tw[missing] = tree.nearest(pts[missing])
        tw_codes = self.townships.XZQDM.to_numpy()[tw]
        v_code = np.empty(len(pts), dtype=object)
        v_name = np.empty(len(pts), dtype=object)
        for code in np.unique(tw_codes):
            sel = tw_codes == code
            vs = np.flatnonzero(np.char.startswith(self.village_code.astype(str), code))
            kd = cKDTree(self.village_xy[vs] * np.array([COS0, 1.0]))
            _, k = kd.query(np.column_stack([lon_a[sel] * COS0, lat_a[sel]]))
            v_code[sel] = self.village_code[vs][k]
            v_name[sel] = self.village_name[vs][k]
        return tw_codes, v_code, v_name


def _name(rng: np.random.Generator, used: set[str], suffix: str) -> str:
    for _ in range(200):
        n = "".join(rng.choice(SYLLABLES, 2)) + suffix
        if n not in used:
            used.add(n)
            return n
    n = f"第{len(used) + 1}{suffix}"
    used.add(n)
    return n


def _random_points(geom: shapely.Geometry, n: int, rng: np.random.Generator) -> np.ndarray:
    minx, miny, maxx, maxy = geom.bounds
    out = np.empty((0, 2))
    while len(out) < n:
        x = rng.uniform(minx, maxx, 4 * n + 8)
        y = rng.uniform(miny, maxy, 4 * n + 8)
        ok = shapely.contains_xy(geom, x, y)
        out = np.vstack([out, np.column_stack([x[ok], y[ok]])])
    return out[:n]


def make_admin_units(code: str, name: str, county: shapely.Geometry, seat: tuple[float, float],
                     rng: np.random.Generator) -> AdminUnits:
    """Split a county into synthetic townships and villages (deterministic for ``rng``)."""
    area_km2 = float(local_area_m2([county])[0]) / 1e6
    k = int(max(2, round(area_km2 / 107.0)))
    pts = np.vstack([[seat], _random_points(county, k - 1, rng)])
    local = shapely.multipoints(pts * np.array([COS0, 1.0]))
    env = shapely.buffer(shapely.envelope(to_local(county)), 0.05)
    cells = shapely.get_parts(shapely.voronoi_polygons(local, extend_to=env, ordered=True))
    cells = shapely.set_precision(shapely.segmentize(from_local(cells), 0.002), GRID)
    geoms = shapely.intersection(cells, county, grid_size=GRID)
    urban = name.endswith("区")
    order = np.argsort(np.hypot((pts[:, 0] - seat[0]) * COS0, pts[:, 1] - seat[1]))
    codes, names, used = [""] * k, [""] * k, set[str]()
    n_jd, n_zhen, n_xiang = 1, 100, 200
    for rank, i in enumerate(order):
        if urban and rank < max(1, k // 2):
            codes[i], names[i], n_jd = f"{code}{n_jd:03d}", _name(rng, used, "街道"), n_jd + 1
        elif rank == 0 or rng.uniform() < 0.6:
            codes[i], names[i], n_zhen = f"{code}{n_zhen:03d}", _name(rng, used, "镇"), n_zhen + 1
        else:
            codes[i], names[i], n_xiang = f"{code}{n_xiang:03d}", _name(rng, used, "乡"), \
                n_xiang + 1
    keep = ~shapely.is_empty(geoms)
    tws = gpd.GeoDataFrame({"XZQDM": np.array(codes)[keep], "XZQMC": np.array(names)[keep]},
                           geometry=geoms[keep], crs=CRS)
    tws = tws.sort_values("XZQDM").reset_index(drop=True)
    v_xy, v_code, v_name = [], [], []
    for tw_code, tw_name, g in zip(tws.XZQDM, tws.XZQMC, tws.geometry, strict=True):
        m = int(max(2, round(float(local_area_m2([g])[0]) / 1e6 / 10.0)))
        vpts = _random_points(g, m, rng)
        suffix = "社区" if tw_name.endswith("街道") else "村"
        vused: set[str] = set()
        for j, xy in enumerate(vpts):
            v_xy.append(xy)
            v_code.append(f"{tw_code}{j + 1:03d}")
            v_name.append(tw_name + _name(rng, vused, suffix))
    return AdminUnits(tws, np.array(v_xy), np.array(v_code), np.array(v_name, dtype=object))
