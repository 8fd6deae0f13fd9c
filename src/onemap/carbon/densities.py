"""Carbon density tables (碳密度表): parse, validate, merge overrides, look densities up. Pure.

A table is CSV text. Lines starting with ``#`` are comments; ``# key: value`` comments set
the table's ``name``, ``version``, ``title`` and ``forest_type_column``. The header is
``codes,pool,tc_per_ha,low,high,source`` with an optional ``scope`` column:

* ``codes``: 三调 second-level land-class codes (地类编码), space-separated (a group where
  the literature is coarser than the classification);
* ``pool``: ``agb`` 地上生物量, ``bgb`` 地下生物量, ``soil`` 土壤有机碳, ``dom`` 死有机质;
* ``tc_per_ha``, ``low``, ``high``: the density and its uncertainty range, t C/ha;
* ``source``: the document and table the number comes from (required for every number);
* ``scope``: empty for the default, ``county:360722`` for one county, or
  ``forest_type:杉木`` for polygons whose ``forest_type_column`` holds that value.

Every error names the file and line. The most specific entry wins: forest type, then
county, then the default.
"""

from __future__ import annotations

import csv
import hashlib
import math
from importlib import resources

import numpy as np
import numpy.typing as npt
import pandas as pd

from onemap.carbon.errors import DensityTableError
from onemap.carbon.models import POOLS, DensityEntry, DensityTable, TableStamp
from onemap.standards.landuse import is_known_code

COLUMNS = ("codes", "pool", "tc_per_ha", "low", "high", "source")
DEFAULT_TABLE = "data/carbon-densities.csv"
SCOPES = ("county", "forest_type")


def default_table_text() -> str:
    """Return the text of the packaged table (``standards/data/carbon-densities.csv``)."""
    return resources.files("onemap.standards").joinpath(DEFAULT_TABLE).read_text(
        encoding="utf-8")


def _meta(lines: list[str]) -> tuple[dict[str, str], list[tuple[int, str]]]:
    meta: dict[str, str] = {}
    body: list[tuple[int, str]] = []
    for number, text in enumerate(lines, start=1):
        stripped = text.strip()
        if stripped.startswith("#"):
            key, sep, value = stripped.lstrip("#").partition(":")
            if sep and key.strip() in ("name", "version", "title", "forest_type_column"):
                meta[key.strip()] = value.strip()
        elif stripped:
            body.append((number, text))
    return meta, body


def _number(row: dict[str, str], name: str, path: str, line: int) -> float:
    text = (row.get(name) or "").strip()
    try:
        value = float(text)
    except ValueError:
        raise DensityTableError(f"{name} is not a number: {text!r}", path=path,
                                line=line) from None
    if not math.isfinite(value):
        raise DensityTableError(f"{name} is not a finite number: {text!r}", path=path,
                                line=line)
    if value < 0:
        raise DensityTableError(f"negative {name} {value:g}: densities are ≥ 0 t C/ha",
                                path=path, line=line)
    return value


def _scope(text: str, path: str, line: int) -> str:
    text = text.strip()
    if not text:
        return ""
    kind, sep, value = text.partition(":")
    if not sep or kind not in SCOPES or not value.strip():
        raise DensityTableError(f"scope must be county:<code> or forest_type:<name>, got "
                                f"{text!r}", path=path, line=line)
    if kind == "county" and not (len(value) == 6 and value.isdigit()):
        raise DensityTableError(f"county scope needs a 6-digit code, got {value!r}",
                                path=path, line=line)
    return f"{kind}:{value.strip()}"


def _entry(row: dict[str, str], path: str, line: int) -> DensityEntry:
    codes = (row.get("codes") or "").split()
    if not codes:
        raise DensityTableError("no land-class code in 'codes'", path=path, line=line)
    unknown = [c for c in codes if not is_known_code(c)]
    if unknown:
        raise DensityTableError(f"unknown land class {', '.join(unknown)} (not a 三调 code)",
                                path=path, line=line)
    pool = (row.get("pool") or "").strip()
    if pool not in POOLS:
        raise DensityTableError(f"unknown pool {pool!r}; pools: {', '.join(POOLS)}",
                                path=path, line=line)
    value, low, high = (_number(row, k, path, line) for k in ("tc_per_ha", "low", "high"))
    if not low <= value <= high:
        raise DensityTableError(f"range must hold the value: low {low:g} ≤ {value:g} ≤ high "
                                f"{high:g}", path=path, line=line)
    source = (row.get("source") or "").strip()
    if not source:
        raise DensityTableError("every number needs its source (文献出处)", path=path,
                                line=line)
    return DensityEntry(codes=codes, pool=pool, tc_per_ha=value, low=low, high=high,
                        source=source, scope=_scope(row.get("scope") or "", path, line),
                        line=line)


def parse_density_table(text: str, *, path: str = "carbon-densities.csv") -> DensityTable:
    r"""Parse and validate a density table; raise :class:`DensityTableError` with its line.

    Examples
    --------
    >>> t = parse_density_table("codes,pool,tc_per_ha,low,high,source\\n"
    ...                         "0101,soil,69.3,55,83,IPCC 2006 Table 5.5\\n")
    >>> t.entries[0].codes, t.entries[0].tc_per_ha
    (['0101'], 69.3)
    """
    meta, body = _meta(text.lstrip("\ufeff").splitlines())
    if not body:
        raise DensityTableError("empty density table", path=path)
    header_line, header = body[0]
    names = [c.strip() for c in next(csv.reader([header]))]
    missing = [c for c in COLUMNS if c not in names]
    if missing:
        raise DensityTableError(f"missing columns: {', '.join(missing)}", path=path,
                                line=header_line)
    entries: list[DensityEntry] = []
    seen: dict[tuple[str, str, str], int] = {}
    for line, raw in body[1:]:
        values = next(csv.reader([raw]))
        if len(values) != len(names):
            raise DensityTableError(f"{len(values)} fields, the header has {len(names)}",
                                    path=path, line=line)
        entry = _entry(dict(zip(names, values, strict=True)), path, line)
        for code in entry.codes:
            key = (entry.scope, code, entry.pool)
            if key in seen:
                raise DensityTableError(f"{code} {entry.pool} already given on line "
                                        f"{seen[key]}", path=path, line=line)
            seen[key] = line
        entries.append(entry)
    stamp = TableStamp(name=meta.get("name", "custom"), version=meta.get("version", ""),
                       checksum=hashlib.sha256(text.encode("utf-8")).hexdigest())
    return DensityTable(stamp=stamp, title=meta.get("title", ""),
                        forest_type_column=meta.get("forest_type_column", ""),
                        entries=entries)


def default_density_table() -> DensityTable:
    """Return the packaged Jiangxi Tier 1 table."""
    return parse_density_table(default_table_text(), path=DEFAULT_TABLE)


def with_overrides(base: DensityTable, overrides: DensityTable, *, name: str = "") -> DensityTable:
    """Return ``base`` with the entries of ``overrides`` taking precedence.

    An override without a scope replaces the default of its codes and pool; scoped ones
    apply to their county or forest type only.
    """
    replaced = {(c, e.pool) for e in overrides.entries if not e.scope for c in e.codes}
    kept = []
    for e in base.entries:
        codes = [c for c in e.codes if e.scope or (c, e.pool) not in replaced]
        if codes:
            kept.append(e.model_copy(update={"codes": codes}))
    checksum = hashlib.sha256((base.stamp.checksum + overrides.stamp.checksum).encode())
    stamp = base.stamp.model_copy(update={"checksum": checksum.hexdigest(),
                                          "overrides": name or overrides.stamp.name})
    return base.model_copy(update={
        "stamp": stamp, "entries": kept + list(overrides.entries),
        "forest_type_column": overrides.forest_type_column or base.forest_type_column})


def entry_frame(table: DensityTable) -> pd.DataFrame:
    """One row per (entry, code): entry, scope, code, pool, value, low, high."""
    rows = [(i, e.scope, c, e.pool, e.tc_per_ha, e.low, e.high)
            for i, e in enumerate(table.entries) for c in e.codes]
    return pd.DataFrame(rows, columns=["entry", "scope", "code", "pool", "value", "low",
                                       "high"])


def missing_codes(table: DensityTable, codes: npt.ArrayLike) -> list[str]:
    """Codes of ``codes`` lacking a default density for some pool."""
    frame = entry_frame(table)
    default = frame[frame["scope"] == ""]
    have = default.groupby("code")["pool"].nunique()
    wanted = sorted({str(c) for c in np.asarray(codes, dtype=object)})
    return [c for c in wanted if have.get(c, 0) < len(POOLS)]


def lookup_entries(table: DensityTable, keys: pd.DataFrame) -> npt.NDArray[np.intp]:
    """Entry index per row of ``keys`` and pool: an (n, 4) array in :data:`POOLS` order.

    ``keys`` has ``code`` and ``county`` columns, optionally ``forest_type``. Rows whose
    code has no default for a pool raise :class:`DensityTableError`.
    """
    frame = entry_frame(table)
    missing = missing_codes(table, keys["code"].to_numpy())
    if missing:
        raise DensityTableError(f"no density for land class {', '.join(missing)} in table "
                                f"{table.stamp.name} {table.stamp.version}")
    codes = keys["code"].astype(str).to_numpy()
    counties = keys["county"].astype(str).to_numpy()
    forest = (keys["forest_type"].fillna("").astype(str).to_numpy()
              if "forest_type" in keys.columns else np.full(len(keys), "", dtype=object))
    out = np.empty((len(keys), len(POOLS)), dtype=np.intp)
    for p, pool in enumerate(POOLS):
        part = frame[frame["pool"] == pool]
        lookup = dict(zip(zip(part["scope"], part["code"], strict=True), part["entry"],
                          strict=True))
        default = np.array([lookup[("", c)] for c in codes], dtype=np.intp)
        by_county = np.array([lookup.get((f"county:{k}", c), -1)
                              for k, c in zip(counties, codes, strict=True)], dtype=np.intp)
        by_forest = np.array([lookup.get((f"forest_type:{f}", c), -1) if f else -1
                              for f, c in zip(forest, codes, strict=True)], dtype=np.intp)
        out[:, p] = np.where(by_forest >= 0, by_forest,
                             np.where(by_county >= 0, by_county, default))
    return out


def entry_values(table: DensityTable) -> npt.NDArray[np.float64]:
    """Density (t C/ha) of each entry, by entry index."""
    return np.array([e.tc_per_ha for e in table.entries], dtype=np.float64)
