"""Demo mining supervision data with a known truth for every figure (synthetic, not official).

``load_demo_mining(ws, seed, actor=...)`` runs on a built demo province and registers:

* mining rights: the licences of the demo's ``mining_right`` layer (one per 2019 mine)
  — one per county with two or more left out of the register (its 0602 land becomes
  无证开采), one per county with three or more kept "active" past its expiry — plus
  synthetic rights where Jiangxi's are: 稀土 and 钨 in Ganzhou (3607xx), 铜 at Dexing
  (361181), 锂云母 in Yichun (3609xx), 石灰岩 / 建筑用砂 elsewhere; in those mineral
  counties one right straddling the 生态保护红线, one straddling a reserve core zone
  (退出), one new application inside a core zone (refused on registration) and one
  exploration right overlapping a mining right;
* 2023 quotas of 钨精矿 and 稀土氧化物 (province → city → mine), monthly reports
  January–June, one duplicate reversed, and one overdraw attempt (refused);
* abandoned mines: per county, open-pit mines restored in 2021–2023 (Poisson around the
  pace of the plan's 1840), two restored in 2019 that the 2020 survey confirms or refutes,
  some underground and unrestored ones; green mines (one whose right expired).

The truth (``truth/mining.json``) is computed with plain shapely and pyproj ``Geod``
(independent of :mod:`onemap.geometry`): every conflict with its overlap area, the
expired rights, overlapping pairs, suspected 0602 patches, the refused application,
quota outcomes and balances, restored mines by county and year and the 2019 checks.
"""

from __future__ import annotations

import json
from datetime import date
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pydantic import BaseModel
from pyproj import Geod

from onemap.demo.controls import MINERALS_BY_CITY
from onemap.errors import OnemapError
from onemap.mining import quota_service, restoration_service, service
from onemap.mining.models import AbandonedMineIn, GreenMineIn, QuotaIn, ReportIn, RightIn

if TYPE_CHECKING:
    from onemap.store.access import Actor
    from onemap.store.workspace import Workspace

YEAR = 2023
AS_OF = date(YEAR, 12, 31)
GEOD = Geod(ellps="GRS80")  # CGCS2000's ellipsoid (same a, f to 1e-12)
M_PER_DEG = 111_320.0
SPECIAL = {"3607": ["稀土", "钨矿"], "361181": ["铜矿"], "3609": ["锂云母"]}
TUNGSTEN, REO = "钨精矿", "稀土氧化物"
HOLDERS = ["赣南{}矿业有限公司", "江西{}矿业有限责任公司", "{}资源开发有限公司",
           "{}稀有金属有限公司"]
CONTROLS = ("eco_redline", "nature_reserve", "pbf", "udb", "hazard_zone")
MIN_OVERLAP, ILLEGAL_MIN = 1.0, 100.0


class DemoMining(BaseModel):
    """What :func:`load_demo_mining` registered."""

    rights: int
    exploration: int
    refused: list[str]
    abandoned: int
    green: int
    reports: int
    indicator_values: int
    truth_path: str


def geod_area(geom: shapely.Geometry) -> float:
    """Ellipsoidal area with pyproj (the truth's own measure, m²)."""
    if geom is None or geom.is_empty:
        return 0.0
    return float(sum(abs(GEOD.geometry_area_perimeter(p)[0])
                     for p in shapely.get_parts(geom) if p.geom_type == "Polygon"))


def _special(county: str) -> list[str]:
    return SPECIAL.get(county) or SPECIAL.get(county[:4]) or []


def _box(x: float, y: float, side_m: float) -> shapely.Geometry:
    h = side_m / 2 / M_PER_DEG
    hx = h / np.cos(np.radians(y))
    return shapely.box(round(x - hx, 7), round(y - h, 7), round(x + hx, 7), round(y + h, 7))


def _geojson(g: shapely.Geometry) -> dict[str, Any]:
    out: dict[str, Any] = json.loads(shapely.to_geojson(g))
    return out


class _Builder:
    """Collects one demo register and its truth, county by county."""

    def __init__(self, ws: Workspace, seed: int) -> None:
        self.ws = ws
        self.rng = np.random.default_rng(seed + 15)
        v = ws.latest_vintage("dltb")
        self.dltb = ws.read_layer("dltb", v, columns=["BSM", "DLBM", "county"])
        self.controls = {k: ws.read_layer(k, ws.latest_vintage(k)) if ws.has_layer(k)
                         else gpd.GeoDataFrame(geometry=[], crs="EPSG:4490") for k in CONTROLS}
        mv = ws.latest_vintage("mining_right")
        self.layer = ws.read_layer("mining_right", mv) if mv else gpd.GeoDataFrame(
            geometry=[], crs="EPSG:4490")
        self.mines = self.dltb[self.dltb.DLBM == "0602"]
        self.mine_tree = shapely.STRtree(self.mines.geometry.to_numpy())
        self.rights: list[RightIn] = []
        self.dropped: list[str] = []
        self.expired: list[str] = []
        self.planted: dict[str, list[str]] = {"redline": [], "core_exit": [], "overlap": []}
        self.application: list[str] = []

    # -- rights --------------------------------------------------------------------------
    def right(self, no: str, county: str, geom: shapely.Geometry, minerals: list[str], *,
              status: str = "active", start: int | None = None, end: int | None = None,
              right_type: str = "mining", name: str = "") -> RightIn:
        rng = self.rng
        start = start or int(rng.integers(2008, 2021))
        end = end or int(rng.integers(2031, 2041))
        underground = any(m in ("钨矿", "铜矿", "金矿", "锂云母") for m in minerals)
        r = RightIn(
            right_no=no, right_type=right_type, county=county, minerals=minerals,
            name=name or f"{county}{minerals[0]}{'勘查' if right_type != 'mining' else '矿'}",
            holder=str(rng.choice(HOLDERS)).format(minerals[0][:2]),
            holder_code=f"91360{county[2:]}{int(rng.integers(10**7, 10**8))}X",
            method="" if right_type != "mining" else ("underground" if underground
                                                       else "open_pit"),
            scale=str(rng.choice(["large", "medium", "small"], p=[0.15, 0.35, 0.5])),
            capacity=round(float(rng.uniform(3, 120)), 1), valid_from=date(start, 1, 1),
            valid_to=date(end, 12, 31), status=status,
            depth_top=float(rng.integers(150, 600)), depth_bottom=float(rng.integers(-300, 100)),
            geometry=_geojson(geom))
        self.rights.append(r)
        return r

    def from_layer(self) -> None:
        """Register the layer's licences, leaving some out and letting some expire."""
        if not len(self.layer) or "county" not in self.layer.columns:
            return  # no county of the workspace has mapped mining land
        touches = set()
        for g in self.mines.geometry:  # rights a carved 2020 mine piece touches
            for j in shapely.STRtree(self.layer.geometry.to_numpy()).query(
                    g, predicate="intersects"):
                if not self.layer.geometry.iloc[j].equals(g):
                    touches.add(int(j))
        for county, group in self.layer.groupby("county", sort=True):
            idx = [int(i) for i in group.index]
            free = [i for i in idx if i not in touches]
            drop = free[-1] if len(idx) >= 2 and free else None
            expire = next((i for i in free if i != drop), None) if len(idx) >= 3 else None
            for i in idx:
                row = self.layer.loc[i]
                if i == drop:
                    self.dropped.append(row.XKZH)
                    continue
                kz = str(row.KZ) or "石灰岩"
                end = 2021 if i == expire else None
                self.right(row.XKZH, str(county), row.geometry, [kz], end=end,
                           start=int(str(row.YXQQ)[:4]) if row.YXQQ else None, name=row.KQMC)
                if i == expire:
                    self.expired.append(row.XKZH)

    def _spot(self, county: str, side_m: float) -> shapely.Geometry | None:
        forest = self.dltb[(self.dltb.county == county) & self.dltb.DLBM.str.startswith("03")]
        for _ in range(30 if len(forest) else 0):  # a city district may hold no forest
            g = forest.geometry.iloc[int(self.rng.integers(len(forest)))]
            p = g.representative_point()
            box = _box(p.x, p.y, side_m)
            if len(self.mine_tree.query(box.buffer(0.001), predicate="intersects")) == 0:
                return box
        return None

    def synthetic(self, county: str, k: int) -> None:
        """Rights without mapped mining land: underground and new mines of the county."""
        minerals = _special(county) or MINERALS_BY_CITY.get(county[:4] + "00",
                                                            ["石灰岩", "建筑用砂"])
        n = 3 if _special(county) else 1
        for j in range(n):
            box = self._spot(county, float(self.rng.uniform(300, 900)))
            if box is None:
                continue
            mineral = minerals[j % len(minerals)]
            no = f"C36{county[2:]}{YEAR - 1}{k:02d}{j + 1:03d}"
            status = "active"
            end = 2022 if j == 2 else None  # the third special right: expired, still active
            self.right(no, county, box, [mineral], status=status, end=end)
            if end is not None:
                self.expired.append(no)
        if _special(county):
            self._planted(county, k, minerals[0])

    def _edge_box(self, poly: shapely.Geometry, side_m: float) -> shapely.Geometry | None:
        """Return a box centred on a vertex of ``poly`` (part in, part out), off mining land."""
        coords = np.asarray(shapely.get_exterior_ring(shapely.get_parts(poly)[0]).coords)
        for _ in range(20):
            x, y = coords[int(self.rng.integers(len(coords)))]
            box = _box(float(x), float(y), side_m)
            inside = shapely.intersection(box, poly).area / box.area
            if 0.1 < inside < 0.9 and not len(self.mine_tree.query(
                    box.buffer(0.001), predicate="intersects")):
                return box
        return None

    def _planted(self, county: str, k: int, mineral: str) -> None:
        red = self.controls["eco_redline"]
        red = red[red.county == county]
        if len(red):
            big = red.geometry.iloc[int(np.argmax(shapely.area(red.geometry.to_numpy())))]
            box = self._edge_box(big, 700)
            if box is not None:
                no = f"C36{county[2:]}{YEAR - 1}{k:02d}901"
                self.right(no, county, box, [mineral])
                self.planted["redline"].append(no)
        nr = self.controls["nature_reserve"]
        core = nr[(nr.county == county) & (nr.ZONE == "core")]
        if len(core):
            poly = core.geometry.iloc[0]
            box = self._edge_box(poly, 600)
            if box is not None:
                no = f"C36{county[2:]}{YEAR - 1}{k:02d}902"
                self.right(no, county, box, [mineral])
                self.planted["core_exit"].append(no)
            p = poly.representative_point()
            inner = shapely.intersection(_box(p.x, p.y, 300), poly)
            if inner.geom_type == "Polygon" and not inner.is_empty:
                no = f"C36{county[2:]}{YEAR}{k:02d}903"
                self.right(no, county, inner, [mineral], status="application", start=YEAR)
                self.application.append(no)
        base = next((r for r in self.rights if r.county == county and r.status == "active"
                     and r.right_no[-3:] == "001"), None)
        if base is not None:
            g = shapely.from_geojson(json.dumps(base.geometry))
            x0, y0, x1, y1 = g.bounds
            explo = shapely.box(x0 + (x1 - x0) / 2, y0 - (y1 - y0) / 3, x1 + (x1 - x0) / 2,
                                y1 - (y1 - y0) / 3)
            no = f"T36{county[2:]}{YEAR - 3}{k:02d}001"
            self.right(no, county, explo, [mineral], right_type="exploration",
                       name=f"{county}{mineral}普查")
            self.planted["overlap"].append(no)


def _truth_conflicts(rights: list[RightIn], controls: dict[str, gpd.GeoDataFrame],
                     rules: Any) -> list[dict[str, Any]]:
    """Every (right, layer, zone) overlap ≥ 1 m², by plain shapely and pyproj."""
    out = []
    for r in rights:
        g = shapely.from_geojson(json.dumps(r.geometry))
        for kind, frame in controls.items():
            zones = {"": frame}
            if kind == "nature_reserve" and len(frame):
                zones = {z: frame[frame.ZONE == z] for z in ("core", "general")}
            for zone, f in zones.items():
                near = f[f.intersects(g)]
                if not len(near):
                    continue
                area = geod_area(shapely.intersection(g, shapely.union_all(near.geometry)))
                if area < MIN_OVERLAP:
                    continue
                rule = next(c for c in rules.conflict if c.layer == kind and c.zone == zone)
                out.append({"right_no": r.right_no, "layer": kind, "zone": zone,
                            "overlap_m2": area, "status": r.status,
                            "action": rule.new if r.status == "application" else rule.existing})
    return out


def _truth_register(rights: list[RightIn], dltb: gpd.GeoDataFrame) -> dict[str, Any]:
    live = [r for r in rights if r.status != "closed"]
    geoms = [shapely.from_geojson(json.dumps(r.geometry)) for r in live]
    overlaps = []
    for i in range(len(live)):
        for j in range(i + 1, len(live)):
            if geoms[i].intersects(geoms[j]):
                a = geod_area(shapely.intersection(geoms[i], geoms[j]))
                if a >= MIN_OVERLAP:
                    overlaps.append(sorted([live[i].right_no, live[j].right_no]))
    valid = [g for r, g in zip(live, geoms, strict=True) if r.right_type == "mining"
             and r.status == "active" and r.valid_to and r.valid_to >= AS_OF]
    union = shapely.union_all(valid) if valid else shapely.Polygon()
    suspected = []
    for row in dltb[dltb.DLBM == "0602"].itertuples():
        rest = shapely.difference(row.geometry, union)
        area = geod_area(rest)
        if area >= ILLEGAL_MIN:
            near = row.geometry.buffer(1e-6).intersects(union)
            suspected.append({"bsm": row.BSM, "county": row.county, "area_m2": area,
                              "kind": "beyond_licence" if near else "unlicensed"})
    expired = sorted(r.right_no for r in rights if r.status == "active" and r.valid_to
                     and r.valid_to < AS_OF)
    return {"overlaps": sorted(overlaps), "suspected": suspected, "expired_active": expired}


# -- quotas and reports ------------------------------------------------------------------
def _quotas(ws: Workspace, actor: Actor, rights: list[RightIn], rng: np.random.Generator
            ) -> dict[str, Any]:
    """2023 quotas province → city → mine, six monthly reports, a reversal, an overdraw."""
    root = ws.root_region
    by_mineral = {TUNGSTEN: [r for r in rights if "钨矿" in r.minerals],
                  REO: [r for r in rights if "稀土" in r.minerals]}
    truth: dict[str, Any] = {"mines": {}, "refused": [], "reversed": [], "reports": 0}
    for mineral, candidates in by_mineral.items():
        mines = [r for r in candidates if r.right_type == "mining" and r.status == "active"
                 and r.valid_to and r.valid_to >= AS_OF]
        if not mines:
            continue
        lo, hi = (300, 1500) if mineral == TUNGSTEN else (150, 800)
        mine_q = {r.right_no: float(round(rng.uniform(lo, hi))) for r in mines}
        city_q: dict[str, float] = {}
        for r in mines:
            city = r.county[:4] + "00"
            city_q[city] = city_q.get(city, 0.0) + mine_q[r.right_no]
        city_q = {c: float(round(v * 1.05)) for c, v in city_q.items()}
        quota_service.allocate(ws, actor, QuotaIn(
            mineral=mineral, year=YEAR, level="province", holder=root,
            amount=float(round(sum(city_q.values()) * 1.1)), note="国家下达年度指标（演示）"))
        for city, amount in sorted(city_q.items()):
            quota_service.allocate(ws, actor, QuotaIn(mineral=mineral, year=YEAR,
                                                      level="city", holder=city, amount=amount))
        for no, amount in sorted(mine_q.items()):
            quota_service.allocate(ws, actor, QuotaIn(mineral=mineral, year=YEAR,
                                                      level="mine", holder=no, amount=amount))
        for no, amount in sorted(mine_q.items()):
            produced = 0.0
            for month in range(1, 7):
                t = round(amount / 12 * float(rng.uniform(0.8, 1.2)), 3)
                quota_service.report_production(ws, actor, ReportIn(
                    right_no=no, mineral=mineral, year=YEAR, month=month, amount=t))
                produced += t
                truth["reports"] += 1
            truth["mines"][no] = {"mineral": mineral, "quota": amount, "produced": produced}
        first = sorted(mine_q)[0]
        dup = quota_service.report_production(ws, actor, ReportIn(
            right_no=first, mineral=mineral, year=YEAR, month=6, amount=12.5,
            note="重复填报"))
        quota_service.reverse_entry(ws, actor, dup.id, "重复填报，冲销")
        truth["reversed"].append(dup.id)
        left = mine_q[first] - truth["mines"][first]["produced"]
        try:
            quota_service.report_production(ws, actor, ReportIn(
                right_no=first, mineral=mineral, year=YEAR, month=7,
                amount=round(left + 37.5, 3), note="超指标开采（演示）"))
        except OnemapError as exc:
            truth["refused"].append({"right_no": first, "mineral": mineral, "code": exc.code,
                                     "shortfall": round(left + 37.5, 3) - left,
                                     "quota": exc.extra.get("quota")})
    return truth


# -- abandoned and green mines -----------------------------------------------------------
def _footprint(rng: np.random.Generator, polys: gpd.GeoSeries) -> shapely.Geometry | None:
    if not len(polys):
        return None
    g = polys.iloc[int(rng.integers(len(polys)))]
    p = g.representative_point()
    piece = shapely.intersection(_box(p.x, p.y, float(rng.uniform(70, 200))), g)
    return piece if piece.geom_type == "Polygon" and piece.area > 0 else None


def _abandoned(dltb: gpd.GeoDataFrame, rng: np.random.Generator
               ) -> tuple[list[AbandonedMineIn], dict[str, Any]]:
    mines: list[AbandonedMineIn] = []
    restored: dict[str, dict[int, int]] = {}
    checks: dict[str, str] = {}
    for county, d in dltb.groupby("county", sort=True):
        green = d[d.DLBM.str[:2].isin(["01", "03", "04"])].geometry
        bare = d[d.DLBM.isin(["1207", "0602", "1206"])].geometry
        mean = 1840 / 100 / 5 * float(rng.uniform(0.6, 1.3))
        plan: list[tuple[int | None, str, bool]] = [
            (y, "restored", True) for y in (2021, 2022, 2023)
                for _ in range(int(rng.poisson(mean)))]
        plan += [(2019, "restored", True), (2019, "false", True), (2022, "restored", False)]
        plan += [(None, str(rng.choice(["none", "in_progress"])), True)
                 for _ in range(int(rng.poisson(3)))]
        for k, (year, state, open_pit) in enumerate(plan):
            g = _footprint(rng, bare if state == "false" else green)
            if g is None:
                continue
            mid = f"LK{county}{k + 1:04d}"
            owned = bool(rng.uniform() < 0.3)
            mines.append(AbandonedMineIn(
                mine_id=mid, county=str(county), name=f"{county}历史遗留矿山{k + 1}",
                mineral=str(rng.choice(["石灰岩", "建筑用砂", "稀土", "钨矿", "高岭土"])),
                open_pit=open_pit, damaged_area_m2=round(geod_area(g) * 1.1, 1),
                ownership="owned" if owned else "ownerless",
                responsible="某矿业公司（已注销）" if owned else "",
                restoration="restored" if state in ("restored", "false") else state,
                restored_year=year, restored_area_m2=round(geod_area(g), 1) if year else 0.0,
                target_class=str(rng.choice(["林地", "耕地", "草地"])) if year else "",
                geometry=_geojson(g)))
            if year == 2019:
                checks[mid] = "restored" if state == "restored" else "not_restored"
            elif year is not None and open_pit:
                restored.setdefault(str(county), {}).setdefault(year, 0)
                restored[str(county)][year] += 1
    return mines, {"restored": restored, "checks_2019": checks}


def _green(rights: list[RightIn], rng: np.random.Generator, expired: list[str]
           ) -> tuple[list[GreenMineIn], list[str]]:
    mining = [r for r in rights if r.right_type == "mining" and r.status == "active"]
    picked = [r for r in mining if rng.uniform() < 0.25] + [
        r for r in mining if r.right_no in expired[:1]]
    out = []
    for r in {p.right_no: p for p in picked}.values():
        out.append(GreenMineIn(right_no=r.right_no,
                               level="national" if rng.uniform() < 0.3 else "provincial",
                               year=int(rng.integers(2019, 2024)),
                               review=str(rng.choice(["listed", "listed", "under_review",
                                                      "rectify"]))))
    invalid = sorted(g.right_no for g in out if g.right_no in expired)
    return out, invalid


def load_demo_mining(ws: Workspace, seed: int = 2019, *, actor: Actor) -> DemoMining:
    """Register the demo's mining data, run nothing else; write ``truth/mining.json``."""
    b = _Builder(ws, seed)
    b.from_layer()
    for k, county in enumerate(sorted(set(b.dltb.county))):
        b.synthetic(str(county), k)
    summary = service.register_rights(ws, actor, b.rights, source="onemap demo mining")
    stored = [r for r in b.rights if r.right_no not in set(summary.refused)]
    rules = service.load_rules(ws)
    truth: dict[str, Any] = {
        "as_of": AS_OF.isoformat(), "year": YEAR, "refused": sorted(summary.refused),
        "applications": sorted(b.application), "dropped": sorted(b.dropped),
        "planted": b.planted, "conflicts": _truth_conflicts(stored, b.controls, rules),
        **_truth_register(stored, b.dltb)}
    truth["quota"] = _quotas(ws, actor, stored, b.rng)
    mines, restoration = _abandoned(b.dltb, b.rng)
    restoration_service.register_abandoned(ws, actor, mines)
    truth["restoration"] = restoration
    green, invalid = _green(stored, b.rng, truth["expired_active"])
    restoration_service.register_green(ws, actor, green)
    truth["green"] = {"count": len(green), "right_invalid": invalid}
    values = restoration_service.post_indicator(ws, actor, ws.root / "outputs" / "mining")
    service.publish_layers(ws, actor, vintage=YEAR)
    path = ws.root / "truth" / "mining.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(truth, ensure_ascii=False, indent=1, default=str),
                    encoding="utf-8")
    return DemoMining(rights=sum(r.right_type == "mining" for r in stored),
                      exploration=sum(r.right_type == "exploration" for r in stored),
                      refused=summary.refused, abandoned=len(mines), green=len(green),
                      reports=int(truth["quota"]["reports"]), indicator_values=values,
                      truth_path=str(path))


def load_truth(ws_dir: Any) -> dict[str, Any]:
    """Read ``truth/mining.json`` of a demo workspace."""
    from pathlib import Path

    data: dict[str, Any] = json.loads((Path(ws_dir) / "truth" / "mining.json").read_text(
        encoding="utf-8"))
    return data


__all__ = ["AS_OF", "YEAR", "DemoMining", "geod_area", "load_demo_mining", "load_truth"]
_ = pd  # pandas is used through geopandas frames above
