"""Registration service: import and QC units, stages, registers, re-registration, coverage.

Every function takes an :class:`Actor` and asks the one policy: reading units and
registers is ``READ`` in the unit's county, importing units, stage changes and recorded
registers are ``EDIT`` there, downloads ``EXPORT``. Stage events and register snapshots
are appended, never edited; every write is audited (``registry.*``).
"""

from __future__ import annotations

import tempfile
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd
from sqlalchemy import select

from onemap.errors import NotFound
from onemap.geometry.area import ellipsoidal_area
from onemap.geometry.overlay import merge_area_tables
from onemap.registry import coverage as cov
from onemap.registry.errors import StageRefused, UnitsRejected, UnknownUnit
from onemap.registry.models import (
    CoverageReport,
    CoverageRow,
    ImportResult,
    QcReport,
    Register,
    RegisterBatch,
    ReregistrationReport,
    StageEvent,
    StageIn,
    Unit,
)
from onemap.registry.qc import check_units
from onemap.registry.register import (
    CONTROL_KINDS,
    CountyInputs,
    assemble_register,
    county_register,
    status_changes,
)
from onemap.registry.schema import RegistryRegisterRow, RegistryStageRow
from onemap.standards.registration import STAGES, unit_types
from onemap.standards.units import convert_area
from onemap.store.db import utc_now as _now
from onemap.store.importer.normalise import map_fields, normalise
from onemap.store.importer.pipeline import import_file
from onemap.store.importer.read import read_source
from onemap.store.kinds import COUNTY_COLUMN, get_kind
from onemap.store.policy import Action

if TYPE_CHECKING:
    from onemap.store.access import Actor
    from onemap.store.formats.models import ImportRequest
    from onemap.store.models import LayerInfo, PartitionInfo
    from onemap.store.workspace import Workspace

KIND = "registration_unit"
GAP_KIND = "registration_gap"
INDICATOR = "registration_coverage"
WHAT = "registration units"
DEFAULT_THRESHOLD = 0.01  # share of a unit's area that triggers re-registration


# -- units -----------------------------------------------------------------------------
def _unit_layer(ws: Workspace) -> LayerInfo | None:
    return ws.layer(KIND) if ws.has_layer(KIND) else None


def read_units(ws: Workspace, actor: Actor, *, counties: list[str] | None = None
               ) -> gpd.GeoDataFrame:
    """Read the stored units of the counties ``actor`` may read (EPSG:4490)."""
    ws.authorize(actor, Action.READ, what=WHAT)
    info = _unit_layer(ws)
    if info is None:
        return gpd.GeoDataFrame({"DJDYH": [], COUNTY_COLUMN: []}, geometry=[], crs=4490)
    ws.authorize_layer(actor, Action.READ, info)
    parts = [p for p in ws.partitions(KIND, counties=counties)
             if ws.allows_layer(actor, Action.READ, info, p.county)]
    frames = [ws.read_partition(p) for p in parts]
    if not frames:
        return gpd.GeoDataFrame({"DJDYH": [], COUNTY_COLUMN: []}, geometry=[], crs=4490)
    out = pd.concat(frames, ignore_index=True)
    return gpd.GeoDataFrame(out, geometry="geometry", crs=4490).sort_values(
        "DJDYH", ignore_index=True)


def current_stages(ws: Workspace, numbers: list[str] | None = None
                   ) -> dict[str, RegistryStageRow]:
    """Latest stage event of every unit (or of ``numbers``)."""
    q = select(RegistryStageRow).order_by(RegistryStageRow.id)
    if numbers is not None:
        q = q.where(RegistryStageRow.unit.in_(numbers))
    with ws.session() as s:
        return {r.unit: r for r in s.scalars(q)}


def _units(frame: gpd.GeoDataFrame, stages: dict[str, RegistryStageRow]) -> list[Unit]:
    types = unit_types()
    areas = ellipsoidal_area(frame.geometry.to_numpy()) if len(frame) else np.zeros(0)
    out = []
    for row, area in zip(frame.to_dict("records"), areas, strict=True):
        number = str(row["DJDYH"])
        ev = stages.get(number)
        t = types.get(str(row.get("DJDYLX", "")))
        out.append(Unit(number=number, name=str(row.get("DJDYMC") or ""),
                        type_code=str(row.get("DJDYLX", "")),
                        type_name=t.name_zh if t else "", ownership=str(row.get("SYQXZ") or ""),
                        body=str(row.get("DXZT") or ""), county=str(row[COUNTY_COLUMN]),
                        stage=ev.stage if ev else "预划",
                        stage_date=ev.stage_date if ev else None, area_m2=float(area),
                        area_ha=convert_area(float(area), "ha"),
                        area_mu=convert_area(float(area), "mu")))
    return out


def list_units(ws: Workspace, actor: Actor, *, county: str | None = None,
               stage: str | None = None) -> list[Unit]:
    """Units in the actor's scope with their current stage, by number."""
    if county:
        ws.authorize(actor, Action.READ, county, what=WHAT)
    frame = read_units(ws, actor, counties=[county] if county else None)
    units = _units(frame, current_stages(ws))
    return [u for u in units if stage is None or u.stage == stage]


def units_feature_collection(ws: Workspace, actor: Actor, *, county: str | None = None
                             ) -> dict[str, object]:
    """Units in scope as a GeoJSON FeatureCollection (number, name, type, stage, areas)."""
    import json

    if county:
        ws.authorize(actor, Action.READ, county, what=WHAT)
    frame = read_units(ws, actor, counties=[county] if county else None)
    units = _units(frame, current_stages(ws))
    props = pd.DataFrame([u.model_dump(mode="json") for u in units])
    out = gpd.GeoDataFrame(props, geometry=frame.geometry.to_numpy() if len(frame) else [],
                           crs=4490)
    data: dict[str, object] = json.loads(out.to_json(drop_id=True)) if len(out) else {
        "type": "FeatureCollection", "features": []}
    return data


def _find(ws: Workspace, actor: Actor, number: str) -> tuple[Unit, gpd.GeoDataFrame]:
    """One unit by number; a unit outside the actor's counties is refused (403)."""
    ws.authorize(actor, Action.READ, what=WHAT)
    info = _unit_layer(ws)
    if info is None:
        raise UnknownUnit(f"no registration unit {number}", user_message=f"无登记单元 {number}")
    for part in ws.partitions(KIND):
        frame = ws.read_partition(part)
        hit = frame[frame["DJDYH"].astype(str) == number]
        if len(hit):
            ws.authorize_layer(actor, Action.READ, info, part.county,
                               what=f"registration unit {number}")
            hit = gpd.GeoDataFrame(hit.reset_index(drop=True), geometry="geometry", crs=4490)
            return _units(hit, current_stages(ws, [number]))[0], hit
    raise UnknownUnit(f"no registration unit {number}", user_message=f"无登记单元 {number}")


def get_unit(ws: Workspace, actor: Actor, number: str) -> Unit:
    """One unit with its current stage."""
    return _find(ws, actor, number)[0]


def unit_geometry(ws: Workspace, actor: Actor, number: str) -> object:
    """Return the outline of one unit (for the 登记簿 map)."""
    return _find(ws, actor, number)[1].geometry.iloc[0]


# -- import and QC ---------------------------------------------------------------------
def _read_file(request: ImportRequest) -> gpd.GeoDataFrame:
    spec = get_kind(KIND)
    read = read_source(request)
    mapping, _ = map_fields(read.columns, spec, request.aliases, path=request.display_name)
    frames = [normalise(chunk, spec, mapping).frame for chunk in read.chunks]
    frame = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    frame = gpd.GeoDataFrame(frame, geometry="geometry", crs=4490)
    if "XZQDM" in frame.columns:
        frame[COUNTY_COLUMN] = frame["XZQDM"].astype("string").str.strip().str[:6]
    return frame


def check_file(ws: Workspace, actor: Actor, request: ImportRequest) -> QcReport:
    """Registration QC of a unit file, with the stored units it would sit beside."""
    ws.authorize(actor, Action.READ, what=WHAT)
    incoming = _read_file(request)
    stored = read_units(ws, actor)
    if len(stored):
        replaced = set(incoming.get(COUNTY_COLUMN, pd.Series(dtype=str)).dropna())
        keep = ~stored[COUNTY_COLUMN].isin(replaced) & ~stored["DJDYH"].isin(incoming["DJDYH"])
        stored = stored[keep]
    both = pd.concat([incoming, stored], ignore_index=True) if len(stored) else incoming
    findings = check_units(gpd.GeoDataFrame(both, geometry="geometry", crs=4490),
                           root_region=ws.root_region)
    findings = [f for f in findings if f.feature is None or f.feature < len(incoming)]
    return QcReport(source=request.display_name, units=len(incoming), findings=findings)


def import_units(ws: Workspace, actor: Actor, request: ImportRequest) -> ImportResult:
    """Import a unit file after registration QC; any finding rejects it, nothing changes.

    The file goes through the ordinary import pipeline (formats, CRS, county claims,
    scope); each unit's ``DJJD`` (stage) becomes its first stage event (预划 if empty).
    """
    ws.authorize(actor, Action.EDIT, what=WHAT)
    qc = check_file(ws, actor, request)
    if qc.findings:
        first = qc.findings[0]
        listed = "; ".join(f"{f.unit}: {f.reason}" for f in qc.findings[:20])
        raise UnitsRejected(f"{len(qc.findings)} registration QC findings, nothing was "
                            f"imported: {listed}", path=request.display_name,
                            feature_id=first.unit, findings=[f.model_dump() for f in qc.findings])
    report = import_file(ws, request, actor=actor)
    frame = _read_file(request)
    have = current_stages(ws, frame["DJDYH"].astype(str).tolist())
    now = _now()
    added = 0
    stored = read_units(ws, actor)
    county_of = dict(zip(stored["DJDYH"].astype(str), stored[COUNTY_COLUMN], strict=True))
    with ws.session() as s:
        for row in frame.to_dict("records"):
            number = str(row["DJDYH"])
            stage = str(row.get("DJJD") or "").strip() or "预划"
            if stage not in STAGES:
                stage = "预划"
            if number in have and have[number].stage == stage:
                continue
            s.add(RegistryStageRow(unit=number, county=str(county_of.get(number, "")),
                                   stage=stage, stage_date=_date(row.get("JDRQ")),
                                   note="import", actor=actor.username, at=now))
            added += 1
    ws.audit(actor.username, "registry.import", request.display_name,
             {"units": len(frame), "stages": added, "counties": report.counties})
    return ImportResult(file=request.display_name, units=len(frame), counties=report.counties,
                        stages_recorded=added, qc=qc)


def _date(value: object) -> date | None:
    text = str(value or "").strip()
    if not text or text in ("nan", "None", "<NA>"):
        return None
    found: date = pd.Timestamp(text).date()
    return found


def qc_stored(ws: Workspace, actor: Actor) -> QcReport:
    """Registration QC of the stored units in the actor's scope."""
    frame = read_units(ws, actor)
    return QcReport(source=KIND, units=len(frame),
                    findings=check_units(frame, root_region=ws.root_region) if len(frame)
                    else [])


# -- stages ----------------------------------------------------------------------------
def stage_history(ws: Workspace, actor: Actor, number: str) -> list[StageEvent]:
    """Stage events of one unit, oldest first."""
    get_unit(ws, actor, number)
    with ws.session() as s:
        rows = s.scalars(select(RegistryStageRow).where(RegistryStageRow.unit == number)
                         .order_by(RegistryStageRow.id))
        return [StageEvent.model_validate(r, from_attributes=True) for r in rows]


def advance_stage(ws: Workspace, actor: Actor, number: str, change: StageIn) -> StageEvent:
    """Move a unit to its next stage (预划 → 地籍调查 → 审核 → 公告 → 登簿).

    Only the next stage is allowed; 登簿 needs a recorded register of the unit.
    """
    unit = get_unit(ws, actor, number)
    ws.authorize(actor, Action.EDIT, unit.county, what=f"registration unit {number}")
    here = STAGES.index(unit.stage)
    if STAGES.index(change.stage) != here + 1:
        nxt = STAGES[here + 1] if here + 1 < len(STAGES) else None
        raise StageRefused(f"unit {number} is at {unit.stage}; the next stage is {nxt}",
                           user_message=f"登记单元 {number} 当前为{unit.stage}，下一阶段为"
                                        f"{nxt or '（已登簿）'}", feature_id=number)
    if change.stage == "登簿" and not _snapshots(ws, number):
        raise StageRefused(f"unit {number} has no recorded register; compute it first",
                           user_message=f"登记单元 {number} 尚无登记簿，请先计算登记簿",
                           feature_id=number)
    with ws.session() as s:
        row = RegistryStageRow(unit=number, county=unit.county, stage=change.stage,
                               stage_date=change.stage_date, note=change.note,
                               actor=actor.username, at=_now())
        s.add(row)
        s.flush()
        out = StageEvent.model_validate(row, from_attributes=True)
    ws.audit(actor.username, "registry.stage", number,
             {"from": unit.stage, "to": change.stage, "date": str(change.stage_date or "")})
    return out


# -- registers -------------------------------------------------------------------------
def _snapshots(ws: Workspace, number: str, vintage: int | None = None) -> list[Register]:
    q = select(RegistryRegisterRow).where(RegistryRegisterRow.unit == number)
    if vintage is not None:
        q = q.where(RegistryRegisterRow.vintage == vintage)
    with ws.session() as s:
        return [Register.model_validate(r.data)
                for r in s.scalars(q.order_by(RegistryRegisterRow.id))]


def _partition_index(ws: Workspace, kinds: list[str]) -> dict[str, dict[str, PartitionInfo]]:
    """Latest-vintage partitions of each held kind by county (one catalog read per kind)."""
    return {k: {p.county: p for p in ws.partitions(k)} for k in kinds if ws.has_layer(k)}


def _read_geoms(ws: Workspace, index: dict[str, dict[str, PartitionInfo]], kind: str,
                county: str) -> np.ndarray:
    part = index.get(kind, {}).get(county)
    if part is None:
        return np.zeros(0, dtype=object)
    out: np.ndarray = ws.read_partition(part, columns=["geometry"]).geometry.to_numpy()
    return out


def _mining(ws: Workspace, index: dict[str, dict[str, PartitionInfo]], county: str
            ) -> tuple[np.ndarray, np.ndarray, dict[str, str]]:
    part = index.get("mining_right", {}).get(county)
    if part is None:
        return np.zeros(0, dtype=object), np.zeros(0, dtype=object), {}
    frame = ws.read_partition(part)
    names = dict(zip(frame["XKZH"].astype(str), frame.get("KQMC", frame["XKZH"]).astype(str),
                     strict=True)) if len(frame) else {}
    return frame.geometry.to_numpy(), frame["XKZH"].astype(str).to_numpy(dtype=object), names


def _dltb_parts(ws: Workspace, actor: Actor, vintage: int, bbox: tuple[float, ...]
                ) -> tuple[list[PartitionInfo], list[PartitionInfo]]:
    """DLTB partitions meeting ``bbox``: (readable by the actor, not readable)."""
    info = ws.layer("dltb", vintage)
    ws.authorize_layer(actor, Action.READ, info)
    parts = ws.partitions("dltb", vintage, bbox=bbox)  # type: ignore[arg-type]
    mine = [p for p in parts if ws.allows_layer(actor, Action.READ, info, p.county)]
    return mine, [p for p in parts if p not in mine]


def compute_registers(ws: Workspace, actor: Actor, *, vintage: int | None = None,
                      numbers: list[str] | None = None, county: str | None = None,
                      record: bool = False) -> RegisterBatch:
    """Compute the registers of the units in scope from a DLTB vintage (latest by default).

    One overlay call per DLTB county partition (:func:`county_register`) with every
    unit meeting it; tables are summed over counties. With ``record`` each register is
    stored as a snapshot (``EDIT`` in the unit's county, audited ``registry.register``).
    """
    year = vintage if vintage is not None else ws.latest_vintage("dltb")
    if year is None:
        raise NotFound("no dltb layer in the workspace (无地类图斑数据)")
    if county:
        ws.authorize(actor, Action.EDIT if record else Action.READ, county, what=WHAT)
    frame = read_units(ws, actor, counties=[county] if county else None)
    if numbers is not None:
        unknown = sorted(set(numbers) - set(frame["DJDYH"].astype(str)))
        for n in unknown:
            get_unit(ws, actor, n)  # 403 outside scope, 404 if absent
        frame = frame[frame["DJDYH"].astype(str).isin(numbers)].reset_index(drop=True)
    units = _units(frame, current_stages(ws))
    if record:
        for code in sorted({u.county for u in units}):
            ws.authorize(actor, Action.EDIT, code, what=WHAT)
    if not units:
        return RegisterBatch(vintage=year, registers=[])
    geoms = frame.geometry.to_numpy()
    numbers_arr = frame["DJDYH"].astype(str).to_numpy(dtype=object)
    readable, hidden = _dltb_parts(ws, actor, year, tuple(frame.total_bounds))
    nat, ctl, mines, names = [], [], [], {}
    boxes = np.array([g.bounds for g in geoms])
    index = _partition_index(ws, [*CONTROL_KINDS, "mining_right"])
    for part in readable:
        near = _meets(boxes, part.bbox)
        if not near.any():
            continue
        dltb = ws.read_partition(part, columns=["DLBM", "QSXZ", "geometry"])
        m_geoms, m_lic, m_names = _mining(ws, index, part.county)
        names.update(m_names)
        tables = county_register(CountyInputs(
            dltb=dltb.geometry.to_numpy(), dlbm=dltb["DLBM"].to_numpy(),
            qsxz=dltb["QSXZ"].to_numpy() if "QSXZ" in dltb else np.full(len(dltb), ""),
            units=geoms[near], numbers=numbers_arr[near],
            controls={k: _read_geoms(ws, index, k, part.county) for k in CONTROL_KINDS},
            mining=m_geoms, licences=m_lic))
        nat.append(tables.natural)
        ctl.append(tables.controls)
        mines.append(tables.mining)
    natural, controls = merge_area_tables(nat), merge_area_tables(ctl)
    mining = (pd.concat(mines, ignore_index=True) if mines
              else pd.DataFrame({"unit": [], "licence": [], "area_m2": []}))
    now = datetime.now(UTC).replace(microsecond=0)
    out = []
    # a GroupBy is no mapping: dict() would call its ``keys`` attribute (a string)
    by_unit = {k: g for k, g in natural.groupby("key")}  # noqa: C416
    ctl_by_unit = {k: g for k, g in controls.groupby("key")}  # noqa: C416
    mine_by_unit = {k: g for k, g in mining.groupby("unit")}  # noqa: C416
    empty_nat, empty_mine = natural.iloc[:0], mining.iloc[:0]
    for i, unit in enumerate(units):
        missing = sorted(p.county for p in hidden if _meets(boxes[i:i + 1], p.bbox)[0])
        out.append(assemble_register(
            unit, year, by_unit.get(unit.number, empty_nat),
            ctl_by_unit.get(unit.number, controls.iloc[:0]),
            mine_by_unit.get(unit.number, empty_mine), names, computed_at=now,
            missing=missing))
    recorded = _record(ws, actor, out) if record else 0
    return RegisterBatch(vintage=year, registers=out, recorded=recorded)


def _meets(boxes: np.ndarray, bbox: tuple[float, float, float, float]) -> np.ndarray:
    met: np.ndarray = ((boxes[:, 0] <= bbox[2]) & (boxes[:, 2] >= bbox[0])
                       & (boxes[:, 1] <= bbox[3]) & (boxes[:, 3] >= bbox[1]))
    return met


def _record(ws: Workspace, actor: Actor, registers: list[Register]) -> int:
    now = _now()
    with ws.session() as s:
        for reg in registers:
            s.add(RegistryRegisterRow(unit=reg.unit.number, county=reg.unit.county,
                                      vintage=reg.vintage, total_m2=reg.total_m2,
                                      data=reg.model_dump(mode="json"), actor=actor.username,
                                      at=now))
    ws.audit(actor.username, "registry.register", f"dltb/{registers[0].vintage}",
             {"units": len(registers), "counties": sorted({r.unit.county for r in registers})})
    return len(registers)


def get_register(ws: Workspace, actor: Actor, number: str, *, vintage: int | None = None
                 ) -> Register:
    """Return the latest recorded register of a unit (of ``vintage``), else compute it."""
    get_unit(ws, actor, number)
    stored = _snapshots(ws, number, vintage)
    if stored:
        return stored[-1]
    return compute_registers(ws, actor, vintage=vintage, numbers=[number]).registers[0]


def register_for_export(ws: Workspace, actor: Actor, number: str, *,
                        vintage: int | None = None, fmt: str = "pdf") -> Register:
    """Return one unit's register for a download (``EXPORT``, audited)."""
    ws.authorize(actor, Action.EXPORT, what=WHAT)
    reg = get_register(ws, actor, number, vintage=vintage)
    ws.audit(actor.username, "registry.export", number, {"format": fmt, "vintage": reg.vintage})
    return reg


def registers_for_export(ws: Workspace, actor: Actor, *, vintage: int | None = None,
                         fmt: str = "xlsx") -> RegisterBatch:
    """Every unit's register in scope for a download (``EXPORT``, audited)."""
    ws.authorize(actor, Action.EXPORT, what=WHAT)
    batch = compute_registers(ws, actor, vintage=vintage)
    ws.audit(actor.username, "registry.export", f"dltb/{batch.vintage}",
             {"format": fmt, "units": len(batch.registers)})
    return batch


def reregistration(ws: Workspace, actor: Actor, *, to_vintage: int,
                   from_vintage: int | None = None,
                   threshold: float = DEFAULT_THRESHOLD) -> ReregistrationReport:
    """Units whose natural status changed by more than ``threshold`` (share of area).

    ``before`` is each unit's recorded register of ``from_vintage`` (the latest recorded
    one before ``to_vintage`` if omitted), computed from that vintage when none is
    recorded; ``after`` is computed from ``to_vintage``.
    """
    after = compute_registers(ws, actor, vintage=to_vintage)
    olds = [v for v in ws.vintages("dltb") if v < to_vintage]
    base = from_vintage if from_vintage is not None else (olds[-1] if olds else None)
    if base is None:
        raise NotFound(f"no DLTB vintage before {to_vintage} to compare with")
    computed = {r.unit.number: r for r in compute_registers(ws, actor, vintage=base).registers}
    items = []
    for reg in after.registers:
        stored = _snapshots(ws, reg.unit.number, base)
        before = stored[-1] if stored else computed.get(reg.unit.number)
        if before is None:
            continue
        found = status_changes(before, reg, threshold)
        if found:
            items.append(found)
    return ReregistrationReport(from_vintage=base, to_vintage=to_vintage, threshold=threshold,
                                units_checked=len(after.registers), items=items)


# -- coverage --------------------------------------------------------------------------
def compute_coverage(ws: Workspace, actor: Actor, *, vintage: int | None = None,
                     write_gaps: bool = False, post_indicator: bool = False,
                     year: int | None = None) -> CoverageReport:
    """登记全覆盖 per county in scope and for the actor's region.

    With ``write_gaps`` the uncovered territory is stored as layer ``registration_gap``
    (``EDIT``); with ``post_indicator`` the 登簿 share is recorded as indicator
    ``registration_coverage`` of ``year`` (the vintage by default) for every county and
    the region, through the indicators' statistics import.
    """
    year_v = vintage if vintage is not None else ws.latest_vintage("dltb")
    if year_v is None:
        raise NotFound("no dltb layer in the workspace (无地类图斑数据)")
    frame = read_units(ws, actor)
    stages = {u.number: u.stage for u in _units(frame, current_stages(ws))}
    readable, _ = _dltb_parts(ws, actor, year_v, (-180.0, -90.0, 180.0, 90.0))
    geoms = frame.geometry.to_numpy()
    boxes = np.array([g.bounds for g in geoms]) if len(geoms) else np.zeros((0, 4))
    tables, gaps = [], []
    admin = ws.read_layer("admin_county") if ws.has_layer("admin_county") else None
    for part in readable:
        near = _meets(boxes, part.bbox) if len(boxes) else np.zeros(0, dtype=bool)
        dltb = ws.read_partition(part, columns=["DLBM", "geometry"])
        sel = frame[near] if len(frame) else frame
        t = cov.county_coverage(dltb.geometry.to_numpy(), dltb["DLBM"].to_numpy(),
                                sel.geometry.to_numpy(),
                                [stages[n] for n in sel["DJDYH"].astype(str)])
        t["region"] = part.county
        tables.append(t)
        if write_gaps and admin is not None:
            outline = admin[admin["XZQDM"].astype(str) == part.county]
            if len(outline):
                gap = cov.gap_geometry(outline.geometry.iloc[0], sel.geometry.to_numpy())
                gaps.append((part.county, gap))
    rows = _coverage_rows(ws, actor, tables)
    report = CoverageReport(vintage=year_v, rows=rows)
    if write_gaps and gaps:
        report.gap_layer = _write_gaps(ws, actor, gaps)
    if post_indicator and rows:
        report.indicator_posted = _post_indicator(ws, actor, rows, year or year_v)
    return report


def _coverage_rows(ws: Workspace, actor: Actor, tables: list[pd.DataFrame]
                   ) -> list[CoverageRow]:
    if not tables:
        return []
    t = pd.concat(tables, ignore_index=True)
    root = ws.root_region
    region = root if ws.allows(actor, Action.READ, root) else (
        actor.regions[0] if actor.regions else root)
    both = t
    if region not in set(t["region"]):  # a county user's roll-up is their county's row
        total = t.copy()
        total["region"] = region
        both = pd.concat([t, total], ignore_index=True)
    every = both.copy()
    every["resource"] = cov.TOTAL
    both = pd.concat([both, every], ignore_index=True)
    sums = both.groupby(["region", "resource", "stage"])["area_m2"].sum()
    out = []
    for (reg, res), part in sums.groupby(level=[0, 1]):
        by = part.droplevel([0, 1]).to_dict()
        terr = float(by.pop("territory", 0.0))
        covered = {s: float(by.get(s, 0.0)) for s in STAGES}
        out.append(CoverageRow(region=str(reg), resource=str(res), territory_m2=terr,
                               covered_m2=covered,
                               covered_share={s: (a / terr if terr else 0.0)
                                              for s, a in covered.items()},
                               gap_m2=max(terr - covered["预划"], 0.0)))
    return out


def _write_gaps(ws: Workspace, actor: Actor, gaps: list[tuple[str, object]]) -> str:
    for county, _ in gaps:
        ws.authorize(actor, Action.EDIT, county, what="registration gaps")
    geoms = np.array([g for _, g in gaps], dtype=object)
    frame = gpd.GeoDataFrame({"XZQDM": [c for c, _ in gaps], COUNTY_COLUMN: [c for c, _ in gaps],
                              "MJ": ellipsoidal_area(geoms)}, geometry=list(geoms), crs=4490)
    frame = frame[~frame.geometry.is_empty]
    ws.write_layer(GAP_KIND, None, frame, source_path="onemap registry coverage",
                   actor=actor.username)
    ws.audit(actor.username, "registry.gaps", GAP_KIND, {"counties": len(frame)})
    return GAP_KIND


def _post_indicator(ws: Workspace, actor: Actor, rows: list[CoverageRow], year: int) -> bool:
    """Record the 登簿 share (%) per region through the indicators' statistics import."""
    from onemap.indicators.statistics import import_statistics

    values = [{"id": INDICATOR, "region": r.region, "year": year,
               "value": round(100.0 * r.covered_share["登簿"], 4)}
              for r in rows if r.resource == cov.TOTAL]
    with tempfile.TemporaryDirectory(prefix="onemap-registry-") as tmp:
        path = Path(tmp) / "registration-coverage.csv"
        pd.DataFrame(values).to_csv(path, index=False)
        import_statistics(ws, path, actor=actor, entered_by="registry coverage")
    return True
