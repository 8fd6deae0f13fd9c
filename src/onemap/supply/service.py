"""批供用 service: the status of a year per county and province, idle-parcel cases.

Reads whole counties of the ``approval``, ``land_supply`` and ``dltb`` layers (only
counties the actor may read) and runs :func:`onemap.supply.status.county_supply` on
each. Reading is ``READ``; downloads ``EXPORT`` (audited); opening a case for an idle
parcel is the cases capability's ``ENFORCE`` in its county.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from onemap.errors import InvalidInput, NotFound
from onemap.store.policy import Action
from onemap.supply.errors import MissingSupplyData
from onemap.supply.models import SupplyParcel, SupplyStatus
from onemap.supply.status import CountyInputs, county_supply, roll_up

if TYPE_CHECKING:
    from collections.abc import Callable

    import geopandas as gpd

    from onemap.cases.models import Case
    from onemap.store.access import Actor
    from onemap.store.workspace import Workspace

WHAT = "land supply supervision"
DEFAULT_LINK_RATIO = 0.5  # 增存挂钩: quota earned per m² of 批而未供 and 闲置 disposed
GDP_INDICATOR = "construction_land_per_gdp_decline"  # 单位GDP建设用地使用面积下降率
DLTB_COLUMNS = ["DLBM"]


def _vintage(ws: Workspace, kind: str, year: int, *, before: bool = False) -> int | None:
    held = ws.vintages(kind)
    usable = [v for v in held if (v < year if before else v <= year)]
    if usable:
        return usable[-1]
    return None if before else (held[-1] if held and kind != "dltb" else None)


def _read(ws: Workspace, kind: str, vintage: int | None, county: str,
          columns: list[str] | None = None,
          near: gpd.GeoDataFrame | None = None) -> gpd.GeoDataFrame:
    """One county of a layer; with ``near`` only the features within its bbox (DLTB)."""
    if vintage is None or (near is not None and len(near) == 0):
        return ws._empty_frame(kind, columns)
    parts = ws.partitions(kind, vintage, counties=[county])
    if not parts:
        return ws._empty_frame(kind, columns)
    if near is None:
        return ws.read_partition(parts[0], columns=columns)
    bbox = tuple(float(v) for v in near.total_bounds)
    return ws.read_partition(parts[0], columns=columns, bbox=bbox)


def _names(ws: Workspace) -> dict[str, str]:
    if not ws.has_layer("admin_county"):
        return {}
    frame = ws.read_layer("admin_county", columns=["XZQDM", "XZQMC"])
    return {str(c)[:6]: str(n) for c, n in zip(frame.XZQDM, frame.XZQMC, strict=True)}


def _gdp_decline(ws: Workspace, year: int) -> dict[str, float]:
    """单位GDP建设用地使用面积下降率 per region and ``year`` as the indicators hold it."""
    from onemap.indicators.records import current_map

    return {region: float(v.value) for (ind, region, y), v in current_map(ws).items()
            if ind == GDP_INDICATOR and y == year and v.value is not None}


def supply_status(ws: Workspace, actor: Actor, year: int, *,
                  link_ratio: float = DEFAULT_LINK_RATIO, with_geometry: bool = True,
                  progress: Callable[[int, int, str], None] | None = None) -> SupplyStatus:
    """批而未供, 闲置土地 and 增存挂钩 of ``year`` per county in scope, and their total."""
    ws.authorize(actor, Action.READ, what=WHAT)
    if not 0 <= link_ratio <= 10:
        raise InvalidInput(f"link ratio {link_ratio} is outside 0–10")
    dltb_v = _vintage(ws, "dltb", year)
    if dltb_v is None or not ws.has_layer("approval"):
        raise MissingSupplyData(f"supply status of {year} needs DLTB of {year} or earlier "
                                "and an approval layer",
                                user_message=f"缺少 {year} 年及以前的地类图斑或批准建设用地图层")
    prev_v = _vintage(ws, "dltb", dltb_v, before=True)
    a_v = _vintage(ws, "approval", year)
    s_v = _vintage(ws, "land_supply", year) if ws.has_layer("land_supply") else None
    counties = sorted({p.county for p in ws.partitions("approval", a_v)} |
                      ({p.county for p in ws.partitions("land_supply", s_v)} if s_v else set()))
    counties = [c for c in counties if ws.allows(actor, Action.READ, c)]
    names = _names(ws)
    gdp = _gdp_decline(ws, year)
    rows, unsupplied, parcels = [], [], []
    for i, county in enumerate(counties):
        supply = _read(ws, "land_supply", s_v, county)
        inp = CountyInputs(county, _read(ws, "approval", a_v, county), supply,
                           _read(ws, "dltb", dltb_v, county, DLTB_COLUMNS, near=supply),
                           _read(ws, "dltb", prev_v, county, DLTB_COLUMNS, near=supply)
                           if prev_v is not None else None)
        row, u, p = county_supply(inp, year, link_ratio, with_geometry=with_geometry)
        row.name = names.get(county, "")
        row.construction_per_gdp_decline = gdp.get(county)
        rows.append(row)
        unsupplied += u
        parcels += p
        if progress:
            progress(i + 1, len(counties), county)
    root = ws.root_region
    province = roll_up(rows, root, names.get(root, "合计"))
    province.construction_per_gdp_decline = gdp.get(root)
    return SupplyStatus(year=year, as_of=date(year, 12, 31), dltb_vintage=dltb_v,
                        previous_dltb_vintage=prev_v, link_ratio=link_ratio, counties=rows,
                        province=province, unsupplied=unsupplied, parcels=parcels)


def export_status(ws: Workspace, actor: Actor, year: int, *,
                  link_ratio: float = DEFAULT_LINK_RATIO, fmt: str = "xlsx") -> SupplyStatus:
    """Return the status for a download (``EXPORT``, audited as ``supply.export``)."""
    ws.authorize(actor, Action.EXPORT, what=WHAT)
    status = supply_status(ws, actor, year, link_ratio=link_ratio, with_geometry=False)
    ws.audit(actor.username, "supply.export", f"status/{year}",
             {"format": fmt, "counties": len(status.counties)})
    return status


def idle_parcels(ws: Workspace, actor: Actor, year: int) -> list[SupplyParcel]:
    """List the suspected idle and idle parcels of ``year`` (with geometry, for the map layer)."""
    status = supply_status(ws, actor, year)
    return [p for p in status.parcels if p.status in ("idle", "suspected_idle")]


def open_idle_case(ws: Workspace, actor: Actor, year: int, gdbh: str) -> Case:
    """Open an enforcement case (reusing ``cases``) for an idle parcel of ``year``.

    Reason code XZ01 闲置土地 or XZ02 疑似闲置土地; one case per parcel and year.
    """
    from onemap.cases.models import SpotCaseIn
    from onemap.cases.service import open_spot_case

    found = next((p for p in idle_parcels(ws, actor, year) if p.gdbh == gdbh), None)
    if found is None or found.geometry is None:
        raise NotFound(f"no suspected idle or idle parcel {gdbh} in {year}",
                       user_message=f"{year} 年无疑似闲置或闲置宗地 {gdbh}")
    spot = SpotCaseIn(
        patch_id=f"idle-{year}-{gdbh}", county=found.county,
        reason_code="XZ01" if found.status == "idle" else "XZ02", detection_source="supply",
        area_m2=found.area.m2, geometry=found.geometry,
        detail={"gdbh": gdbh, "status": found.status, "agreed_start": str(found.agreed_start),
                "built_share": found.built_share,
                "idle_fee_basis_wan": found.idle_fee_basis_wan, "year": year})
    case, _ = open_spot_case(ws, actor, spot)
    return case
