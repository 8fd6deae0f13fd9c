"""Read rights from files into the register: the Ministry 拐点坐标 TXT or a vector layer.

A TXT file (:mod:`onemap.store.formats.mining_txt`) is one right: its blocks are the
parts of the right's area, 开采深度 gives the depth range, and ``[属性描述]`` the
licence (许可证号), name, holder and minerals where the caller does not give them. A
Shapefile / GeoPackage / GeoJSON holds one right per feature with the fields of the
``mining_right`` layer kind (XKZH, KQMC, CKQR, KZ, KCFS, YXQQ, YXQZ, ZT, XZQDM).
Errors name the file and the line or feature; nothing is written then.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import shapely
from pydantic import ValidationError

from onemap.errors import ImportRejected
from onemap.mining.models import ImportSummary, RightIn
from onemap.mining.service import register_rights
from onemap.store.formats.base import format_for_path
from onemap.store.formats.mining_txt import read_mining_right_txt
from onemap.store.reader import WorkspaceReader

if TYPE_CHECKING:
    from onemap.store.access import Actor
    from onemap.store.workspace import Workspace

GEOGRAPHIC = "EPSG:4490"
METHODS = {"露天": "open_pit", "露天开采": "open_pit", "地下": "underground",
           "地下开采": "underground", "露天/地下": "mixed", "联合": "mixed"}
STATUSES = {"有效": "active", "申请": "application", "停产": "suspended", "注销": "closed"}
TXT_KEYS = {"right_no": ("许可证号", "采矿许可证号", "勘查许可证号"),
            "name": ("矿山名称", "矿区名称", "项目名称"), "holder": ("采矿权人", "探矿权人"),
            "minerals": ("开采矿种", "勘查矿种", "矿种"), "method": ("开采方式",),
            "valid_from": ("有效期起",), "valid_to": ("有效期止",)}


def _date(value: object, label: str, path: str) -> date | None:
    text = str(value or "").strip()
    if not text or text.lower() in ("nan", "none"):
        return None
    try:
        return date.fromisoformat(text.replace("/", "-").replace(".", "-")[:10])
    except ValueError:
        raise ImportRejected(f"{label}: date {text!r} is not YYYY-MM-DD", path=path,
                             feature_id=label) from None


def _county(ws: Workspace, geom: shapely.Geometry, given: str | None, path: str) -> str:
    if given:
        return given[:6]
    counties = WorkspaceReader(ws).site_counties(np.array([geom], dtype=object))
    if not counties:
        raise ImportRejected("the right lies in no county of the workspace", path=path)
    return max(counties, key=lambda c: counties[c])


def _right(values: dict[str, Any], label: str, path: str) -> RightIn:
    try:
        return RightIn.model_validate(values)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ImportRejected(f"{label}: {where}: {first['msg']}", path=path,
                             feature_id=label) from None


def _from_txt(ws: Workspace, path: Path, defaults: dict[str, Any]) -> list[RightIn]:
    doc = read_mining_right_txt(path)
    attrs = doc.attributes
    found = {k: next((attrs[n] for n in names if attrs.get(n)), "")
             for k, names in TXT_KEYS.items()}
    geom = gpd.GeoSeries([doc.geometry], crs=f"EPSG:{doc.epsg}").to_crs(GEOGRAPHIC).iloc[0]
    geom = shapely.set_precision(geom, 1e-9)
    top, bottom = doc.depth
    label = defaults.get("right_no") or found["right_no"] or doc.blocks[0].number
    values = {
        "right_no": label, "name": found["name"], "holder": found["holder"],
        "minerals": [m for m in found["minerals"].replace("，", "、").split("、") if m],
        "method": METHODS.get(found["method"], ""),
        "valid_from": _date(found["valid_from"], str(label), str(path)),
        "valid_to": _date(found["valid_to"], str(label), str(path)),
        "depth_top": top, "depth_bottom": bottom,
        "geometry": json.loads(shapely.to_geojson(geom))}
    values.update({k: v for k, v in defaults.items() if v not in (None, "", [])})
    values["county"] = _county(ws, geom, defaults.get("county"), str(path))
    if not values.get("right_no"):
        raise ImportRejected("no 许可证号 in [属性描述] and none given", path=str(path))
    return [_right(values, str(label), str(path))]


def _from_vector(ws: Workspace, path: Path, defaults: dict[str, Any]) -> list[RightIn]:
    raw = format_for_path(path).read(path)
    frame = raw.frame
    if frame.crs is None:
        raise ImportRejected("the file declares no coordinate system", path=str(path))
    frame = frame.to_crs(GEOGRAPHIC)
    out = []
    for i, row in enumerate(frame.itertuples(index=False)):
        get = row._asdict()
        label = str(get.get("XKZH") or f"#{i + 1}")
        geom = get["geometry"]
        values: dict[str, Any] = {
            "right_no": get.get("XKZH") or "", "name": get.get("KQMC") or get.get("XMMC") or "",
            "holder": get.get("CKQR") or get.get("TKQR") or "",
            "minerals": [m for m in str(get.get("KZ") or "").split("、") if m],
            "method": METHODS.get(str(get.get("KCFS") or ""), ""),
            "status": STATUSES.get(str(get.get("ZT") or ""), get.get("ZT") or "active"),
            "valid_from": _date(get.get("YXQQ"), label, str(path)),
            "valid_to": _date(get.get("YXQZ"), label, str(path)),
            "geometry": json.loads(shapely.to_geojson(geom)) if geom is not None else {}}
        values.update({k: v for k, v in defaults.items() if v not in (None, "", [])})
        given = defaults.get("county") or str(get.get("XZQDM") or "")[:6] or None
        values["county"] = _county(ws, geom, given, str(path))
        out.append(_right(values, label, str(path)))
    return out


def import_rights_file(ws: Workspace, actor: Actor, path: str | Path, *,
                       defaults: dict[str, Any] | None = None) -> ImportSummary:
    """Register the right(s) of a TXT or vector file; ``defaults`` fill or override fields.

    ``defaults`` may hold any :class:`RightIn` field (e.g. ``right_type``, ``status``,
    ``county``, ``holder``, ``valid_to``); a new right the rules refuse is not stored.
    """
    p = Path(path)
    defaults = defaults or {}
    rights = _from_txt(ws, p, defaults) if p.suffix.lower() == ".txt" else \
        _from_vector(ws, p, defaults)
    summary = register_rights(ws, actor, rights, source=p.name)
    return summary.model_copy(update={"file": p.name})
