"""Evidence sheet of a case (举证核查表): location, boundary, land use over time, overlaps.

Reads the workspace (store) around the case's boundary and returns a
:class:`~onemap.cases.models.CaseSheet`; :mod:`onemap.reports.case_sheet` renders it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import shapely

from onemap.cases.models import (
    BoundaryPoint,
    CaseSheet,
    ControlOverlap,
    LandUseAt,
    LandUsePart,
)
from onemap.cases.service import get_case
from onemap.change.overlay import area_inside
from onemap.geometry.area import ellipsoidal_area
from onemap.standards.crs import gauss_kruger_epsg, transformer, zone_for_longitude
from onemap.standards.landuse import land_classes
from onemap.store.db import utc_now as _now
from onemap.store.kinds import get_kind
from onemap.store.policy import Action

if TYPE_CHECKING:
    from datetime import datetime

    from onemap.store.access import Actor
    from onemap.store.workspace import Workspace

SHEET_CONTROLS = ("pbf", "eco_redline", "udb", "nature_reserve", "hsf", "mining_right")
MAX_BOUNDARY_POINTS = 400


def case_geometry(ws: Workspace, actor: Actor, case: int | str) -> shapely.Geometry:
    """Return the case boundary (lon/lat CGCS2000)."""
    detail = get_case(ws, actor, case)
    return shapely.geometry.shape(detail.case.geometry)


def land_use_inside(ws: Workspace, geom: shapely.Geometry, year: int,
                    county: str) -> list[LandUsePart]:
    """DLTB classes inside ``geom`` in vintage ``year``, largest first."""
    frame = ws.read_layer("dltb", year, counties=[county], bbox=tuple(geom.bounds),
                          columns=["DLBM", "geometry"])
    if len(frame) == 0:
        return []
    g = np.asarray(frame.geometry.to_numpy(), dtype=object)
    hit = shapely.intersects(g, geom)
    pieces = shapely.intersection(g[hit], geom)
    areas = ellipsoidal_area(pieces)
    total = float(ellipsoidal_area([geom])[0]) or 1.0
    sums: dict[str, float] = {}
    for code, a in zip(frame["DLBM"].astype(str).to_numpy()[hit], areas, strict=True):
        sums[code] = sums.get(code, 0.0) + float(a)
    names = land_classes()
    return [LandUsePart(code=c, name=names[c].name_zh if c in names else "", area_m2=a,
                        share=a / total)
            for c, a in sorted(sums.items(), key=lambda kv: -kv[1]) if a > 0.01]


def boundary_points(geom: shapely.Geometry) -> tuple[int, list[BoundaryPoint]]:
    """Vertices of every ring with Gauss–Krüger coordinates (zone of the centroid)."""
    zone = zone_for_longitude(geom.centroid.x)
    t = transformer(4490, gauss_kruger_epsg(zone))
    points: list[BoundaryPoint] = []
    ring_no = 0
    for poly in shapely.get_parts(geom):
        for ring in [poly.exterior, *poly.interiors]:
            coords = np.asarray(ring.coords)[:-1]
            east, north = t.transform(coords[:, 0], coords[:, 1])
            for k, (lon, lat, e, n) in enumerate(zip(coords[:, 0], coords[:, 1], east, north,
                                                     strict=True)):
                points.append(BoundaryPoint(ring=ring_no, no=k + 1, lon=float(lon),
                                            lat=float(lat), x=float(n), y=float(e)))
            ring_no += 1
    return zone, points[:MAX_BOUNDARY_POINTS]


def control_overlaps(ws: Workspace, geom: shapely.Geometry, county: str) -> list[ControlOverlap]:
    """Area and share of the case inside every control layer (0 where none is held)."""
    total = float(ellipsoidal_area([geom])[0]) or 1.0
    out = []
    for kind in SHEET_CONTROLS:
        area = 0.0
        if ws.has_layer(kind):
            frame = ws.read_layer(kind, counties=[county], bbox=tuple(geom.bounds))
            if len(frame):
                area = float(area_inside(np.array([geom], dtype=object),
                                         np.asarray(frame.geometry.to_numpy(), dtype=object))[0])
        out.append(ControlOverlap(kind=kind, title=get_kind(kind).title_zh, area_m2=area,
                                  share=area / total))
    return out


def build_sheet(ws: Workspace, actor: Actor, case: int | str, *,
                now: datetime | None = None) -> CaseSheet:
    """Assemble the evidence sheet of a case (scope-checked)."""
    detail = get_case(ws, actor, case)
    c = detail.case
    geom = shapely.geometry.shape(c.geometry)
    info = _patch_info(ws, c.id)
    from_year, to_year = _year(info.get("from_year")), _year(info.get("to_year"))
    vintages = ws.vintages("dltb")
    history = [LandUseAt(year=y, parts=land_use_inside(ws, geom, y, c.county)) for y in vintages]
    by_year = {h.year: h.parts for h in history}
    zone, points = boundary_points(geom)
    centre = geom.centroid
    x0, y0, x1, y1 = geom.bounds
    return CaseSheet(
        case=c, events=detail.events, attachments=detail.attachments,
        centroid_lon=centre.x, centroid_lat=centre.y,
        bbox=(float(x0), float(y0), float(x1), float(y1)),
        gk_zone=zone, boundary=points, from_year=from_year, to_year=to_year,
        before=by_year.get(from_year, []) if from_year else [],
        after=by_year.get(to_year, []) if to_year else [],
        history=history, controls=control_overlaps(ws, geom, c.county),
        approvals=_records(info.get("approvals")), detection_source=c.detection_source,
        detected_on=c.detected_on, event_date=c.event_date, generated_at=now or _now())


def _records(value: object) -> list[dict[str, object]]:
    return [dict(v) for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _year(value: object) -> int | None:
    return int(value) if isinstance(value, int | str) and str(value).isdigit() else None


def _patch_info(ws: Workspace, case_id: int) -> dict[str, object]:
    from onemap.cases.schema import CaseRow

    with ws.session() as s:
        row = s.get(CaseRow, case_id)
        return dict(row.patch) if row is not None else {}


def export_sheet(ws: Workspace, actor: Actor, case: int | str, *, fmt: str = "pdf",
                 now: datetime | None = None) -> CaseSheet:
    """Return the evidence sheet for a download (``EXPORT``, audited as ``cases.sheet``).

    The one function the API's ``sheet.pdf`` and the CLI's ``cases sheet`` call.
    """
    sheet = build_sheet(ws, actor, case, now=now)
    ws.authorize(actor, Action.EXPORT, sheet.case.county, what=f"case {sheet.case.case_no}")
    ws.audit(actor.username, "cases.sheet", sheet.case.case_no, {"format": fmt})
    return sheet
