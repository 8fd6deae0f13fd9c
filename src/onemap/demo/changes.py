"""Changes between the 2019 baseline and the 2020 vintage, with their ground truth.

Each scenario edits whole polygons or carves a clean rectangle-like sub-polygon
(≥ 600 m², ≥ 20 m wide, remainder pieces as clean) so a detector with sliver
thresholds finds every change. Flags (in PBF, in the red line, in the UDB) are
measured by overlay on the control layers, not assumed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import shapely.affinity
import shapely.ops

from onemap.demo.attributes import CONSTRUCTION_GROUPS, bsm, recompute_areas
from onemap.demo.boundaries import CRS, GRID
from onemap.demo.context import COS0, from_local, metres_to_local, to_local
from onemap.demo.controls import URBAN_USE, Controls
from onemap.demo.targets import FARMLAND_CODES
from onemap.demo.tessellate import local_area_m2
from onemap.geometry.area import ellipsoidal_area
from onemap.standards.landuse import construction_codes, land_classes

if TYPE_CHECKING:
    from onemap.demo.allocate import Calibration
    from onemap.demo.county import CountyBase

MIN_PATCH_M2, MIN_WIDTH_M = 600.0, 20.0
BASE_COUNTS = {"urban_growth_legal": 3, "illegal_construction_farmland": 2,
               "illegal_construction_pbf": 2, "construction_in_redline": 1, "farmland_out": 3,
               "farmland_in": 2, "reclamation": 1, "mining_beyond_license": 1}
CARVE_M2 = {"farmland_out": (5_000, 60_000), "farmland_in": (5_000, 60_000),
            "reclamation": (3_000, 30_000)}
CARVE_M2 = {k: CARVE_M2.get(k, (2_000, 30_000)) for k in BASE_COUNTS}
LEGAL_BY_TYPE = {"urban_growth_legal": True, "illegal_construction_farmland": False,
                 "illegal_construction_pbf": False, "construction_in_redline": False,
                 "farmland_in": True, "reclamation": True, "mining_beyond_license": False}


def transition_class(from_code: str, to_code: str) -> str:
    """Return the generic change class of a DLBM transition (what a detector should say).

    Examples
    --------
    >>> transition_class("0101", "0701")
    'farmland_to_construction'
    >>> transition_class("0201", "0103")
    'agricultural_to_farmland'
    """
    cons = construction_codes() | {"0602"}
    farm_from, farm_to = from_code in FARMLAND_CODES, to_code in FARMLAND_CODES
    if to_code in cons and from_code not in cons:
        return "farmland_to_construction" if farm_from else "non_farmland_to_construction"
    if farm_from and not farm_to:
        return "farmland_to_agricultural"
    if farm_to and not farm_from:
        tri = land_classes()[from_code].tri_class_en
        return "agricultural_to_farmland" if tri == "agricultural" else "reclamation_to_farmland"
    return "other_change"


@dataclass
class ChangeSet:
    """The 2020 vintage of one county and what changed."""

    dltb: gpd.GeoDataFrame
    truth: gpd.GeoDataFrame
    approvals: list[dict[str, Any]] = field(default_factory=list)
    approval_geoms: list[Any] = field(default_factory=list)
    supply: list[dict[str, Any]] = field(default_factory=list)
    supply_geoms: list[Any] = field(default_factory=list)


def _wide_enough(geom: shapely.Geometry, width_m: float) -> bool:
    inner = shapely.buffer(to_local(geom), -metres_to_local(width_m / 2))
    return not inner.is_empty and inner.area > 0


def _clean_piece(geom: shapely.Geometry) -> bool:
    return (geom.geom_type == "Polygon" and local_area_m2([geom])[0] >= MIN_PATCH_M2
            and _wide_enough(geom, MIN_WIDTH_M))


def carve(geom: shapely.Geometry, target_m2: float, rng: np.random.Generator,
          center: tuple[float, float] | None = None) -> tuple[shapely.Geometry, list[Any]] | None:
    """Cut a rotated rectangle of ≈``target_m2`` out of ``geom``; None if not clean.

    Returns (piece, remainder parts). A polygon smaller than 2.5× the target is
    taken whole (no remainder).
    """
    area = float(local_area_m2([geom])[0])
    if center is None and area < 2.5 * target_m2:
        return (geom, []) if _clean_piece(geom) else None
    local = to_local(geom)
    if center is None:
        label = shapely.ops.polylabel(local, metres_to_local(5.0))
        cx, cy = label.x, label.y
    else:
        cx, cy = center[0] * COS0, center[1]
    side = metres_to_local(np.sqrt(target_m2))
    aspect = float(rng.uniform(0.6, 1.6))
    w, h = side * np.sqrt(aspect), side / np.sqrt(aspect)
    rect = shapely.box(cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)
    angle = float(rng.uniform(0, 90))
    rect = shapely.affinity.rotate(rect, angle, origin=(cx, cy))
    cutter = from_local(rect)
    piece = shapely.intersection(geom, cutter)  # exact: border vertices stay on the border
    rest = shapely.difference(geom, cutter)
    if piece.geom_type != "Polygon" or not _clean_piece(piece):
        return None
    parts = [p for p in shapely.get_parts(rest) if not p.is_empty]
    if any(p.geom_type != "Polygon" or not _clean_piece(p) for p in parts):
        return None
    return piece, parts


class _Editor:
    """Mutable 2019 → 2020 polygon list with provenance."""

    def __init__(self, base: CountyBase, rng: np.random.Generator) -> None:
        self.rows = base.dltb.reset_index(drop=True)
        self.geoms = list(self.rows.geometry)
        self.codes = list(self.rows.DLBM)
        self.bsm = list(self.rows.BSM)
        self.src = list(range(len(self.rows)))  # index of the 2019 row each polygon came from
        self.used: set[int] = set()
        self.next_serial = len(self.rows) + 1
        self.county = base.code
        self.rng = rng

    def new_bsm(self) -> str:
        out = bsm(self.county, [self.next_serial])[0]
        self.next_serial += 1
        return str(out)

    def whole(self, i: int, code: str) -> tuple[shapely.Geometry, str]:
        self.codes[i] = code
        self.bsm[i] = self.new_bsm()
        self.used.add(i)
        return self.geoms[i], self.bsm[i]

    def split(self, i: int, piece: shapely.Geometry, rest: list[Any], code: str) -> str:
        self.used.add(i)
        if not rest:
            return str(self.whole(i, code)[1])
        self.geoms[i] = rest[0]
        self.bsm[i] = self.new_bsm()
        for extra in rest[1:]:
            self._append(i, extra, self.codes[i])
        return self._append(i, piece, code)

    def _append(self, i: int, geom: shapely.Geometry, code: str) -> str:
        self.geoms.append(geom)
        self.codes.append(code)
        self.src.append(self.src[i])
        self.bsm.append(self.new_bsm())
        self.used.add(len(self.geoms) - 1)
        return str(self.bsm[-1])

    def frame(self, cal: Calibration) -> gpd.GeoDataFrame:
        out = self.rows.iloc[self.src].reset_index(drop=True).copy()
        out["DLBM"] = self.codes
        out["BSM"] = self.bsm
        out = gpd.GeoDataFrame(out, geometry=self.geoms, crs=CRS)
        changed = np.flatnonzero(np.asarray(self.bsm, dtype=object)
                                 != self.rows.BSM.to_numpy()[self.src])
        classes = land_classes()
        out.loc[changed, "DLMC"] = [classes[c].name_zh for c in out.DLBM.iloc[changed]]
        part = recompute_areas(out.iloc[changed], cal)
        for col in ("TBMJ", "KCDLBM", "KCXS", "KCMJ", "TBDLMJ", "GDLX", "GDPDJB", "GDDB"):
            out[col] = out[col].astype(part[col].dtype) if len(part) else out[col]
            out.loc[changed, col] = part[col].to_numpy()
        out.loc[changed, "CZCSXM"] = [_czcs(c, z) for c, z in
                                      zip(out.DLBM.iloc[changed], out.CZCSXM.iloc[changed],
                                          strict=True)]
        out["SJNF"] = np.int64(2020)
        return _reconcile(out, changed, cal)


def _reconcile(out: gpd.GeoDataFrame, changed: np.ndarray, cal: Calibration) -> gpd.GeoDataFrame:
    """Node edited polygons and their neighbours consistently (edge-matched coverage)."""
    if len(changed) == 0:
        return out
    geoms = out.geometry.to_numpy()
    tree = shapely.STRtree(geoms)
    _, near = tree.query(geoms[changed], predicate="intersects")
    subset = np.unique(np.concatenate([changed, near]))
    cleaned = shapely.coverage_clean(geoms[subset], snapping_distance=0.0)
    before = ellipsoidal_area(geoms[subset])
    moved = np.abs(ellipsoidal_area(cleaned) - before) > 0.01 + 1e-9 * before
    if moved.any():  # cleaning must only add nodes; else keep the (gap-free) edit as is
        return out
    geoms = geoms.copy()
    geoms[subset] = cleaned
    out = out.set_geometry(list(geoms), crs=CRS)
    part = recompute_areas(out.iloc[subset], cal)
    for col in ("TBMJ", "KCMJ", "TBDLMJ"):
        out.loc[subset, col] = part[col].to_numpy()
    return out


def _czcs(code: str, old: str) -> str:
    if code == "0602":
        return "204"
    if code in construction_codes():
        return old or "203"
    return ""


def _coverage_frac(geom: shapely.Geometry, layer: gpd.GeoDataFrame) -> float:
    if layer is None or layer.empty:
        return 0.0
    g = layer.geometry.to_numpy()
    hit = g[shapely.intersects(g, geom)]
    if len(hit) == 0:
        return 0.0
    inter = shapely.intersection(hit, geom, grid_size=GRID)
    return float(ellipsoidal_area(inter).sum() / max(ellipsoidal_area([geom])[0], 1e-9))


def _candidates(ed: _Editor, mask: np.ndarray) -> list[int]:
    idx = [int(i) for i in np.flatnonzero(mask) if int(i) not in ed.used]
    ed.rng.shuffle(idx)
    return idx


def make_changes(base: CountyBase, controls: Controls, cal: Calibration,
                 rng: np.random.Generator, multiplier: int = 1) -> ChangeSet:
    """Apply every change scenario to the county and return the 2020 vintage and truth."""
    ed = _Editor(base, rng)
    d = ed.rows
    codes = d.DLBM.to_numpy().astype(str)
    farm = np.isin(codes, FARMLAND_CODES)
    geoms = d.geometry.to_numpy()
    udb = controls.udb
    in_udb = shapely.within(geoms, udb) if not udb.is_empty else np.zeros(len(d), bool)
    touch_udb = shapely.intersects(geoms, udb) if not udb.is_empty else np.zeros(len(d), bool)
    pbf_full = d.BSM.isin(controls.pbf_bsm).to_numpy()
    pbf_any = d.BSM.isin(controls.pbf_any_bsm).to_numpy()
    red = d.BSM.isin(controls.redline_bsm).to_numpy()
    group = d._group.to_numpy()
    plans = [
        ("urban_growth_legal", in_udb & ~np.isin(group, list(CONSTRUCTION_GROUPS))
         & np.isin(group, ["farm", "orchard", "forest", "grass"]),
         ["0701", "0601", "05H1", "08H2"], "carve"),
        ("illegal_construction_farmland", farm & ~pbf_any & ~touch_udb & ~red,
         ["0702", "0601", "05H1"], "carve"),
        ("illegal_construction_pbf", farm & pbf_full, ["0702", "0601"], "carve"),
        ("construction_in_redline", red & np.char.startswith(codes, "03"),
         ["05H1", "0601", "0702"], "carve"),
        ("farmland_out", farm & ~touch_udb, ["0201", "0301", "1104"], "carve"),
        ("farmland_in", np.isin(codes, ["0201", "0204", "0307", "1104"]) & ~red & ~touch_udb
         & (d._slope.to_numpy() < cal.slope_grade_edges[1]), ["0101", "0103"], "carve"),
        ("reclamation", np.isin(codes, ["0404", "1206", "1201", "0702"]) & ~red & ~touch_udb,
         ["0103", "0101"], "carve"),
    ]
    records: list[dict[str, Any]] = []
    cs = ChangeSet(dltb=d, truth=gpd.GeoDataFrame())
    for ctype, mask, targets, mode in plans:
        want = BASE_COUNTS[ctype] * multiplier
        done = 0
        order = _candidates(ed, mask)
        if ctype == "reclamation":  # prefer genuinely unused land
            order.sort(key=lambda i: codes[i] == "0702")
        if ctype == "farmland_out":  # mostly legal (outside PBF), one in PBF per county
            order.sort(key=lambda i: bool(pbf_any[i]))
            outside = sum(1 for i in order if not pbf_any[i])
            order = order[: max(outside, 0) + 1]
        for i in order:
            if done >= want:
                break
            to = str(rng.choice(targets))
            if mode == "whole":
                g = ed.geoms[i]
                if not _clean_piece(g):
                    continue
                piece, new_bsm = ed.whole(i, to)
            else:
                cut = carve(ed.geoms[i], float(rng.uniform(*CARVE_M2[ctype])), rng)
                if cut is None:
                    continue
                piece, rest = cut
                new_bsm = ed.split(i, piece, rest, to)
            records.append(_record(base, ctype, codes[i], to, piece, d.BSM.iloc[i], new_bsm))
            done += 1
    records += _mining_changes(ed, base, codes, rng, BASE_COUNTS["mining_beyond_license"]
                               * multiplier)
    cs.dltb = ed.frame(cal)
    truth = gpd.GeoDataFrame(records, geometry=[r.pop("geometry") for r in records], crs=CRS) \
        if records else _empty_truth()
    _flag(truth, controls)
    _legal_approvals(cs, truth, base, rng)
    cs.truth = truth
    return cs


def _mining_changes(ed: _Editor, base: CountyBase, codes: np.ndarray, rng: np.random.Generator,
                    want: int) -> list[dict[str, Any]]:
    mines = [i for i in np.flatnonzero(codes == "0602") if int(i) not in ed.used]
    out: list[dict[str, Any]] = []
    if not mines:
        return out
    tree = shapely.STRtree(ed.geoms[: len(codes)])
    for m in mines:
        if len(out) >= want:
            break
        for hit in tree.query(ed.geoms[m], predicate="intersects"):
            j = int(hit)
            if j == m or j in ed.used or not codes[j].startswith("03"):
                continue
            edge = shapely.intersection(ed.geoms[m], ed.geoms[j], grid_size=GRID)
            if edge.is_empty or shapely.length(edge) * 110_600 < 150:
                continue
            mid = shapely.line_interpolate_point(
                shapely.line_merge(edge) if edge.geom_type == "MultiLineString" else edge, 0.5,
                normalized=True) if edge.geom_type in ("LineString", "MultiLineString") \
                else shapely.point_on_surface(edge)
            cut = carve(ed.geoms[j], float(rng.uniform(8_000, 40_000)), rng,
                        center=(mid.x, mid.y))
            if cut is None:
                continue
            piece, rest = cut
            if not rest:
                continue
            new_bsm = ed.split(j, piece, rest, "0602")
            out.append(_record(base, "mining_beyond_license", codes[j], "0602", piece,
                               ed.rows.BSM.iloc[j], new_bsm))
            break
    return out


def _record(base: CountyBase, ctype: str, frm: str, to: str, piece: shapely.Geometry,
            bsm_2019: str, bsm_2020: str) -> dict[str, Any]:
    return {"county": base.code, "change_type": ctype, "from_code": frm, "to_code": to,
            "expected": transition_class(frm, to), "legal": True,
            "area_m2": round(float(ellipsoidal_area([piece])[0]), 2),
            "bsm_2019": bsm_2019, "bsm_2020": bsm_2020, "geometry": piece}


def _flag(truth: gpd.GeoDataFrame, controls: Controls) -> None:
    layers = controls.layers
    g = truth.geometry.to_numpy()
    truth["in_pbf"] = [_coverage_frac(x, layers["pbf"]) > 0.5 for x in g]
    truth["in_redline"] = [_coverage_frac(x, layers["eco_redline"]) > 0.5 for x in g]
    truth["in_udb"] = [_coverage_frac(x, layers["udb"]) > 0.5 for x in g]
    legal = [LEGAL_BY_TYPE.get(t, not p) for t, p in
             zip(truth.change_type, truth.in_pbf, strict=True)]
    truth["legal"] = legal
    truth.insert(0, "patch_id", [f"{c}-{k + 1:04d}" for k, c in enumerate(truth.county)])


def _legal_approvals(cs: ChangeSet, truth: gpd.GeoDataFrame, base: CountyBase,
                     rng: np.random.Generator) -> None:
    pzwh = []
    for k, row in enumerate(truth.itertuples()):
        if row.change_type != "urban_growth_legal":
            pzwh.append("")
            continue
        date = str(np.datetime64("2020-01-01") + int(rng.integers(0, 200)))
        number = f"赣府土批字〔2020〕{base.code[2:]}{900 + k:03d}号"
        pzwh.append(number)
        cs.approvals.append({"PZWH": number, "PZRQ": date, "PZMJ": row.area_m2,
                             "YDLX": "城镇批次建设用地", "XZQDM": base.code})
        cs.approval_geoms.append(row.geometry)
        if rng.uniform() < 0.5:
            gd = str(np.datetime64(date) + int(rng.integers(20, 120)))
            cs.supply.append({"GDBH": f"{base.code}2020{900 + k:04d}", "GDRQ": gd,
                              "GDMJ": row.area_m2, "YT": URBAN_USE.get(row.to_code, "住宅用地"),
                              "XZQDM": base.code})
            cs.supply_geoms.append(row.geometry)
    truth["approval"] = pzwh


def _empty_truth() -> gpd.GeoDataFrame:
    cols = ["county", "change_type", "from_code", "to_code", "expected", "legal", "area_m2",
            "bsm_2019", "bsm_2020"]
    return gpd.GeoDataFrame(pd.DataFrame({c: [] for c in cols}),
                            geometry=gpd.GeoSeries([], crs=CRS), crs=CRS)
