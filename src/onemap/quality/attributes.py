"""Attribute checks of DLTB (属性检查): land-class codes, area fields, duplicate BSM.

Rules (三调 database, TD/T 1057; tolerances in :class:`~onemap.quality.models.QcOptions`):

* ``LANDCLASS_UNKNOWN``: DLBM (and a non-empty KCDLBM) must be a 三调 working code;
* ``ATTR_TBDLMJ``: |TBMJ − KCMJ − TBDLMJ| ≤ 0.01 m²;
* ``ATTR_KCMJ``: |TBMJ × KCXS − KCMJ| ≤ 0.01 m²;
* ``ATTR_KC_NONFARM``: KCXS = KCMJ = 0 unless DLBM is 耕地 (01xx);
* ``ATTR_TBMJ_AREA``: |TBMJ − ellipsoidal area| ≤ tbmj_tolerance_rel × area
  (and ≤ 0.01 m² absolute for tiny polygons), area on CGCS2000 recomputed from geometry;
* ``BSM_DUPLICATE``: BSM unique in the layer vintage.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
import pandas as pd

from onemap.quality.findings import GeomArray, make_findings
from onemap.standards.landuse import farmland_codes, land_classes

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

    from onemap.quality.models import QcFinding, QcOptions

FloatArray = npt.NDArray[np.float64]


def _num(frame: pd.DataFrame, name: str) -> FloatArray | None:
    if name not in frame.columns:
        return None
    values = pd.to_numeric(frame[name], errors="coerce")
    return np.asarray(values.to_numpy(dtype=np.float64, na_value=np.nan), dtype=np.float64)


def _text(frame: pd.DataFrame, name: str) -> npt.NDArray[np.object_]:
    if name not in frame.columns:
        return np.full(len(frame), "", dtype=object)
    text = frame[name].astype("string").fillna("").str.strip()
    return np.asarray(text.to_numpy(dtype=object), dtype=object)


def check_codes(frame: pd.DataFrame, ids: Sequence[str], geoms: GeomArray,
                county: str) -> list[QcFinding]:
    """Report DLBM / KCDLBM values that are not 三调 working land-use codes.

    Examples
    --------
    >>> df = pd.DataFrame({"DLBM": ["0101", "9999"], "KCDLBM": ["1203", ""]})
    >>> [f.feature_id for f in check_codes(df, ["1", "2"], np.array([None, None]), "360111")]
    ['2']
    """
    known = set(land_classes())
    id_arr = np.asarray(ids, dtype=object)
    out: list[QcFinding] = []
    for field, zh in (("DLBM", "地类编码"), ("KCDLBM", "扣除地类编码")):
        if field not in frame.columns:
            continue
        values = _text(frame, field)
        bad = np.array([v not in known for v in values])
        if field == "KCDLBM":
            bad &= values != ""
        k = np.flatnonzero(bad)
        if len(k):
            out += make_findings(
                "LANDCLASS_UNKNOWN", county,
                [f"{zh} {field}={v!r} 不在三调工作分类中" for v in values[k]],
                [f"{field}={v!r} is not a 三调 working land-use code" for v in values[k]],
                feature_ids=list(id_arr[k]), geoms=geoms[k])
    return out


def _mismatch(rule: str, county: str, mask: npt.NDArray[np.bool_], ids: npt.NDArray[np.object_],
              geoms: GeomArray, zh: Callable[[int], str], en: Callable[[int], str],
              areas: FloatArray | None = None) -> list[QcFinding]:
    """Return findings for the rows in ``mask`` (messages formatted for those rows only)."""
    k = np.flatnonzero(mask)
    if not len(k):
        return []
    return make_findings(rule, county, [zh(int(i)) for i in k], [en(int(i)) for i in k],
                         feature_ids=list(ids[k]), geoms=geoms[k],
                         areas=None if areas is None else areas[k])


def check_area_fields(frame: pd.DataFrame, ids: Sequence[str], geoms: GeomArray,
                      areas: FloatArray, county: str, options: QcOptions) -> list[QcFinding]:
    """Check TBDLMJ, KCMJ, KCXS and TBMJ against each other and the ellipsoidal ``areas`` (m²).

    Examples
    --------
    >>> from onemap.quality.models import QcOptions
    >>> df = pd.DataFrame({"DLBM": ["0101", "0301"], "TBMJ": [100.0, 50.0],
    ...                    "KCXS": [0.1, 0.1], "KCMJ": [10.0, 5.0], "TBDLMJ": [90.0, 45.0]})
    >>> got = check_area_fields(df, ["1", "2"], np.array([None, None]),
    ...                         np.array([100.0, 50.0]), "360111", QcOptions())
    >>> [(f.rule, f.feature_id) for f in got]
    [('ATTR_KC_NONFARM', '2')]
    """
    id_arr = np.asarray(ids, dtype=object)
    tol = options.attribute_tolerance_m2 + 1e-9
    tbmj, kcxs, kcmj, tbdlmj = (_num(frame, c) for c in ("TBMJ", "KCXS", "KCMJ", "TBDLMJ"))
    out: list[QcFinding] = []
    if tbmj is None:
        return out
    kc = np.nan_to_num(kcmj) if kcmj is not None else np.zeros(len(frame))
    if tbdlmj is not None:
        d = tbdlmj
        bad = ~np.isnan(d) & (np.abs(tbmj - kc - d) > tol)
        out += _mismatch("ATTR_TBDLMJ", county, bad, id_arr, geoms,
                         lambda i: f"TBDLMJ={d[i]:.2f} 应等于 TBMJ−KCMJ={tbmj[i] - kc[i]:.2f}",
                         lambda i: f"TBDLMJ={d[i]:.2f} should equal TBMJ−KCMJ="
                                   f"{tbmj[i] - kc[i]:.2f}")
    if kcxs is not None and kcmj is not None:
        e = tbmj * np.nan_to_num(kcxs)
        bad = np.abs(e - kc) > tol
        out += _mismatch("ATTR_KCMJ", county, bad, id_arr, geoms,
                         lambda i: f"KCMJ={kc[i]:.2f} 应等于 TBMJ×KCXS={e[i]:.2f}",
                         lambda i: f"KCMJ={kc[i]:.2f} should equal TBMJ×KCXS={e[i]:.2f}")
    farm = np.isin(_text(frame, "DLBM"), sorted(farmland_codes()))
    xs = np.nan_to_num(kcxs) if kcxs is not None else np.zeros(len(frame))
    bad = ~farm & ((xs != 0) | (kc != 0))
    out += _mismatch("ATTR_KC_NONFARM", county, bad, id_arr, geoms,
                     lambda i: f"非耕地图斑 KCXS={xs[i]:g}, KCMJ={kc[i]:.2f} 应为 0",
                     lambda i: f"KCXS={xs[i]:g}, KCMJ={kc[i]:.2f} must be 0 outside farmland")
    limit = np.maximum(options.tbmj_tolerance_rel * areas, options.attribute_tolerance_m2)
    bad = np.isnan(tbmj) | (np.abs(tbmj - areas) > limit + 1e-9)
    out += _mismatch("ATTR_TBMJ_AREA", county, bad, id_arr, geoms,
                     lambda i: f"TBMJ={tbmj[i]:.2f} 与椭球面积 {areas[i]:.2f} 平方米不符",
                     lambda i: f"TBMJ={tbmj[i]:.2f} differs from the ellipsoidal area "
                               f"{areas[i]:.2f} m²", areas=areas)
    return out


def find_duplicate_ids(ids_by_county: Mapping[str, Sequence[str]]) -> list[QcFinding]:
    """Report every id (BSM or the kind's number) used more than once, once per county holding it.

    Examples
    --------
    >>> got = find_duplicate_ids({"360111": ["1", "2", "2"], "360121": ["1"]})
    >>> sorted((f.county, f.feature_id) for f in got)
    [('360111', '1'), ('360111', '2'), ('360121', '1')]
    """
    frames = [pd.DataFrame({"county": c, "id": pd.Series(list(v), dtype=object)})
              for c, v in ids_by_county.items() if len(v)]
    if not frames:
        return []
    df = pd.concat(frames, ignore_index=True)
    df = df[df["id"].notna() & (df["id"].astype(str) != "")]
    counts = df.groupby("id")["county"].size()
    dup = df[df["id"].map(counts) > 1].groupby(["county", "id"], sort=True).size()
    out: list[QcFinding] = []
    for (county, bsm), n in dup.items():
        total = int(counts[bsm])
        out += make_findings("BSM_DUPLICATE", str(county),
                             [f"标识码 {bsm} 在图层中出现 {total} 次 (本县 {n} 次)"],
                             [f"id {bsm} occurs {total} times in the layer ({n} in this county)"],
                             feature_ids=[str(bsm)])
    return out
