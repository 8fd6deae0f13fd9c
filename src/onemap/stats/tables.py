"""Land-use area tables (土地利用现状统计表) from DLTB attributes, the 三调 way.

Pure functions over attribute tables (no geometry, no files):

* :func:`tabulate_partition` turns one county's DLTB attributes into exact sums
  per township (ZLDWDM first 9 digits) × land class, in 0.01 m² units;
* :func:`combine_tabulations` merges county tabulations (a reduction);
* :func:`build_rows` rolls them up to province / city / county / township rows
  with first- and second-level classes, 公顷 and 亩, rounded and reconciled.

Conventions (三调 / TD/T 1057): a polygon counts ``TBDLMJ`` (= TBMJ − KCMJ) for
its DLBM class; its deducted area ``KCMJ`` counts as class 1203 田坎, whatever
the main class. Where TBDLMJ is missing it is taken as TBMJ − KCMJ. Sums are
exact: figures are carried as integer hundredths of m² (the 0.01 m² precision
of the survey database), so tables match a hand computation to the cent.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from onemap.standards.landuse import FIELD_RIDGE, land_classes, level1_groups
from onemap.standards.units import reconcile_rounded, round_half_up
from onemap.stats.errors import StatsInputError
from onemap.stats.models import TOTAL_CODE, AdminLevel, StatsRow

NEEDED_COLUMNS = ("ZLDWDM", "DLBM", "TBMJ", "KCMJ", "TBDLMJ")
REQUIRED_COLUMNS = ("ZLDWDM", "DLBM", "TBMJ")
TOWNSHIP_DIGITS = 9
UNKNOWN_NAME = "未知地类"
TABULATION_COLUMNS = ["unit", "class_code", "cents", "features"]


def _cents(column: pa.ChunkedArray | pa.Array | None, n: int) -> np.ndarray:
    """Return a float column as int64 hundredths of m² (nulls → 0)."""
    if column is None:
        return np.zeros(n, dtype=np.int64)
    values = pc.fill_null(pc.cast(column, pa.float64()), 0.0).to_numpy()
    return np.rint(np.asarray(values) * 100.0).astype(np.int64)


def _codes(column: pa.ChunkedArray | pa.Array, digits: int | None = None) -> pa.DictionaryArray:
    arr = pc.fill_null(pc.utf8_trim_whitespace(pc.cast(column, pa.string())), "")
    if digits is not None:
        arr = pc.utf8_slice_codeunits(arr, 0, digits)
    encoded = pc.dictionary_encode(arr)
    if isinstance(encoded, pa.ChunkedArray):
        encoded = encoded.unify_dictionaries().combine_chunks()
    return encoded


def tabulate_partition(table: pa.Table | pd.DataFrame) -> pd.DataFrame:
    """Sum one partition's DLTB areas by township unit × land class, in 0.01 m².

    Parameters
    ----------
    table : pyarrow.Table or pandas.DataFrame
        DLTB attributes with at least ZLDWDM, DLBM and TBMJ (m²); KCMJ and
        TBDLMJ are used when present.

    Returns
    -------
    pandas.DataFrame
        Columns ``unit`` (ZLDWDM first 9 digits), ``class_code``, ``cents``
        (int64, area in 0.01 m²) and ``features`` (polygons counted in the main
        class). The deducted KCMJ appears as class ``1203`` rows with 0 features.

    Examples
    --------
    >>> df = pd.DataFrame({"ZLDWDM": ["360111001001", "360111001002"],
    ...                    "DLBM": ["0103", "0301"], "TBMJ": [100.0, 50.0],
    ...                    "KCMJ": [10.0, 0.0], "TBDLMJ": [90.0, 50.0]})
    >>> tabulate_partition(df).to_dict("records")  # doctest: +NORMALIZE_WHITESPACE
    [{'unit': '360111001', 'class_code': '0103', 'cents': 9000, 'features': 1},
     {'unit': '360111001', 'class_code': '0301', 'cents': 5000, 'features': 1},
     {'unit': '360111001', 'class_code': '1203', 'cents': 1000, 'features': 0}]
    """
    if isinstance(table, pd.DataFrame):
        table = pa.Table.from_pandas(table, preserve_index=False)
    missing = [c for c in REQUIRED_COLUMNS if c not in table.column_names]
    if missing:
        raise StatsInputError(f"DLTB attributes lack {', '.join(missing)} (统计所需字段缺失)")
    n = table.num_rows
    if n == 0:
        return pd.DataFrame({c: pd.Series(dtype=t) for c, t in
                             zip(TABULATION_COLUMNS, ("object", "object", "int64", "int64"),
                                 strict=True)})
    units = _codes(table["ZLDWDM"], TOWNSHIP_DIGITS)
    classes = _codes(table["DLBM"])
    unit_idx = units.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    class_idx = classes.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    col = dict(zip(table.column_names, table.columns, strict=True))
    tbmj = _cents(col["TBMJ"], n)
    kcmj = _cents(col.get("KCMJ"), n)
    main = tbmj - kcmj
    if "TBDLMJ" in col:
        tbdlmj = col["TBDLMJ"]
        valid = pc.is_valid(tbdlmj).to_numpy(zero_copy_only=False)
        main = np.where(valid, _cents(tbdlmj, n), main)
    class_names = classes.dictionary.to_pylist()
    ridge = np.int64(len(class_names))  # an extra class slot for 1203 田坎
    n_class = len(class_names) + 1
    n_unit = len(units.dictionary)
    key = unit_idx * n_class + class_idx
    size = n_unit * n_class
    # float64 sums of integers stay exact below 2**53 cents (≈ 9e13 m²).
    sums = np.bincount(key, weights=main, minlength=size)
    counts = np.bincount(key, minlength=size)
    sums += np.bincount(unit_idx * n_class + ridge, weights=kcmj, minlength=size)
    hit = np.flatnonzero((counts > 0) | (sums != 0))
    unit_names = np.asarray(units.dictionary.to_pylist(), dtype=object)
    all_classes = np.asarray([*class_names, FIELD_RIDGE], dtype=object)
    out = pd.DataFrame({
        "unit": unit_names[hit // n_class],
        "class_code": all_classes[hit % n_class],
        "cents": np.rint(sums[hit]).astype(np.int64),
        "features": counts[hit].astype(np.int64),
    })
    return combine_tabulations([out])


def combine_tabulations(parts: Iterable[pd.DataFrame]) -> pd.DataFrame:
    """Merge tabulations (county results) into one, summing equal unit × class keys.

    Examples
    --------
    >>> a = pd.DataFrame({"unit": ["360111001"], "class_code": ["1203"], "cents": [5],
    ...                   "features": [0]})
    >>> combine_tabulations([a, a])["cents"].tolist()
    [10]
    """
    frames = [p for p in parts if len(p)]
    if not frames:
        return pd.DataFrame(columns=TABULATION_COLUMNS)
    df = pd.concat(frames, ignore_index=True)
    out = df.groupby(["unit", "class_code"], sort=True, as_index=False)[["cents", "features"]]
    return out.sum()


def admin_code_of(units: pd.Series, level: AdminLevel) -> pd.Series:
    """Map township units (ZLDWDM first 9 digits) to the admin code of ``level``.

    Province and city codes are padded to 6 digits (360000, 360100); a unit
    with fewer than 9 digits maps to ``<county>000`` at township level.

    Examples
    --------
    >>> s = pd.Series(["360111001", "360121"])
    >>> admin_code_of(s, "city").tolist(), admin_code_of(s, "township").tolist()
    (['360100', '360100'], ['360111001', '360121000'])
    """
    s = units.astype(str)
    if level == "province":
        return s.str[:2] + "0000"
    if level == "city":
        return s.str[:4] + "00"
    if level == "county":
        return s.str[:6]
    return s.str[:6] + s.str[6:9].str.pad(3, side="right", fillchar="0")


def _class_info(code: str) -> tuple[str, str, str]:
    """Return (level1 code, level1 name, class name) of a second-level code."""
    lc = land_classes().get(code)
    if lc is None:
        return (code[:2] or "??", UNKNOWN_NAME, UNKNOWN_NAME)
    return (lc.level1, lc.level1_name_zh, lc.name_zh)


def _rounded(cents: Sequence[int], total_rounded: float, divisor: float) -> list[float]:
    """Round areas (in cents / ``divisor``) so they sum to ``total_rounded`` (2 decimals)."""
    return reconcile_rounded([c / divisor for c in cents], total_rounded, 2)


_HA = 1_000_000.0  # cents per 公顷 (0.01 m² × 1e6 = 1 ha)
_MU = 1_000_000.0 / 15.0  # cents per 亩


def _unit_rows(level: AdminLevel, code: str, name: str, frame: pd.DataFrame) -> list[StatsRow]:
    """Rows of one admin unit: total, level-1 classes, each followed by its level-2 classes."""
    info = {c: _class_info(c) for c in frame["class_code"]}
    frame = frame.assign(level1=[info[c][0] for c in frame["class_code"]])
    total = int(frame["cents"].sum())
    rows = [StatsRow(level=level, admin_code=code, admin_name=name, class_level=0,
                     class_code=TOTAL_CODE, class_name="合计", area_m2=total / 100,
                     area_ha=round_half_up(total / _HA, 2), area_mu=round_half_up(total / _MU, 2))]
    l1 = frame.groupby("level1", sort=True)["cents"].sum()
    l1_ha = _rounded(l1.tolist(), rows[0].area_ha, _HA)
    l1_mu = _rounded(l1.tolist(), rows[0].area_mu, _MU)
    groups = level1_groups()
    for i, (l1_code, l1_cents) in enumerate(l1.items()):
        members = frame[frame["level1"] == l1_code].sort_values("class_code")
        l1_name = groups.get(str(l1_code), info[members["class_code"].iloc[0]][1])
        rows.append(StatsRow(level=level, admin_code=code, admin_name=name, class_level=1,
                             class_code=str(l1_code), class_name=l1_name,
                             area_m2=int(l1_cents) / 100, area_ha=l1_ha[i], area_mu=l1_mu[i]))
        cents = members["cents"].tolist()
        ha = _rounded(cents, l1_ha[i], _HA)
        mu = _rounded(cents, l1_mu[i], _MU)
        for j, cc in enumerate(members["class_code"]):
            rows.append(StatsRow(level=level, admin_code=code, admin_name=name, class_level=2,
                                 class_code=cc, class_name=info[cc][2], area_m2=cents[j] / 100,
                                 area_ha=ha[j], area_mu=mu[j]))
    return rows


def build_rows(
    tabulation: pd.DataFrame,
    levels: Sequence[AdminLevel],
    names: Mapping[str, str] | None = None,
) -> list[StatsRow]:
    """Roll a tabulation up to each admin level and return the table rows.

    Parameters
    ----------
    tabulation : pandas.DataFrame
        Output of :func:`tabulate_partition` / :func:`combine_tabulations`.
    levels : sequence of {"province", "city", "county", "township"}
        Admin levels to produce, in output order.
    names : mapping, optional
        Admin code (6 or 9 digits) → 行政区名称.

    Returns
    -------
    list of StatsRow
        Per admin unit (by code): the 合计 row, then each first-level class
        followed by its second-level classes. m² are exact; 公顷 and 亩 are
        rounded half-up to 0.01 and reconciled (largest remainder) so that the
        second-level rows add up to their first-level row and the first-level
        rows to the total.

    Examples
    --------
    >>> tab = pd.DataFrame({"unit": ["360111001", "360111001"], "class_code": ["0101", "1203"],
    ...                     "cents": [1_000_000, 50_000], "features": [1, 0]})
    >>> [(r.class_code, r.area_m2, r.area_ha) for r in build_rows(tab, ["county"])]
    ... # doctest: +NORMALIZE_WHITESPACE
    [('total', 10500.0, 1.05), ('01', 10000.0, 1.0), ('0101', 10000.0, 1.0),
     ('12', 500.0, 0.05), ('1203', 500.0, 0.05)]
    """
    names = names or {}
    rows: list[StatsRow] = []
    for level in levels:
        codes = admin_code_of(tabulation["unit"], level)
        grouped = (tabulation.assign(admin=codes)
                   .groupby(["admin", "class_code"], sort=True, as_index=False)["cents"].sum())
        for code, frame in grouped.groupby("admin", sort=True):
            rows.extend(_unit_rows(level, str(code), names.get(str(code), ""), frame))
    return rows


def rows_frame(rows: Sequence[StatsRow]) -> pd.DataFrame:
    """Return rows as a DataFrame (columns named as the model fields).

    Examples
    --------
    >>> rows_frame([]).columns.tolist()[:3]
    ['level', 'admin_code', 'admin_name']
    """
    columns = list(StatsRow.model_fields)
    return pd.DataFrame([r.model_dump() for r in rows], columns=columns)
