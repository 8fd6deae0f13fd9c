"""Read supplementary-farmland projects from a vector file (GeoJSON, SHP, GPKG …).

Fields (as the 补充耕地项目 register spells them): XMBH 项目编号, XMMC 项目名称, county
(or XZQDM) 县级代码, YSRQ 验收日期, XZGDMJ 新增耕地面积 (m²), XZSTMJ 新增水田面积 (m²),
GDDB 耕地等别, optional CNL 新增粮食产能 (kg/yr).
"""

from __future__ import annotations

import math
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from shapely.geometry import mapping

from onemap.errors import ImportRejected
from onemap.quota.models import ProjectIn

REQUIRED = ("XMBH", "YSRQ", "XZGDMJ", "GDDB")


def _value(row: Any, name: str) -> Any:
    v = row.get(name)
    return None if v is None or (isinstance(v, float) and math.isnan(v)) else v


def projects_from_file(path: str | Path) -> list[ProjectIn]:
    """Return the projects of ``path``; a bad feature is refused with its number and why."""
    import geopandas as gpd

    path = Path(path)
    try:
        frame = gpd.read_file(path)
    except Exception as exc:  # any GDAL read failure: the file is unreadable
        raise ImportRejected(f"cannot read {path.name}: {exc}", path=str(path)) from None
    missing = [f for f in REQUIRED if f not in frame.columns]
    if missing:
        raise ImportRejected(f"missing fields {', '.join(missing)}", path=str(path))
    if frame.crs is not None and frame.crs.to_epsg() != 4490:
        frame = frame.to_crs(4490)
    out = []
    for k, row in enumerate(frame.to_dict("records"), start=1):
        county = str(_value(row, "county") or _value(row, "XZQDM") or "")[:6]
        try:
            out.append(ProjectIn(
                project_no=str(row["XMBH"]), name=str(_value(row, "XMMC") or ""),
                county=county, accepted_on=date.fromisoformat(str(row["YSRQ"])[:10]),
                area_m2=float(row["XZGDMJ"]), paddy_m2=float(_value(row, "XZSTMJ") or 0.0),
                grade=int(row["GDDB"]), capacity_kg=_value(row, "CNL"),
                geometry=dict(mapping(row["geometry"])) if row["geometry"] is not None else {}))
        except (ValidationError, ValueError, TypeError) as exc:
            reason = exc.errors()[0]["msg"] if isinstance(exc, ValidationError) else str(exc)
            raise ImportRejected(f"project {row.get('XMBH')}: {reason}", path=str(path),
                                 feature_id=k) from None
    if not out:
        raise ImportRejected("the file holds no project", path=str(path))
    return out
