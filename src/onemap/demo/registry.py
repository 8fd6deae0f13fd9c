"""Demo registration units (自然资源登记单元) built from whole DLTB cells, with their truth.

About 30 units over the first counties of the demo: a national-park-like reserve (the
largest nature reserve's cells), rivers (connected 河流水面 cells), a wetland (the
largest connected wetland / lake cells) and forests (connected forest cells). Every
unit is the union of DLTB polygons the generator picks, so its true natural status is
the sum of those polygons' ellipsoidal areas by resource type, written to
``outputs/registry-truth.json`` before the register is computed from the survey.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from onemap.geometry.area import ellipsoidal_area
from onemap.registry.register import resource_classes
from onemap.standards.registration import STAGES
from onemap.store.formats.models import ImportRequest

if TYPE_CHECKING:
    from pathlib import Path

    from onemap.store.access import Actor
    from onemap.store.workspace import Workspace

VINTAGE = 2020
FOREST = ("0301", "0302", "0305", "0307")
WETLAND = ("0303", "0304", "0306", "0402", "1102", "1105", "1106", "1108")
PLAN = (("21", "河流水面", ("1101",), 3), ("22", "湿地", WETLAND, 1), ("23", "林区", FOREST, 5))
TARGET_UNITS = 30


def _parts(cells: gpd.GeoDataFrame, mask: np.ndarray, n: int, min_cells: int = 2
           ) -> list[np.ndarray]:
    """Row indices of the ``n`` largest connected groups of the masked cells."""
    idx = np.flatnonzero(mask)
    if not len(idx):
        return []
    merged = shapely.union_all(cells.geometry.to_numpy()[idx])
    groups = list(getattr(merged, "geoms", [merged]))
    groups.sort(key=lambda g: -g.area)
    tree = shapely.STRtree(cells.geometry.to_numpy()[idx])
    out = []
    for g in groups:
        pts = shapely.point_on_surface(cells.geometry.to_numpy()[idx])
        inside = idx[np.asarray(shapely.contains(g, pts))]
        if len(inside) >= min_cells:
            out.append(inside)
        if len(out) == n:
            break
    del tree
    return out


def _reserve_cells(ws: Workspace, county: str, cells: gpd.GeoDataFrame) -> np.ndarray:
    """Cells whose interior point lies in the county's largest nature reserve."""
    if not ws.has_layer("nature_reserve"):
        return np.zeros(0, dtype=np.intp)
    reserves = ws.read_layer("nature_reserve", counties=[county])
    if not len(reserves):
        return np.zeros(0, dtype=np.intp)
    name_col = "BHQMC" if "BHQMC" in reserves else None
    key = reserves[name_col] if name_col else pd.Series(range(len(reserves)))
    dissolved = reserves.dissolve(by=key) if name_col else reserves
    biggest = dissolved.geometry.iloc[int(np.argmax(ellipsoidal_area(
        dissolved.geometry.to_numpy())))]
    pts = shapely.point_on_surface(cells.geometry.to_numpy())
    return np.flatnonzero(shapely.contains(biggest, pts))


def _changed_forest(ws: Workspace, county: str, cells: gpd.GeoDataFrame,
                    plan: list[tuple[str, str, np.ndarray]]) -> np.ndarray:
    """Cells of the county's forest turned to other uses in 2020, with the forest around.

    A unit over them changes its natural status between DLTB 2019 and 2020, so the
    demo lists it for re-registration. Cells already in another forest unit are left
    out (同类登记单元不得重叠).
    """
    path = ws.root / "truth" / "changes.parquet"
    if not path.exists() or "BSM" not in cells.columns:
        return np.zeros(0, dtype=np.intp)
    truth = gpd.read_parquet(path)
    mine = truth[(truth["county"] == county) & truth["from_code"].astype(str).str.startswith("03")]
    hit = np.flatnonzero(cells["BSM"].isin(mine["bsm_2020"]).to_numpy())
    if not len(hit):
        return np.zeros(0, dtype=np.intp)
    used = np.concatenate([r for t, _, r in plan if t == "23"] or [np.zeros(0, dtype=np.intp)])
    geoms = cells.geometry.to_numpy()
    around = shapely.STRtree(geoms).query(geoms[hit[:3]], predicate="intersects")[1]
    rows = np.union1d(hit[:3], around)
    return np.setdiff1d(rows, used)


def _unit(county: str, type_code: str, serial: int, name: str, cells: gpd.GeoDataFrame,
          rows: np.ndarray, stage: str) -> tuple[dict[str, Any], Any, dict[str, float]]:
    geoms = cells.geometry.to_numpy()[rows]
    truth = pd.Series(ellipsoidal_area(geoms)).groupby(
        resource_classes(cells["DLBM"].to_numpy()[rows])).sum()
    record = {"DJDYH": f"{county}{type_code}{serial:06d}", "DJDYMC": name, "DJDYLX": type_code,
              "SYQXZ": "全民所有", "DXZT": "江西省人民政府（演示）", "DJJD": stage,
              "JDRQ": f"{VINTAGE + 1}-0{1 + serial % 9}-15", "XZQDM": county}
    return record, shapely.union_all(geoms), {str(k): float(v) for k, v in truth.items()}


def make_units(ws: Workspace, seed: int) -> tuple[gpd.GeoDataFrame, dict[str, dict[str, float]]]:
    """Build the demo units from DLTB 2020 and return them with their true natural status."""
    rng = np.random.default_rng(seed + 17)
    records, geoms, truth = [], [], {}
    for part in ws.partitions("dltb", VINTAGE):
        county = part.county
        cells = ws.read_partition(part, columns=["BSM", "DLBM", "geometry"])
        codes = cells["DLBM"].astype(str).to_numpy()
        plan: list[tuple[str, str, np.ndarray]] = []
        reserve = _reserve_cells(ws, county, cells)
        if len(reserve) >= 2:
            plan.append(("11", "国家公园（演示）", reserve))
        for type_code, label, wanted, n in PLAN:
            for i, rows in enumerate(_parts(cells, np.isin(codes, wanted), n)):
                plan.append((type_code, f"{label}{i + 1}号", rows))
        changed = _changed_forest(ws, county, cells, plan)
        if len(changed) >= 2 and not any(lab.startswith("变更") for _, lab, _ in plan):
            plan.append(("23", "变更林区", changed))
        serials: dict[str, int] = {}
        for type_code, label, rows in plan:
            serials[type_code] = serials.get(type_code, 0) + 1
            stage = STAGES[int(rng.integers(0, len(STAGES)))]
            rec, geom, tr = _unit(county, type_code, serials[type_code],
                                  f"{county}{label}", cells, rows, stage)
            records.append(rec)
            geoms.append(geom)
            truth[rec["DJDYH"]] = tr
            if len(records) >= TARGET_UNITS:
                break
        if len(records) >= TARGET_UNITS:
            break
    frame = gpd.GeoDataFrame(pd.DataFrame(records), geometry=geoms, crs=4490)
    return frame, truth


def build_demo_registry(ws: Workspace, seed: int, *, actor: Actor) -> Path:
    """Write the demo units as a GeoPackage, import them, compute registers and coverage.

    Returns the truth file (``outputs/registry-truth.json``).
    """
    from onemap.registry import service

    if not ws.has_layer("dltb", VINTAGE):
        raise ValueError(f"the demo needs DLTB {VINTAGE}")
    frame, truth = make_units(ws, seed)
    out = ws.root / "outputs" / "registry"
    out.mkdir(parents=True, exist_ok=True)
    path = out / "registration-units.gpkg"
    frame.to_file(path, driver="GPKG", layer="ZRZYDJDY")
    service.import_units(ws, actor, ImportRequest(path=path, kind="registration_unit"))
    park = frame.loc[frame["DJDYLX"] == "11", "DJDYH"]
    (out / "showcase-unit.txt").write_text(str(park.iloc[0] if len(park) else
                                               frame["DJDYH"].iloc[0]) + "\n", encoding="utf-8")
    truth_path = ws.root / "outputs" / "registry-truth.json"
    truth_path.write_text(json.dumps(truth, ensure_ascii=False, indent=1), encoding="utf-8")
    service.compute_registers(ws, actor, vintage=VINTAGE, record=True)
    service.compute_coverage(ws, actor, vintage=VINTAGE, write_gaps=True, post_indicator=True)
    return truth_path
