"""Demo 占补平衡 projects and 批供用 parcels with their known truth (seeded, per county).

Runs on a built demo province (DLTB 2019 and 2020, approvals and supply of 2020). In each
county it picks DLTB polygons that did not change between the vintages, lie away from
existing approvals, supply and the sample sites, and places:

* three supplementary-farmland projects (补充耕地项目, accepted in 2019) on farmland;
* two approvals of 2020 on farmland, the demo's occupation debits (占用耕地);
* unsupplied approvals of 2017 (2–5 yr) and 2012 (> 5 yr), and one of 2014 half
  supplied in 2020 (a 批而未供 disposal of 2020);
* supplied parcels with agreed start dates (约定动工日期): not due, suspected idle,
  idle (with a price) on unbuilt land, and one on built-up land (developed).

It appends them to the ``approval`` / ``land_supply`` layers (vintage 2020), writes
``outputs/quota/projects.geojson`` and ``debits.txt`` for the ledger, and the truth —
per county 批而未供 by age, idle parcels, disposal and the expected quota balance — to
``truth/quota.json``. The truth comes from construction (which polygon went where,
identical geometries), with areas by the ellipsoidal area function.
"""

from __future__ import annotations

import json
from datetime import date
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from onemap.demo.county import county_rng
from onemap.geometry.area import ellipsoidal_area
from onemap.standards.landuse import construction_codes

if TYPE_CHECKING:
    from pathlib import Path

    from onemap.store.workspace import Workspace

VINTAGE = 2020
YEAR = 2020  # the status year the truth is for
LINK_RATIO = 0.5
FARM = ("0101", "0102", "0103")
CRS = "EPSG:4490"
STREAM = 13  # county_rng stream of this generator


def _capacity_per_m2(grade: int) -> float:
    """Kept equal to :func:`onemap.quota.allocate.capacity_per_m2` (tested)."""
    g = min(max(int(grade), 1), 15)
    return ((15 - g) * 1500 + 750) / 10_000


def _unchanged(ws: Workspace, county: str) -> gpd.GeoDataFrame:
    """DLTB 2020 polygons of ``county`` identical in 2019 (same BSM, class and geometry)."""
    cols = ["BSM", "DLBM", "KCXS", "GDDB"]
    old = ws.read_layer("dltb", 2019, counties=[county], columns=cols)
    new = ws.read_layer("dltb", 2020, counties=[county], columns=cols)
    merged = new.merge(pd.DataFrame({"BSM": old.BSM, "_old": shapely.to_wkb(
        old.geometry.to_numpy()), "_dl": old.DLBM}), on="BSM")
    same = (merged["_old"] == shapely.to_wkb(merged.geometry.to_numpy())) & (
        merged["_dl"] == merged["DLBM"])
    out = gpd.GeoDataFrame(merged[same].drop(columns=["_old", "_dl"]), geometry="geometry",
                           crs=CRS)
    return out.reset_index(drop=True)


def _free(cands: gpd.GeoDataFrame, blocked: list[Any]) -> gpd.GeoDataFrame:
    if not blocked or not len(cands):
        return cands
    tree = shapely.STRtree(blocked)
    hit = np.zeros(len(cands), dtype=bool)
    left, _ = tree.query(cands.geometry.to_numpy(), predicate="intersects")
    hit[left] = True
    return cands[~hit].reset_index(drop=True)


def _site_boxes(sites_dir: Path | None) -> list[Any]:
    if sites_dir is None or not sites_dir.exists():
        return []
    from onemap.review.service import read_site

    boxes = []
    for path in sorted(sites_dir.glob("*.txt")):
        b = read_site(path).total_bounds
        boxes.append(shapely.box(b[0] - 0.02, b[1] - 0.02, b[2] + 0.02, b[3] + 0.02))
    return boxes


def _area(geom: Any) -> float:
    return float(ellipsoidal_area(np.array([geom]))[0])


def _net(row: Any) -> float:
    """Farmland net of 田坎, m² (as the review overlay measures it)."""
    return _area(row.geometry) * (1.0 - float(row.KCXS or 0.0))


class _County:
    """Everything placed in one county and its truth."""

    def __init__(self, code: str) -> None:
        self.code = code
        self.approvals: list[dict[str, Any]] = []
        self.supply: list[dict[str, Any]] = []
        self.projects: list[dict[str, Any]] = []
        self.debits: list[str] = []
        self.truth: dict[str, Any] = {}

    def approve(self, pzwh: str, when: str, geom: Any) -> None:
        self.approvals.append({"PZWH": pzwh, "PZRQ": when, "PZMJ": round(_area(geom), 2),
                               "YDLX": "城镇批次建设用地", "XZQDM": self.code,
                               "county": self.code, "geometry": geom})

    def supply_parcel(self, gdbh: str, when: str, geom: Any, agreed: str | None,
                      price: float | None) -> None:
        self.supply.append({"GDBH": gdbh, "GDRQ": when, "GDMJ": round(_area(geom), 2),
                            "YT": "工业用地", "YDDGRQ": agreed or "", "CJJG": price,
                            "XZQDM": self.code, "county": self.code, "geometry": geom})


def _place(c: _County, farm: gpd.GeoDataFrame, built: gpd.GeoDataFrame,
           rng: np.random.Generator) -> bool:
    """Place the county's projects, approvals and parcels; False when too little land."""
    if len(farm) < 11 or len(built) < 1:
        return False
    farm = farm.iloc[rng.permutation(len(farm))].reset_index(drop=True)
    pool = farm.iloc[:11]
    big = pool.sort_values("_a", ascending=False)
    projects, rest = big.iloc[:3], big.iloc[3:]
    debits = rest.sort_values("_a").iloc[:2]
    others = rest.drop(index=debits.index)
    code = c.code
    for k, r in enumerate(projects.itertuples()):
        net = float(np.floor(_net(r) * 100) / 100)
        c.projects.append({"XMBH": f"BC{code}{k + 1:02d}", "XMMC": f"补充耕地项目{k + 1}",
                           "county": code, "YSRQ": f"2019-0{3 + 2 * k}-15", "XZGDMJ": net,
                           "XZSTMJ": net if r.DLBM == "0101" else 0.0, "GDDB": int(r.GDDB),
                           "geometry": r.geometry})
    for k, r in enumerate(debits.itertuples()):
        pzwh = f"赣府土批字〔2020〕Q{code[2:]}{k + 1:02d}号"
        c.approve(pzwh, f"2020-0{4 + k}-10", r.geometry)
        c.debits.append(pzwh)
    o = list(others.itertuples())
    c.approve(f"赣府土批字〔2017〕Q{code[2:]}11号", "2017-06-15", o[0].geometry)
    c.approve(f"赣府土批字〔2012〕Q{code[2:]}12号", "2012-04-10", o[1].geometry)
    half = o[2].geometry
    minx, miny, maxx, maxy = half.bounds
    part = shapely.intersection(half, shapely.box(minx, miny, (minx + maxx) / 2, maxy))
    c.approve(f"赣府土批字〔2014〕Q{code[2:]}13号", "2014-05-20", half)
    c.supply_parcel(f"{code}2020Q01", "2020-05-08", part, "2021-05-01", None)
    plan = [("2019-11-01", "2020-03-01", "2020-06-01", o[3].geometry, None, "not_due"),
            ("2018-05-01", "2018-09-01", "2019-06-01", o[4].geometry, None, "suspected_idle"),
            ("2016-03-01", "2016-08-01", "2017-03-01", o[5].geometry,
             round(float(rng.uniform(800, 3000)), 2), "idle"),
            ("2016-02-01", "2016-07-01", "2017-01-01", built.geometry.iloc[0], 1500.0,
             "developed")]
    for k, (pz, gd, agreed, geom, price, _status) in enumerate(plan):
        c.approve(f"赣府土批字〔{pz[:4]}〕Q{code[2:]}{21 + k}号", pz, geom)
        c.supply_parcel(f"{code}{gd[:4]}Q{k + 2:02d}", gd, geom, agreed, price)
    c.truth["parcels"] = {f"{code}{gd[:4]}Q{k + 2:02d}": s for k, (_, gd, _, _, _, s)
                          in enumerate(plan)}
    c.truth["idle_fee_basis_wan"] = round(0.2 * float(plan[2][4] or 0.0), 4)
    credit = {"quantity": sum(p["XZGDMJ"] for p in c.projects),
              "paddy": sum(p["XZSTMJ"] for p in c.projects),
              "capacity": sum(p["XZGDMJ"] * _capacity_per_m2(p["GDDB"]) for p in c.projects)}
    debit = {"quantity": sum(_net(r) for r in debits.itertuples()),
             "paddy": sum(_net(r) for r in debits.itertuples() if r.DLBM == "0101"),
             "capacity": sum(_net(r) * _capacity_per_m2(int(r.GDDB))
                             for r in debits.itertuples())}
    c.truth["balance"] = {k: credit[k] - debit[k] for k in credit}
    c.truth["credited_m2"], c.truth["debited_m2"] = credit["quantity"], debit["quantity"]
    return all(v >= 0 for v in c.truth["balance"].values())


def _supply_truth(c: _County, approvals: gpd.GeoDataFrame, supply: gpd.GeoDataFrame) -> None:
    """批而未供 of every approval of the county (existing + placed), by construction."""
    as_of = date(YEAR, 12, 31)
    s_wkb: dict[bytes, list[str]] = {}
    for g, gd in zip(supply.geometry, supply.GDRQ.astype(str), strict=True):
        s_wkb.setdefault(shapely.to_wkb(g), []).append(gd[:10])
    by_age = {"<2": 0.0, "2-5": 0.0, ">5": 0.0}
    approved = disposed = 0.0
    batches = 0
    half_supply = {r["GDBH"]: r for r in c.supply if r["GDBH"].endswith("Q01")}
    for pzwh, pz, g in zip(approvals.PZWH, approvals.PZRQ.astype(str), approvals.geometry,
                           strict=True):
        when = date.fromisoformat(pz[:10])
        if when > as_of:
            continue
        area = _area(g)
        approved += area
        dates = [d for d in s_wkb.get(shapely.to_wkb(g), []) if date.fromisoformat(d) <= as_of]
        rest = 0.0 if dates else area
        if str(pzwh).endswith("13号") and "Q" in str(pzwh):  # the half-supplied one
            part = next(iter(half_supply.values()))["geometry"]
            rest = area - _area(part)
            disposed += _area(part)
        elif dates and when.year < YEAR and any(d.startswith(str(YEAR)) for d in dates):
            disposed += area
        if rest > 0.01:
            years = (as_of - when).days / 365.25
            by_age["<2" if years < 2 else "2-5" if years <= 5 else ">5"] += rest
            batches += 1
    c.truth.update({"approved_m2": approved, "unsupplied_m2": sum(by_age.values()),
                    "unsupplied_by_age_m2": by_age, "unsupplied_batches": batches,
                    "disposed_unsupplied_m2": disposed, "disposed_idle_m2": 0.0,
                    "earned_quota_m2": LINK_RATIO * disposed})
    idle = [r for r in c.supply if c.truth["parcels"].get(r["GDBH"]) == "idle"]
    susp = [r for r in c.supply if c.truth["parcels"].get(r["GDBH"]) == "suspected_idle"]
    c.truth.update({"idle_m2": sum(_area(r["geometry"]) for r in idle),
                    "idle_parcels": len(idle),
                    "suspected_idle_m2": sum(_area(r["geometry"]) for r in susp),
                    "suspected_idle_parcels": len(susp)})


def _frame(rows: list[dict[str, Any]]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(pd.DataFrame(rows), geometry="geometry", crs=CRS)


def write_quota_demo(ws: Workspace, seed: int, sites_dir: Path | None = None) -> Path:
    """Place the demo's quota and supply data in ``ws``; return ``truth/quota.json``."""
    if not (ws.has_layer("dltb", 2019) and ws.has_layer("dltb", VINTAGE)):
        raise ValueError("the quota demo needs DLTB 2019 and 2020")
    approvals = (ws.read_layer("approval", VINTAGE) if ws.has_layer("approval", VINTAGE)
                 else _frame([]))
    supply = (ws.read_layer("land_supply", VINTAGE) if ws.has_layer("land_supply", VINTAGE)
              else _frame([]))
    blocked = [*approvals.geometry, *supply.geometry, *_site_boxes(sites_dir)]
    built_codes = construction_codes()
    placed: list[_County] = []
    for part in ws.partitions("dltb", VINTAGE):
        code = part.county
        cands = _free(_unchanged(ws, code), blocked)
        cands["_a"] = ellipsoidal_area(cands.geometry.to_numpy())
        farm = cands[cands.DLBM.isin(FARM) & (cands.GDDB.astype(float) > 0)]
        built = cands[cands.DLBM.isin(built_codes)]
        c = _County(code)
        if _place(c, farm, built.reset_index(drop=True), county_rng(seed, code, STREAM)):
            placed.append(c)
    new_a = _frame([r for c in placed for r in c.approvals])
    new_s = _frame([r for c in placed for r in c.supply])
    all_a = gpd.GeoDataFrame(pd.concat([approvals, new_a], ignore_index=True),
                             geometry="geometry", crs=CRS)
    all_s = gpd.GeoDataFrame(pd.concat([supply, new_s], ignore_index=True),
                             geometry="geometry", crs=CRS)
    for c in placed:
        _supply_truth(c, all_a[all_a.county == c.code], all_s[all_s.county == c.code])
    ws.write_layer("approval", VINTAGE, all_a, source_path="onemap demo")
    ws.write_layer("land_supply", VINTAGE, all_s, source_path="onemap demo")
    out = ws.root / "outputs" / "quota"
    out.mkdir(parents=True, exist_ok=True)
    projects = _frame([p for c in placed for p in c.projects])
    projects.to_file(out / "projects.geojson", driver="GeoJSON")
    (out / "debits.txt").write_text("".join(f"{d}\n" for c in placed for d in c.debits),
                                    encoding="utf-8")
    truth = {"year": YEAR, "link_ratio": LINK_RATIO,
             "counties": {c.code: c.truth for c in placed}}
    path = ws.root / "truth" / "quota.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(truth, ensure_ascii=False, indent=1), encoding="utf-8")
    return path
