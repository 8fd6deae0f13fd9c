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

from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from pydantic import TypeAdapter

from onemap.standards.landuse import FIELD_RIDGE, land_classes, level1_groups
from onemap.stats.errors import StatsInputError
from onemap.stats.models import TOTAL_CODE, AdminLevel, StatsRow

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence

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


def _normalise(arr: pa.Array | pa.ChunkedArray, digits: int | None) -> pa.Array:
    arr = pc.fill_null(pc.utf8_trim_whitespace(pc.cast(arr, pa.string())), "")
    if digits is not None:
        arr = pc.utf8_slice_codeunits(arr, 0, digits)
    return arr


def _codes(column: pa.ChunkedArray | pa.Array,
           digits: int | None = None) -> tuple[npt.NDArray[np.int64], list[str]]:
    """Return (code index per row, distinct codes) of a text column, trimmed and cut to ``digits``.

    Dictionary-encoded input (Parquet read with ``read_dictionary``) is normalised
    on its small dictionary only, then the row indices are remapped.
    """
    if isinstance(column, pa.Array):
        column = pa.chunked_array([column])
    if pa.types.is_dictionary(column.type) and column.num_chunks:
        unified = column.unify_dictionaries()
        dictionary = unified.chunk(0).dictionary
        missing = len(dictionary)  # null rows point past the dictionary, to ""
        idx = np.concatenate([pc.fill_null(c.indices, missing).to_numpy(zero_copy_only=False)
                              for c in unified.chunks]).astype(np.int64)
        values = pa.concat_arrays([_normalise(dictionary, digits), pa.array([""])])
        encoded = pc.dictionary_encode(values)
        remap = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)
        return remap[idx], encoded.dictionary.to_pylist()
    encoded = pc.dictionary_encode(_normalise(column, digits))
    if isinstance(encoded, pa.ChunkedArray):
        encoded = encoded.unify_dictionaries().combine_chunks()
    return (encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64),
            encoded.dictionary.to_pylist())


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
    unit_idx, unit_list = _codes(table["ZLDWDM"], TOWNSHIP_DIGITS)
    class_idx, class_names = _codes(table["DLBM"])
    col = dict(zip(table.column_names, table.columns, strict=True))
    tbmj = _cents(col["TBMJ"], n)
    kcmj = _cents(col.get("KCMJ"), n)
    main = tbmj - kcmj
    if "TBDLMJ" in col:
        tbdlmj = col["TBDLMJ"]
        valid = pc.is_valid(tbdlmj).to_numpy(zero_copy_only=False)
        main = np.where(valid, _cents(tbdlmj, n), main)
    ridge = np.int64(len(class_names))  # an extra class slot for 1203 田坎
    n_class = len(class_names) + 1
    n_unit = len(unit_list)
    key = unit_idx * n_class + class_idx
    size = n_unit * n_class
    # float64 sums of integers stay exact below 2**53 cents (≈ 9e13 m²).
    sums = np.bincount(key, weights=main, minlength=size)
    counts = np.bincount(key, minlength=size)
    sums += np.bincount(unit_idx * n_class + ridge, weights=kcmj, minlength=size)
    hit = np.flatnonzero((counts > 0) | (sums != 0))
    unit_names = np.asarray(unit_list, dtype=object)
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


def reconcile_hundredths(
    numerators: npt.NDArray[np.int64], denominator: int, group: npt.NDArray[np.int64],
    targets: npt.NDArray[np.int64],
) -> npt.NDArray[np.int64]:
    """Vectorised largest-remainder rounding on exact integers.

    Row ``i`` is worth ``numerators[i] / denominator`` hundredths; rows of one
    ``group`` must add up to ``targets[group]`` hundredths. Each row gets its
    floor, and the missing units go to the rows with the largest remainders
    (ties: the earlier row), exactly the rule of
    :func:`onemap.standards.units.reconcile_rounded`, without float noise and
    without a Python loop per group.

    Examples
    --------
    >>> reconcile_hundredths(np.array([1005, 1005, 1005]), 10, np.array([0, 0, 0]),
    ...                      np.array([302])).tolist()
    [101, 101, 100]
    """
    floors, rem = np.divmod(numerators, denominator)
    n_groups = len(targets)
    short = targets - np.bincount(group, weights=floors, minlength=n_groups).astype(np.int64)
    order = np.lexsort((np.arange(len(rem)), -rem, group))
    start = np.searchsorted(group[order], np.arange(n_groups))
    rank = np.empty(len(rem), dtype=np.int64)
    rank[order] = np.arange(len(rem)) - start[group[order]]
    size = np.bincount(group, minlength=n_groups)[group]
    up = rank < short[group]  # the usual case: short ≥ 0
    down = rank >= size + short[group]  # short < 0: take from the smallest remainders
    return floors + up.astype(np.int64) - down.astype(np.int64)


# Published figures are hundredths of 公顷 and of 亩; sums are carried in 0.01 m² (cents).
# hundredths of ha = cents / 10_000; hundredths of 亩 = cents × 15 / 10_000.
_UNITS = {"area_ha": 1, "area_mu": 15}
_DENOMINATOR = 10_000


def _half_up(numerators: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    return (numerators + _DENOMINATOR // 2) // _DENOMINATOR


def _level_frame(tabulation: pd.DataFrame, level: AdminLevel) -> pd.DataFrame:
    """Total, level-1 and level-2 rows of every admin unit of ``level``, rounded and reconciled."""
    l2 = (tabulation.assign(admin=admin_code_of(tabulation["unit"], level))
          .groupby(["admin", "class_code"], sort=True, as_index=False)["cents"].sum())
    info = {c: _class_info(c) for c in l2["class_code"].unique()}
    l2["level1"] = l2["class_code"].map(lambda c: info[c][0])
    l2["class_name"] = l2["class_code"].map(lambda c: info[c][2])
    l1 = l2.groupby(["admin", "level1"], sort=True, as_index=False)["cents"].sum()
    groups = level1_groups()
    unknown = {i[0]: i[1] for i in info.values()}
    l1["class_name"] = l1["level1"].map(lambda c: groups.get(c, unknown.get(c, UNKNOWN_NAME)))
    tot = l1.groupby("admin", sort=True, as_index=False)["cents"].sum()
    admin_id = {a: i for i, a in enumerate(tot["admin"])}
    l1_group = l1["admin"].map(admin_id).to_numpy(np.int64)
    l1_id = pd.MultiIndex.from_frame(l1[["admin", "level1"]])
    l2_group = l1_id.get_indexer(pd.MultiIndex.from_frame(l2[["admin", "level1"]]))
    for col, factor in _UNITS.items():
        t = _half_up(tot["cents"].to_numpy(np.int64) * factor)
        a = reconcile_hundredths(l1["cents"].to_numpy(np.int64) * factor, _DENOMINATOR,
                                 l1_group, t)
        b = reconcile_hundredths(l2["cents"].to_numpy(np.int64) * factor, _DENOMINATOR,
                                 l2_group.astype(np.int64), a)
        tot[col], l1[col], l2[col] = t / 100, a / 100, b / 100
    tot = tot.assign(class_level=0, class_code=TOTAL_CODE, class_name="合计", level1="")
    l1 = l1.assign(class_level=1, class_code=l1["level1"])
    l2 = l2.assign(class_level=2)
    out = pd.concat([tot, l1, l2], ignore_index=True)
    out = out.sort_values(["admin", "level1", "class_level", "class_code"], kind="stable")
    return out.assign(level=level, area_m2=out["cents"] / 100)


_ROWS = TypeAdapter(list[StatsRow])


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
    if not len(tabulation):
        return []
    names = names or {}
    frames = [_level_frame(tabulation, level) for level in levels]
    out = pd.concat(frames, ignore_index=True).rename(columns={"admin": "admin_code"})
    columns = {c: out[c].tolist() for c in StatsRow.model_fields if c != "admin_name"}
    columns["admin_name"] = [names.get(c, "") for c in columns["admin_code"]]
    keys = list(columns)
    records = [dict(zip(keys, values, strict=True)) for values in zip(*columns.values(),
                                                                        strict=True)]
    return _ROWS.validate_python(records)


def rows_frame(rows: Sequence[StatsRow]) -> pd.DataFrame:
    """Return rows as a DataFrame (columns named as the model fields).

    Examples
    --------
    >>> rows_frame([]).columns.tolist()[:3]
    ['level', 'admin_code', 'admin_name']
    """
    columns = list(StatsRow.model_fields)
    return pd.DataFrame([r.model_dump() for r in rows], columns=columns)
