"""Mining supervision service: the rights register, its checks, and mining-land cases.

Every call takes an :class:`Actor` and asks the one policy (:meth:`Workspace.authorize`):
the registers are internal (public users are refused; they see the published layers,
desensitised), reading is ``READ``, registering ``EDIT`` in the right's county, the
check opening cases ``ENFORCE``, downloads ``EXPORT``. Quota control is in
:mod:`onemap.mining.quota_service`, abandoned and green mines in
:mod:`onemap.mining.restoration_service`.
"""

from __future__ import annotations

import json
import time
from importlib import resources
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from sqlalchemy import select

from onemap.errors import InvalidInput
from onemap.geometry.area import ellipsoidal_area
from onemap.mining.conflicts import find_conflicts
from onemap.mining.errors import RightNotFound, RightRefused
from onemap.mining.jobs import CONTROL_KINDS, CRS, CountyCheck, check_county
from onemap.mining.models import (
    ACTION_ZH,
    CheckReport,
    ConflictRow,
    ImportSummary,
    MineralRow,
    MiningRules,
    Right,
    RightIn,
    SuspectedPatch,
)
from onemap.mining.register import expired_active, overlapping_rights, valid_mask
from onemap.mining.rules import RULES_FILE, parse_rules
from onemap.mining.schema import MiningRightRow
from onemap.standards.units import M2_PER_HA, M2_PER_MU
from onemap.store.db import utc_now as _now
from onemap.store.policy import Action

if TYPE_CHECKING:
    from collections.abc import Iterable
    from datetime import date, datetime

    from onemap.store.access import Actor
    from onemap.store.workspace import Workspace

WHAT = "the mining register"
CASE_SOURCE = "mining_check"


def require_internal(ws: Workspace, actor: Actor) -> None:
    """Refuse public (anonymous) users: the registers are internal (401)."""
    ws.authorize(actor, Action.READ, what=WHAT)


def load_rules(ws: Workspace) -> MiningRules:
    """Return the rule file: the workspace's ``mining_rules.toml`` or the built-in one."""
    path = ws.root / RULES_FILE
    if path.is_file():
        return parse_rules(path.read_text(encoding="utf-8"), path=str(path))
    text = resources.files("onemap.mining").joinpath("rules.toml").read_text("utf-8")
    return parse_rules(text, path="onemap/mining/rules.toml")


# -- geometry and rows --------------------------------------------------------------------
def polygon_from_geojson(value: dict[str, Any], label: str) -> shapely.Geometry:
    """Return a valid, non-empty (Multi)Polygon from GeoJSON, or raise naming ``label``."""
    try:
        geom = shapely.from_geojson(json.dumps(value))
    except (shapely.errors.GEOSException, ValueError, TypeError) as exc:
        raise InvalidInput(f"{label}: unreadable geometry ({exc})", feature_id=label) from None
    if geom is None or geom.is_empty or geom.geom_type not in ("Polygon", "MultiPolygon"):
        raise InvalidInput(f"{label}: the geometry must be a non-empty (Multi)Polygon",
                           feature_id=label)
    if not geom.is_valid:
        raise InvalidInput(f"{label}: invalid polygon ({shapely.is_valid_reason(geom)})",
                           feature_id=label)
    x0, y0, x1, y1 = geom.bounds
    if not (-180 <= x0 <= x1 <= 180 and -90 <= y0 <= y1 <= 90):
        raise InvalidInput(f"{label}: coordinates are not longitude/latitude (EPSG:4490)",
                           feature_id=label)
    return geom


def to_right(row: MiningRightRow) -> Right:
    """Convert a catalog row into the :class:`Right` model."""
    geom = shapely.from_wkb(row.geometry)
    return Right(
        id=row.id, right_no=row.right_no, right_type=row.right_type,
        name=row.name, holder=row.holder, holder_code=row.holder_code,
        minerals=list(row.minerals), method=row.method, scale=row.scale,
        capacity=row.capacity, valid_from=row.valid_from, valid_to=row.valid_to,
        status=row.status, county=row.county, depth_top=row.depth_top,
        depth_bottom=row.depth_bottom, geometry=json.loads(shapely.to_geojson(geom)),
        area_m2=row.area_m2, area_ha=row.area_m2 / M2_PER_HA, area_mu=row.area_m2 / M2_PER_MU,
        blocks=row.blocks, source=row.source, updated_at=row.updated_at)


def _frame(rows: Iterable[MiningRightRow]) -> gpd.GeoDataFrame:
    rows = list(rows)
    cols = ["right_no", "right_type", "county", "status", "area_m2", "valid_from",
            "valid_to", "name", "minerals"]
    data = {c: [getattr(r, c) for r in rows] for c in cols}
    geoms = [shapely.from_wkb(r.geometry) for r in rows]
    return gpd.GeoDataFrame(pd.DataFrame(data, columns=cols), geometry=geoms, crs=CRS)


# -- registering --------------------------------------------------------------------------
def _refusals(ws: Workspace, right: RightIn, geom: shapely.Geometry,
              rules: MiningRules) -> list[ConflictRow]:
    """Conflicts of a new right that the rules refuse (read from its counties' layers).

    The control layers are read whole near the right, whatever the actor may see: the
    refusal is the rule's, and it discloses only the overlap with the right's own area.
    """
    one = gpd.GeoDataFrame({"right_no": [right.right_no], "right_type": [right.right_type],
                            "county": [right.county], "status": [right.status],
                            "area_m2": [float(ellipsoidal_area([geom])[0])]},
                           geometry=[geom], crs=CRS)
    controls = {}
    for kind in CONTROL_KINDS:
        vintage = ws.latest_vintage(kind)
        if vintage is None:
            continue
        frame = ws.read_layer(kind, vintage, bbox=geom.bounds)
        if len(frame):
            controls[kind] = frame
    return [c for c in find_conflicts(one, controls, rules) if c.action == "refuse"]


def register_rights(ws: Workspace, actor: Actor, rights: list[RightIn], *, source: str = "",
                    now: datetime | None = None) -> ImportSummary:
    """Register rights (insert or replace by 许可证号), all or nothing but for refusals.

    A new right (status ``application``) whose area meets a layer the rules refuse
    (e.g. a nature-reserve core zone) is not stored and is listed in ``refused``.
    """
    now = now or _now()
    ws.authorize(actor, Action.EDIT, what=WHAT)
    rules = load_rules(ws)
    seen: set[str] = set()
    checked: list[tuple[RightIn, shapely.Geometry]] = []
    refused: list[str] = []
    for right in rights:
        ws.authorize(actor, Action.EDIT, right.county, what=f"mining right {right.right_no}")
        if right.right_no in seen:
            raise InvalidInput(f"licence {right.right_no} appears twice",
                               feature_id=right.right_no)
        seen.add(right.right_no)
        geom = polygon_from_geojson(right.geometry, right.right_no)
        if right.status == "application" and _refusals(ws, right, geom, rules):
            refused.append(right.right_no)
            continue
        checked.append((right, geom))
    added = updated = 0
    with ws.session() as s:
        existing = {r.right_no: r for r in s.scalars(select(MiningRightRow).where(
            MiningRightRow.right_no.in_([r.right_no for r, _ in checked])))}
        for right, geom in checked:
            values = right.model_dump(exclude={"geometry"})
            values.update(geometry=shapely.to_wkb(geom), updated_at=now, source=source,
                          area_m2=float(ellipsoidal_area([geom])[0]),
                          blocks=len(shapely.get_parts(geom)))
            row = existing.get(right.right_no)
            if row is None:
                s.add(MiningRightRow(**values))
                added += 1
            else:
                for k, v in values.items():
                    setattr(row, k, v)
                updated += 1
    ws.audit(actor.username, "mining.register", source or "rights",
             {"added": added, "updated": updated, "refused": refused})
    return ImportSummary(file=source, added=added, updated=updated,
                         rights=[r.right_no for r, _ in checked], refused=refused)


def register_right(ws: Workspace, actor: Actor, right: RightIn) -> Right:
    """Register one right; a new right the rules refuse raises :class:`RightRefused`."""
    summary = register_rights(ws, actor, [right], source="entry")
    if summary.refused:
        rules = load_rules(ws)
        geom = polygon_from_geojson(right.geometry, right.right_no)
        hits = _refusals(ws, right, geom, rules)
        why = "; ".join(f"{c.title} {c.overlap_m2:,.1f} m² ({c.share:.1%}): {c.rule}"
                        for c in hits)
        raise RightRefused(f"new right {right.right_no} refused: {why}",
                           user_message=f"新设矿业权 {right.right_no} 不予受理：{why}",
                           conflicts=[c.model_dump() for c in hits])
    return get_right(ws, actor, right.right_no)


# -- reading ------------------------------------------------------------------------------
def get_right(ws: Workspace, actor: Actor, right_no: str) -> Right:
    """One right by 许可证号 (``READ`` in its county)."""
    require_internal(ws, actor)
    with ws.session() as s:
        row = s.scalars(select(MiningRightRow).where(
            MiningRightRow.right_no == right_no)).one_or_none()
        if row is None or not ws.allows(actor, Action.READ, row.county):
            raise RightNotFound(f"no mining right {right_no}", feature_id=right_no)
        return to_right(row)


def _rows(ws: Workspace, actor: Actor, *, county: str | None = None,
          right_type: str | None = None, status: str | None = None) -> list[MiningRightRow]:
    require_internal(ws, actor)
    if county:
        ws.authorize(actor, Action.READ, county, what=WHAT)
    q = select(MiningRightRow).order_by(MiningRightRow.right_no)
    if county:
        q = q.where(MiningRightRow.county == county)
    if right_type:
        q = q.where(MiningRightRow.right_type == right_type)
    if status:
        q = q.where(MiningRightRow.status == status)
    with ws.session() as s:
        return [r for r in s.scalars(q) if ws.allows(actor, Action.READ, r.county)]


def list_rights(ws: Workspace, actor: Actor, *, county: str | None = None,
                right_type: str | None = None, status: str | None = None) -> list[Right]:
    """Rights in the actor's scope, by 许可证号."""
    return [to_right(r) for r in _rows(ws, actor, county=county, right_type=right_type,
                                       status=status)]


def rights_frame(ws: Workspace, actor: Actor) -> gpd.GeoDataFrame:
    """Rights in the actor's scope as a GeoDataFrame (EPSG:4490)."""
    return _frame(_rows(ws, actor))


# -- the check ----------------------------------------------------------------------------
def _county_of_rights(ws: Workspace, rights: gpd.GeoDataFrame) -> dict[str, list[int]]:
    """County → positions of the rights meeting it (by the county boundaries if held)."""
    out: dict[str, list[int]] = {}
    if ws.has_layer("admin_county") and len(rights):
        counties = ws.read_layer("admin_county", columns=["XZQDM"])
        tree = shapely.STRtree(counties.geometry.to_numpy())
        r_idx, c_idx = tree.query(rights.geometry.to_numpy(), predicate="intersects")
        codes = counties["XZQDM"].astype(str).to_numpy()
        for r, c in zip(r_idx, c_idx, strict=True):
            out.setdefault(str(codes[c]), []).append(int(r))
    for i, code in enumerate(rights["county"]):  # a right always meets its own county
        if i not in out.get(code, []):
            out.setdefault(code, []).append(i)
    return out


def _part_paths(ws: Workspace, kind: str, vintage: int | None = None) -> dict[str, str]:
    """County → partition file of a layer's newest (or given) vintage."""
    v = vintage if vintage is not None else ws.latest_vintage(kind)
    if v is None:
        return {}
    return {p.county: str(ws.root / p.path) for p in ws.partitions(kind, v)}


def _jobs(ws: Workspace, actor: Actor, rights: gpd.GeoDataFrame, as_of: date,
          rules: MiningRules, dltb_vintage: int | None) -> list[CountyCheck]:
    rights = rights.copy()
    rights["valid"] = valid_mask(rights, as_of)
    rights["wkb"] = shapely.to_wkb(rights.geometry.to_numpy())
    base = pd.DataFrame(rights.drop(columns="geometry"))
    cols = ["right_no", "right_type", "county", "status", "area_m2", "valid", "wkb"]
    by_county = _county_of_rights(ws, rights)
    if dltb_vintage is not None:  # counties with mining land but no right
        for part in ws.partitions("dltb", dltb_vintage):
            by_county.setdefault(part.county, [])
    job_rules = rules.model_copy(update={"min_overlap_m2": 0.0})
    layers = {k: _part_paths(ws, k) for k in CONTROL_KINDS}
    dltb = _part_paths(ws, "dltb", dltb_vintage) if dltb_vintage is not None else {}
    jobs = []
    for county in sorted(by_county):
        if not ws.allows(actor, Action.READ, county):
            continue
        paths = {k: layers[k][county] for k in CONTROL_KINDS if county in layers[k]}
        jobs.append(CountyCheck(
            county=county, rights=base.iloc[by_county[county]][cols].reset_index(drop=True),
            control_paths=paths, rules=job_rules, dltb_path=dltb.get(county)))
    return jobs


def _merge(rows: list[ConflictRow], rights: gpd.GeoDataFrame,
           min_m2: float) -> list[ConflictRow]:
    """Sum a right's overlaps found in several counties; keep those of at least ``min_m2``."""
    area = dict(zip(rights["right_no"], rights["area_m2"], strict=True))
    merged: dict[tuple[str, str, str], ConflictRow] = {}
    for c in rows:
        key = (c.right_no, c.layer, c.zone)
        if key in merged:
            total = merged[key].overlap_m2 + c.overlap_m2
            merged[key] = merged[key].model_copy(update={"overlap_m2": total})
        else:
            merged[key] = c
    out = []
    for c in merged.values():
        if c.overlap_m2 < min_m2:
            continue
        a = float(area[c.right_no])
        out.append(c.model_copy(update={"overlap_ha": c.overlap_m2 / M2_PER_HA,
                                        "overlap_mu": c.overlap_m2 / M2_PER_MU,
                                        "share": c.overlap_m2 / a if a > 0 else 0.0,
                                        "action_zh": ACTION_ZH[c.action]}))
    return sorted(out, key=lambda c: (c.county, c.right_no, c.layer, c.zone))


def run_check(ws: Workspace, actor: Actor, *, as_of: date | None = None,
              open_cases: bool = False, workers: int = 1, county: str | None = None,
              now: datetime | None = None) -> CheckReport:
    """Check every right in scope against the control layers, the register and the survey.

    Conflicts with each control layer (area, share, the rule's action), expired-but-
    active rights, rights overlapping each other, and 0602 polygons of the newest DLTB
    vintage outside every right in force. Counties run through an :mod:`onemap.compute`
    executor (``workers`` processes). With ``open_cases`` each suspected patch opens a
    case (``ENFORCE`` in its county; once per patch). With ``county`` only that county's
    rights, patches and cases.
    """
    t0 = time.perf_counter()
    as_of = as_of or (now or _now()).date()
    rules = load_rules(ws)
    if county:
        ws.authorize(actor, Action.ENFORCE if open_cases else Action.READ, county, what=WHAT)
    rights = rights_frame(ws, actor)
    if county:
        rights = rights[rights["county"] == county].reset_index(drop=True)
    dltb_vintage = ws.latest_vintage("dltb")
    jobs = _jobs(ws, actor, rights, as_of, rules, dltb_vintage)
    if county:
        jobs = [j for j in jobs if j.county == county]
    results = _map(jobs, workers)
    conflicts = _merge([c for r in results for c in r[0]], rights, rules.min_overlap_m2)
    suspected = sorted((p for r in results for p in r[1]), key=lambda p: (p.county, p.bsm))
    issues = expired_active(rights, as_of) + overlapping_rights(rights, rules.min_overlap_m2)
    opened = 0
    if open_cases:
        opened = _open_cases(ws, actor, suspected, dltb_vintage, now)
        suspected = [p.model_copy(update={"case_no": _case_no(p)}) for p in suspected]
    report = CheckReport(as_of=as_of, rights=len(rights), conflicts=conflicts, issues=issues,
                         suspected=suspected, dltb_vintage=dltb_vintage,
                         seconds=round(time.perf_counter() - t0, 3), cases_opened=opened)
    ws.audit(actor.username, "mining.check", as_of.isoformat(),
             {"rights": len(rights), "conflicts": len(conflicts), "issues": len(issues),
              "suspected": len(suspected), "cases_opened": opened})
    return report


def _map(jobs: list[CountyCheck], workers: int) -> list[tuple[list[ConflictRow],
                                                             list[SuspectedPatch]]]:
    from onemap.compute import get_executor

    name = "processes" if workers > 1 and len(jobs) > 1 else "inprocess"
    options = {"workers": workers} if name == "processes" else {}
    with get_executor(name, **options) as executor:
        return executor.map(check_county, jobs)


def _case_no(p: SuspectedPatch) -> str:
    return f"{p.reason_code}-{p.county}-{p.bsm}"[:64]


def _open_cases(ws: Workspace, actor: Actor, suspected: list[SuspectedPatch],
                vintage: int | None, now: datetime | None) -> int:
    from onemap.cases.models import SpotCaseIn
    from onemap.cases.service import open_spot_case

    ws.authorize(actor, Action.ENFORCE, what="mining cases")
    created = 0
    for p in suspected:
        if not ws.allows(actor, Action.ENFORCE, p.county):
            continue
        kind = "越界开采" if p.kind == "beyond_licence" else "无证开采"
        near = f"，邻近采矿权 {p.near_right}" if p.near_right else ""
        _, new = open_spot_case(ws, actor, SpotCaseIn(
            patch_id=_case_no(p), county=p.county, reason_code=p.reason_code,
            detection_source=CASE_SOURCE, from_code="", to_code="0602", area_m2=p.area_m2,
            comment=f"疑似{kind}：{vintage} 年度变更调查采矿用地图斑 {p.bsm} 有 "
                    f"{p.area_m2:,.1f} m² 不在有效采矿权范围内{near}",
            detail={"bsm": p.bsm, "dltb_vintage": vintage, "near_right": p.near_right,
                    "kind": p.kind}, geometry=p.geometry or {}), now=now)
        created += int(new)
    return created


def export_check(ws: Workspace, actor: Actor, *, as_of: date | None = None,
                 fmt: str = "xlsx", open_cases: bool = False, workers: int = 1) -> CheckReport:
    """Return the check for a download (``EXPORT``, audited as ``mining.export``)."""
    ws.authorize(actor, Action.EXPORT, what=WHAT)
    report = run_check(ws, actor, as_of=as_of, open_cases=open_cases, workers=workers)
    ws.audit(actor.username, "mining.export", "check", {"format": fmt,
                                                        "rights": report.rights})
    return report


def mineral_rows(rights: gpd.GeoDataFrame) -> list[MineralRow]:
    """Rights (not 注销) by county and mineral, with their area in 公顷."""
    cells: dict[tuple[str, str], list[float]] = {}
    live = rights[rights["status"] != "closed"] if len(rights) else rights
    for r in live.itertuples(index=False):
        for mineral in r.minerals or ["未注明"]:
            cell = cells.setdefault((r.county, mineral), [0, 0, 0.0])
            cell[0 if r.right_type == "mining" else 1] += 1
            cell[2] += float(r.area_m2) / M2_PER_HA
    return [MineralRow(county=c, mineral=m, mining=int(v[0]), exploration=int(v[1]),
                       area_ha=v[2]) for (c, m), v in sorted(cells.items())]


def right_status_counts(rights: gpd.GeoDataFrame, as_of: date) -> dict[str, int]:
    """Count rights by ``<type>.<status>``, plus ``valid`` (in force on ``as_of``)."""
    out: dict[str, int] = {}
    for t, st in zip(rights["right_type"], rights["status"], strict=True):
        out[f"{t}.{st}"] = out.get(f"{t}.{st}", 0) + 1
    valid = valid_mask(rights, as_of) if len(rights) else np.zeros(0, dtype=bool)
    out["valid"] = int(valid.sum())
    return out


# -- map layers ---------------------------------------------------------------------------
PUBLISHED_KINDS = ("mining_right", "exploration_right", "abandoned_mine", "green_mine")


def _layer_frames(ws: Workspace) -> dict[str, gpd.GeoDataFrame]:
    from onemap.mining.schema import AbandonedMineRow, GreenMineRow

    with ws.session() as s:
        rights = list(s.scalars(select(MiningRightRow).order_by(MiningRightRow.right_no)))
        mines = list(s.scalars(select(AbandonedMineRow).order_by(AbandonedMineRow.mine_id)))
        green = list(s.scalars(select(GreenMineRow).order_by(GreenMineRow.right_no)))
    by_no = {r.right_no: r for r in rights}

    def right_rec(r: MiningRightRow, holder_field: str, name_field: str) -> dict[str, Any]:
        return {"XKZH": r.right_no, name_field: r.name, "KZ": "、".join(r.minerals),
                "YXQQ": r.valid_from.isoformat() if r.valid_from else "",
                "YXQZ": r.valid_to.isoformat() if r.valid_to else "", holder_field: r.holder,
                "ZT": r.status, "XZQDM": r.county, "county": r.county}

    def frame(records: list[dict[str, Any]], geoms: list[bytes]) -> gpd.GeoDataFrame:
        return gpd.GeoDataFrame(pd.DataFrame(records), geometry=list(shapely.from_wkb(geoms)),
                                crs=CRS)

    mining = [r for r in rights if r.right_type == "mining"]
    explo = [r for r in rights if r.right_type == "exploration"]
    listed = [g for g in green if g.right_no in by_no]
    return {
        "mining_right": frame([{**right_rec(r, "CKQR", "KQMC"), "KCFS": r.method}
                               for r in mining], [r.geometry for r in mining]),
        "exploration_right": frame([right_rec(r, "TKQR", "XMMC") for r in explo],
                                   [r.geometry for r in explo]),
        "abandoned_mine": frame([{
            "KSBH": m.mine_id, "KZ": m.mineral, "SHMJ": m.damaged_area_m2,
            "ZRZT": "有主" if m.ownership == "owned" else "无主", "ZRDW": m.responsible,
            "ZLZT": m.restoration, "ZLND": m.restored_year or 0, "XZQDM": m.county,
            "county": m.county} for m in mines], [m.geometry for m in mines]),
        "green_mine": frame([{
            "XKZH": g.right_no, "KSMC": by_no[g.right_no].name,
            "JB": "国家级" if g.level == "national" else "省级", "RXND": g.year,
            "FHZT": g.review, "XZQDM": g.county, "county": g.county} for g in listed],
            [by_no[g.right_no].geometry for g in listed]),
    }


def publish_layers(ws: Workspace, actor: Actor, kinds: Iterable[str] = PUBLISHED_KINDS, *,
                   vintage: int | None = None) -> dict[str, int]:
    """Write the registers to their map layers (OGC collections); return rows per kind.

    ``EDIT`` in every county written. ``mining_right`` needs ``vintage`` (年度); the
    other kinds are unversioned (the current register).
    """
    ws.authorize(actor, Action.EDIT, what="mining layers")
    frames = _layer_frames(ws)
    kinds = list(kinds)
    for kind in kinds:  # every county of every layer before anything is written
        for county in sorted(set(frames[kind]["county"])) if len(frames[kind]) else []:
            ws.authorize(actor, Action.EDIT, county, what=f"layer {kind}")
    out = {}
    for kind in kinds:
        gdf = frames[kind]
        if len(gdf) == 0:
            out[kind] = 0
            continue
        ws.write_layer(kind, vintage if kind == "mining_right" else None, gdf, replace=True,
                       source_path="onemap mining register", actor=actor.username)
        out[kind] = len(gdf)
    ws.audit(actor.username, "mining.publish", ",".join(out), out)
    return out
