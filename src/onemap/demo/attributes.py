"""Fill the 三调 DLTB attributes of classified polygons consistently.

TBMJ is the ellipsoidal area (2 decimals). Farmland carries its slope grade
(GDPDJB), terrace/slope type (GDLX), deduction coefficient (KCXS), deducted 田坎
area KCMJ = TBMJ × KCXS and class area TBDLMJ = TBMJ − KCMJ (2 decimals), and a
quality grade GDDB 1–15. Construction land carries CZCSXM (城镇村属性码).
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd

from onemap.demo.allocate import GROUPS, Calibration, Features, slope_grade
from onemap.demo.boundaries import CRS
from onemap.demo.targets import FARMLAND_CODES, KCXS_TABLE
from onemap.geometry.area import ellipsoidal_area
from onemap.standards.landuse import land_classes

DLTB_FIELDS = ["BSM", "DLBM", "DLMC", "QSXZ", "QSDWDM", "QSDWMC", "ZLDWDM", "ZLDWMC", "TBMJ",
               "KCDLBM", "KCXS", "KCMJ", "TBDLMJ", "GDLX", "GDPDJB", "GDDB", "CZCSXM", "SJNF"]
STATE_CODES = {"1101", "1102", "1103", "1109", "1001", "1003", "1007", "1008", "09", "08H1"}
GROUP_OF = {c: g for g, codes in GROUPS for c, _ in codes} | {"1102": "water", "1001": "strip",
                                                              "1003": "strip"}
CONSTRUCTION_GROUPS = {"urban", "village", "mining"}


def bsm(county: str, serial: npt.ArrayLike) -> npt.NDArray[np.object_]:
    """Return 标识码 strings: county code + 10-digit serial (unique in the province)."""
    return np.array([f"{county}{int(s):010d}" for s in np.asarray(serial)], dtype=object)


def czcsxm(code: str, group: str, city_county: bool) -> str:
    """Return the 城镇村属性码 of a polygon of class ``code`` in allocation group ``group``."""
    if code == "09":
        return "205"
    if code == "0602":
        return "204"
    if group == "urban":
        return "201" if city_county else "202"
    if group == "village" and code in ("0702", "1201"):
        return "203"
    return ""


def farmland_fields(codes: np.ndarray, tbmj: np.ndarray, slope: np.ndarray, elev: np.ndarray,
                    noise: np.ndarray, cal: Calibration) -> dict[str, np.ndarray]:
    """Return GDPDJB, GDLX, KCDLBM, KCXS, KCMJ, TBDLMJ, GDDB for every polygon."""
    farm = np.isin(codes, FARMLAND_CODES)
    grade = np.where(farm, slope_grade(slope, cal), "")
    gdlx = np.where(farm & (grade != "1"), np.where(codes == "0101", "T", "P"), "")
    kcxs = np.array([KCXS_TABLE.get((t, g), 0.0) if f else 0.0
                     for t, g, f in zip(gdlx, grade, farm, strict=True)])
    kcmj = np.round(tbmj * kcxs, 2)
    gddb_raw = 3.5 + elev / 90.0 + 0.6 * slope + 1.6 * noise + 2.0 * (codes == "0103")
    gddb = np.where(farm, np.clip(np.round(gddb_raw), 1, 15), 0).astype(np.int64)
    return {
        "GDPDJB": grade.astype(object), "GDLX": gdlx.astype(object),
        "KCDLBM": np.where(kcxs > 0, "1203", "").astype(object), "KCXS": kcxs,
        "KCMJ": kcmj, "TBDLMJ": np.round(tbmj - kcmj, 2), "GDDB": gddb,
    }


def build_dltb(county: str, city_county: bool, geoms: list[Any], codes: np.ndarray, f: Features,
               cal: Calibration, loc: tuple[np.ndarray, np.ndarray, np.ndarray],
               vintage: int, first_serial: int = 1) -> gpd.GeoDataFrame:
    """Assemble a DLTB frame with every 三调 field plus helper columns (lower case)."""
    classes = land_classes()
    n = len(geoms)
    tbmj = np.round(ellipsoidal_area(np.asarray(geoms, dtype=object)), 2)
    groups = np.array([GROUP_OF.get(c, "strip") for c in codes], dtype=object)
    tw, v_code, v_name = loc
    state = np.isin(codes, list(STATE_CODES)) | ((groups == "urban") & city_county)
    zldwdm = np.array([f"{v}0000000" for v in v_code], dtype=object)
    frame = pd.DataFrame({
        "BSM": bsm(county, np.arange(first_serial, first_serial + n)),
        "DLBM": codes.astype(object),
        "DLMC": np.array([classes[c].name_zh for c in codes], dtype=object),
        "QSXZ": np.where(state, "10", "30").astype(object),
        "QSDWDM": np.where(state, np.array([f"{t}0000000000" for t in tw], dtype=object),
                           zldwdm),
        "QSDWMC": np.where(state, "国有土地", v_name).astype(object),
        "ZLDWDM": zldwdm, "ZLDWMC": v_name.astype(object), "TBMJ": tbmj,
    })
    ff = farmland_fields(codes, tbmj, f["slope"], f["elev"], f["sub1"], cal)
    for key in ("KCDLBM", "KCXS", "KCMJ", "TBDLMJ", "GDLX", "GDPDJB", "GDDB"):
        frame[key] = ff[key]
    frame["CZCSXM"] = [czcsxm(c, g, city_county) for c, g in zip(codes, groups, strict=True)]
    frame["SJNF"] = np.int64(vintage)
    frame = frame[DLTB_FIELDS]
    frame["county"] = county
    for key in ("elev", "slope", "pull", "lon", "lat"):
        frame[f"_{key}"] = f[key]
    frame["_group"] = groups
    return gpd.GeoDataFrame(frame, geometry=list(geoms), crs=CRS)


def recompute_areas(frame: gpd.GeoDataFrame, cal: Calibration) -> gpd.GeoDataFrame:
    """Recompute TBMJ and the farmland fields after geometry or class edits."""
    out = frame.copy()
    out["TBMJ"] = np.round(ellipsoidal_area(out.geometry.to_numpy()), 2)
    ff = farmland_fields(out.DLBM.to_numpy().astype(str), out.TBMJ.to_numpy(),
                         out._slope.to_numpy(), out._elev.to_numpy(),
                         np.zeros(len(out)), cal)
    keep_gddb = out.GDDB.to_numpy()
    for key in ("KCDLBM", "KCXS", "KCMJ", "TBDLMJ", "GDLX", "GDPDJB"):
        out[key] = ff[key]
    out["GDDB"] = np.where(np.isin(out.DLBM, FARMLAND_CODES),
                           np.where(keep_gddb > 0, keep_gddb, ff["GDDB"]), 0).astype(np.int64)
    return out
