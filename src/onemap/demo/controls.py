"""Control lines (三区三线, reserves) and registers consistent with a county's 2019 land use.

Everything is built from whole 2019 DLTB polygons so the relations a reviewer
expects hold exactly: 永久基本农田 is farmland outside the urban development
boundary, the ecological red line is mountain forest, lake wetland and every
nature reserve, reserves have a core and a general zone, approvals and land
supply cover existing town land, mining licences cover the mines, and geohazard
points sit on village edges on steep ground.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from onemap.demo.allocate import redline_score
from onemap.demo.boundaries import CRS, GRID
from onemap.demo.context import from_local, metres_to_local, to_local
from onemap.demo.targets import FARMLAND_CODES
from onemap.demo.tessellate import local_area_m2
from onemap.geometry.area import ellipsoidal_area

if TYPE_CHECKING:
    from onemap.demo.county import CountyBase

Records = list[dict[str, Any]]
Geoms = list[Any]
URBAN_USE = {"0701": "住宅用地", "0601": "工业用地", "05H1": "商服用地", "0508": "仓储用地",
             "08H1": "公共管理与公共服务用地", "08H2": "公共管理与公共服务用地"}
MINERALS_BY_CITY = {
    "360700": ["稀土", "钨矿", "萤石", "建筑用花岗岩"], "361100": ["铜矿", "金矿", "石灰岩"],
    "360300": ["煤", "石灰岩"], "360900": ["锂云母", "钽铌矿", "石灰岩"],
    "360800": ["铁矿", "建筑用砂"], "360500": ["铁矿", "石灰岩"],
}
DEFAULT_MINERALS = ["石灰岩", "建筑用砂", "建筑用花岗岩", "高岭土"]


@dataclass
class Controls:
    """A county's control layers (EPSG:4490 frames with the kinds' standard fields)."""

    layers: dict[str, gpd.GeoDataFrame] = field(default_factory=dict)
    pbf_bsm: set[str] = field(default_factory=set)  # DLTB BSMs fully inside PBF
    pbf_any_bsm: set[str] = field(default_factory=set)  # DLTB BSMs with any PBF part
    redline_bsm: set[str] = field(default_factory=set)
    udb: shapely.Geometry = field(default_factory=shapely.Polygon)


def _frame(records: Records, geoms: list[Any], county: str) -> gpd.GeoDataFrame:
    df = pd.DataFrame(records)
    df["county"] = county
    return gpd.GeoDataFrame(df, geometry=list(geoms), crs=CRS)


def _dissolve_parts(geoms: list[Any], min_m2: float = 0.0) -> list[Any]:
    if not geoms:
        return []
    merged = shapely.coverage_union_all(np.asarray(geoms, dtype=object))
    parts = [p for p in shapely.get_parts(merged) if p.geom_type == "Polygon"]
    return [p for p in parts if local_area_m2([p])[0] >= min_m2]


def _date(rng: np.random.Generator, y0: int, y1: int) -> str:
    return str(np.datetime64(f"{y0}-01-01") + int(rng.integers(0, 365 * (y1 - y0 + 1) - 1)))


def make_udb(base: CountyBase, mean_cell_m: float) -> shapely.Geometry:
    """城镇开发边界: the seat's town land grown by a margin, clipped to the county."""
    d = base.dltb
    near = np.hypot((d._lon - base.seat[0]) * 0.888, d._lat - base.seat[1]) * 110.6
    town = d[(d._group == "urban") & (near < 12.0)]
    if town.empty:
        town = d.iloc[[int(np.argmin(near))]]
    margin = max(800.0, 0.8 * mean_cell_m)
    grown = shapely.buffer(to_local(shapely.union_all(town.geometry.to_numpy())),
                           metres_to_local(margin), quad_segs=4)
    grown = shapely.simplify(shapely.buffer(grown, -metres_to_local(margin / 2)),
                             metres_to_local(60))
    udb = shapely.intersection(from_local(grown), base.geometry, grid_size=GRID)
    parts = [p for p in shapely.get_parts(udb) if p.geom_type == "Polygon"
             and local_area_m2([p])[0] > 2e5]
    return shapely.MultiPolygon(parts) if parts else shapely.Polygon()


def make_reserves(base: CountyBase, rng: np.random.Generator, mean_cell_m: float,
                  udb: shapely.Geometry) -> tuple[Records, list[Any], set[str]]:
    """自然保护地: a mountain reserve (core + general) and Poyang Lake's where it applies."""
    d = base.dltb
    if not udb.is_empty:
        d = d[~shapely.intersects(d.geometry.to_numpy(), udb)]
    records, geoms, members = [], [], set()
    forest = d[d.DLBM.str.startswith("03")]
    if len(forest) and forest._elev.max() > 350:
        top = forest.iloc[int(np.argmax(forest._elev.to_numpy()))]
        r_core = max(2500.0, 1.6 * mean_cell_m) / 110_600
        dist = np.hypot((d._lon - top._lon) * 0.888, d._lat - top._lat)
        natural = d.DLBM.str[:2].isin(["03", "04", "00"]) | d.DLBM.isin(["1106", "0402"])
        core = d[natural & (dist < r_core)]
        general = d[natural & (dist >= r_core) & (dist < 2.3 * r_core)]
        level = str(rng.choice(["国家级", "省级", "县级"], p=[0.2, 0.4, 0.4]))
        name = f"{base.name}{_short(rng)}山{level}自然保护区"
        for zone, part in (("core", core), ("general", general)):
            for g in _dissolve_parts(list(part.geometry), 1e4):
                records.append({"BHQMC": name, "ZONE": zone, "JB": level, "XZQDM": base.code})
                geoms.append(g)
            members |= set(part.BSM)
    lake = d[(d._group == "wetland") & d.DLBM.isin(["1106", "0402", "1108"])
             & (d._elev < 30)]
    lake_water = d[d.DLBM == "1102"]
    if len(lake_water) and len(lake):
        for zone, part in (("core", lake), ("general", lake_water)):
            for g in _dissolve_parts(list(part.geometry), 1e4):
                records.append({"BHQMC": "鄱阳湖国家级自然保护区", "ZONE": zone, "JB": "国家级",
                                "XZQDM": base.code})
                geoms.append(g)
            members |= set(part.BSM)
    return records, geoms, members


def _short(rng: np.random.Generator) -> str:
    return "".join(rng.choice(list("云雾青龙凤凰梅岭武功井冈三清官山九连阳际"), 2))


def make_redline(base: CountyBase, threshold: float, reserve_bsm: set[str],
                 rng: np.random.Generator, udb: shapely.Geometry) -> tuple[Records, Geoms,
                                                                          set[str]]:
    """生态保护红线: high forest and lake wetland above the province threshold, plus reserves.

    Polygons touching the urban development boundary are left out (the lines don't overlap).
    """
    d = base.dltb
    score = redline_score(d._elev.to_numpy(), d.DLBM.to_numpy().astype(str))
    chosen = d[(score >= threshold) | d.BSM.isin(reserve_bsm)]
    if not udb.is_empty:
        chosen = chosen[~shapely.intersects(chosen.geometry.to_numpy(), udb)]
    parts = _dissolve_parts(list(chosen.geometry), 5e4)
    records = []
    for i, _ in enumerate(parts):
        lx = str(rng.choice(["水源涵养", "生物多样性维护", "水土保持"], p=[0.45, 0.35, 0.2]))
        records.append({"HXMC": f"{base.name}生态保护红线{i + 1:02d}", "HXLX": lx,
                        "XZQDM": base.code})
    kept = set()
    if parts:
        reps = shapely.point_on_surface(chosen.geometry.to_numpy())
        hit, _ = shapely.STRtree(parts).query(reps, predicate="within")
        kept = set(chosen.BSM.iloc[np.unique(hit)])
    return records, parts, kept


def make_pbf(base: CountyBase, udb: shapely.Geometry,
             rng: np.random.Generator) -> tuple[Records, list[Any], set[str], set[str]]:
    """永久基本农田: most farmland, outside the urban development boundary."""
    d = base.dltb
    farm = d[d.DLBM.isin(FARMLAND_CODES) & (d.GDDB <= 12)]
    keep = rng.uniform(size=len(farm)) < 0.9
    farm = farm[keep]
    geoms = farm.geometry.to_numpy()
    if not udb.is_empty:
        hit = shapely.intersects(geoms, udb)
        geoms = geoms.copy()
        geoms[hit] = shapely.difference(geoms[hit], udb)
    ok = ~shapely.is_empty(geoms) & (shapely.area(geoms) > 0)
    farm, geoms = farm[ok], geoms[ok]
    inside = set(farm.BSM[~shapely.intersects(farm.geometry.to_numpy(), udb)]) \
        if not udb.is_empty else set(farm.BSM)
    mj = np.round(ellipsoidal_area(geoms), 2)
    records = [{"BSM": f"{b}P", "XZQDM": z[:9], "DLBM": c, "GDDB": int(g), "MJ": float(m)}
               for b, z, c, g, m in zip(farm.BSM, farm.ZLDWDM, farm.DLBM, farm.GDDB, mj,
                                        strict=True)]
    return records, list(geoms), inside, set(farm.BSM)


def make_hsf(base: CountyBase, rng: np.random.Generator) -> tuple[Records, list[Any]]:
    """高标准农田: flat paddy of selected townships, one project per township."""
    d = base.dltb
    flat = d[(d.DLBM == "0101") & d.GDPDJB.isin(["1", "2"])]
    records, geoms = [], []
    names = dict(zip(base.units.townships.XZQDM, base.units.townships.XZQMC, strict=True))
    for tw, part in flat.groupby(flat.ZLDWDM.str[:9], sort=True):
        if rng.uniform() > 0.65:
            continue
        year = int(rng.integers(2011, 2020))
        for g in _dissolve_parts(list(part.geometry), 1e4):
            records.append({"XMMC": f"{names.get(tw, tw)}{year}年高标准农田建设项目",
                            "JSND": year, "XZQDM": tw})
            geoms.append(g)
    return records, geoms


def make_mining(base: CountyBase, rng: np.random.Generator) -> tuple[Records, list[Any]]:
    """采矿权: one licence per 2019 mine polygon, covering it exactly."""
    d = base.dltb
    mines = d[d.DLBM == "0602"]
    minerals = MINERALS_BY_CITY.get(base.code[:4] + "00", DEFAULT_MINERALS)
    records = []
    for k, (_, m) in enumerate(mines.iterrows()):
        start = int(rng.integers(2008, 2019))
        kz = str(rng.choice(minerals))
        records.append({"XKZH": f"C36{base.code[2:]}{start}{k + 1:04d}", "KZ": kz,
                        "KQMC": f"{base.name}{m.ZLDWMC[-4:]}{kz}矿",
                        "YXQQ": f"{start}-{int(rng.integers(1, 13)):02d}-01",
                        "YXQZ": f"{start + int(rng.choice([5, 10, 15]))}-12-31",
                        "XZQDM": m.ZLDWDM[:9]})
    return records, list(mines.geometry)


def make_hazards(base: CountyBase, rng: np.random.Generator) -> tuple[Records, Geoms,
                                                                       Records, list[Any]]:
    """地质灾害隐患点 on steep village edges and 风险区 around them."""
    d = base.dltb
    villages = d[(d.DLBM == "0702") & (d._slope > d._slope.median())]
    area_km2 = float(local_area_m2([base.geometry])[0]) / 1e6
    n = int(min(len(villages), max(2, round(area_km2 / 40))))
    if n == 0:
        return [], [], [], []
    pick = villages.iloc[np.sort(rng.choice(len(villages), n, replace=False))]
    pts, recs, zones, zrecs = [], [], [], []
    for k, (_, v) in enumerate(pick.iterrows()):
        ring = v.geometry.exterior
        pt = ring.interpolate(float(rng.uniform(0, 1)), normalized=True)
        kind = str(rng.choice(["landslide", "collapse", "debris_flow"], p=[0.65, 0.25, 0.10]))
        wxrk = int(np.clip(rng.lognormal(3.2, 1.0), 3, 800))
        recs.append({"ZHDBH": f"{base.code}{k + 1:06d}", "ZHLX": kind, "WXRK": wxrk,
                     "WXCC": round(wxrk * float(rng.uniform(2, 9)), 1),
                     "XZQDM": v.ZLDWDM[:9]})
        pts.append(pt)
        radius = float(rng.uniform(150, 500))
        zone = from_local(shapely.buffer(to_local(pt), metres_to_local(radius), quad_segs=8))
        zone = shapely.intersection(zone, base.geometry, grid_size=GRID)
        if zone.is_empty or zone.geom_type not in ("Polygon", "MultiPolygon"):
            continue
        level = "高" if wxrk >= 100 else "中" if wxrk >= 30 else "低"
        zrecs.append({"FXDJ": level, "XZQDM": v.ZLDWDM[:9]})
        zones.append(zone)
    return recs, pts, zrecs, zones


def make_approvals(base: CountyBase, udb: shapely.Geometry,
                   rng: np.random.Generator) -> tuple[Records, list[Any], Records, list[Any]]:
    """批准建设用地 behind existing town land, and the land supplied from them."""
    d = base.dltb
    town = d[d.DLBM.isin(list(URBAN_USE)) & (d._group == "urban")]
    if not udb.is_empty:
        town = town[shapely.intersects(town.geometry.to_numpy(), udb)]
    town = town[rng.uniform(size=len(town)) < 0.45]
    recs, geoms, srecs, sgeoms = [], [], [], []
    for k, (_, t) in enumerate(town.iterrows()):
        year = int(rng.integers(2009, 2020))
        date = _date(rng, year, year)
        pzwh = f"赣府土批字〔{year}〕{base.code[2:]}{k + 1:03d}号"
        recs.append({"PZWH": pzwh, "PZRQ": date, "PZMJ": float(t.TBMJ),
                     "YDLX": "城镇批次建设用地", "XZQDM": t.ZLDWDM[:9]})
        geoms.append(t.geometry)
        if rng.uniform() < 0.7:
            gd = str(np.datetime64(date) + int(rng.integers(30, 300)))
            srecs.append({"GDBH": f"{base.code}{gd[:4]}{k + 1:04d}", "GDRQ": gd,
                          "GDMJ": float(t.TBMJ), "YT": URBAN_USE[t.DLBM], "XZQDM": t.ZLDWDM[:9]})
            sgeoms.append(t.geometry)
    return recs, geoms, srecs, sgeoms


def make_controls(base: CountyBase, rng: np.random.Generator, redline_threshold: float,
                  mean_cell_m: float) -> Controls:
    """Build every control layer of one county."""
    c = Controls()
    udb = make_udb(base, mean_cell_m)
    c.udb = udb
    udb_geoms = list(shapely.get_parts(udb)) if not udb.is_empty else []
    c.layers["udb"] = _frame([{"MC": f"{base.name}中心城区城镇开发边界", "XZQDM": base.code}
                              for _ in udb_geoms], udb_geoms, base.code)
    rec, geo, reserve_bsm = make_reserves(base, rng, mean_cell_m, udb)
    c.layers["nature_reserve"] = _frame(rec, geo, base.code)
    rec, geo, c.redline_bsm = make_redline(base, redline_threshold, reserve_bsm, rng, udb)
    c.layers["eco_redline"] = _frame(rec, geo, base.code)
    rec, geo, c.pbf_bsm, c.pbf_any_bsm = make_pbf(base, udb, rng)
    c.layers["pbf"] = _frame(rec, geo, base.code)
    rec, geo = make_hsf(base, rng)
    c.layers["hsf"] = _frame(rec, geo, base.code)
    rec, geo = make_mining(base, rng)
    c.layers["mining_right"] = _frame(rec, geo, base.code)
    rec, pts, zrec, zones = make_hazards(base, rng)
    c.layers["hazard_point"] = _frame(rec, pts, base.code)
    c.layers["hazard_zone"] = _frame(zrec, zones, base.code)
    rec, geo, srec, sgeo = make_approvals(base, udb, rng)
    c.layers["approval"] = _frame(rec, geo, base.code)
    c.layers["land_supply"] = _frame(srec, sgeo, base.code)
    return c
