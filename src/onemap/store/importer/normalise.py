"""Import step 2, normalise: map source fields onto the kind's schema and coerce their types.

Field mapping (:func:`map_fields`) is decided once per file: the user's aliases, then the
workspace's ``[aliases.<kind>]``, then each field's standard name, schema aliases and
Chinese title. :func:`normalise` renames and coerces one chunk, collecting a reason for
every value that does not fit (not a number, a required field left empty).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd

from onemap.errors import ImportRejected, InvalidInput
from onemap.store.kinds import COUNTY_COLUMN, FieldSpec, LayerKind

if TYPE_CHECKING:
    from collections.abc import Callable

    from onemap.store.formats.features import LoadedFeatures

Reasons = dict[int, list[str]]  # position in the chunk → why the feature is rejected


@dataclass
class NormalisedChunk:
    """One chunk under schema field names, with the source geometry and lines kept.

    ``reasons`` collects why features are rejected (keyed by position in the chunk);
    ``offset`` is the file position of the chunk's first feature.
    """

    frame: gpd.GeoDataFrame
    reasons: Reasons
    lines: list[int] | None
    offset: int


def _norm(name: str) -> str:
    return str(name).strip().upper()


def map_fields(columns: list[str], spec: LayerKind, aliases: dict[str, str], *,
               path: str = "", configured: dict[str, str] | None = None
               ) -> tuple[dict[str, str], list[str]]:
    """Return ``{source column: schema field}`` and the source columns left unmapped.

    A column matches a field by its standard name, the schema's aliases or its Chinese
    title (case-insensitive); ``aliases`` (source → field, the command line's ``--alias``)
    come first, then ``configured`` (the workspace's ``[aliases.<kind>]`` in onemap.toml),
    which only apply to columns the file has and fields ``aliases`` left unmapped. Missing
    required fields reject the file, naming what was found.
    """
    by_name = {_norm(c): c for c in columns}
    mapping = _user_aliases(by_name, columns, spec, aliases, path)
    for src, dst in (configured or {}).items():
        col = by_name.get(_norm(src))
        if col is None or col in mapping or dst in mapping.values():
            continue  # not in this file, or the command line decided
        if spec.fields and spec.spec(dst) is None:
            raise InvalidInput(f"onemap.toml [aliases.{spec.name}] {src} = {dst!r}: not a "
                               f"field of layer kind {spec.name}", path=path)
        mapping[col] = dst
    for f in spec.fields:
        if f.name in mapping.values():
            continue
        for candidate in (f.name, *f.aliases, f.title_zh):
            col = by_name.get(_norm(candidate))
            if col is not None and col not in mapping:
                mapping[col] = f.name
                break
    if not spec.fields:  # generic layers keep every column under its own name
        mapping.update({c: c for c in columns if c not in mapping})
    missing = [f.name for f in spec.fields if f.required and f.name not in mapping.values()]
    if missing:
        raise ImportRejected(
            f"missing required field(s) {', '.join(missing)} for layer kind {spec.name}; the "
            f"file has: {', '.join(columns) or '(no fields)'}; map one with --alias SRC=FIELD "
            f"or in onemap.toml [aliases.{spec.name}]",
            path=path)
    ignored = [c for c in columns if c not in mapping and c != COUNTY_COLUMN]
    return mapping, ignored


def _user_aliases(by_name: dict[str, str], columns: list[str], spec: LayerKind,
                  aliases: dict[str, str], path: str) -> dict[str, str]:
    mapping: dict[str, str] = {}
    for src, dst in aliases.items():
        if _norm(src) not in by_name:
            raise InvalidInput(f"alias {src}={dst}: the file has no field {src!r}; fields: "
                               f"{', '.join(columns)}", path=path)
        if spec.fields and spec.spec(dst) is None:
            raise InvalidInput(f"alias {src}={dst}: {dst!r} is not a field of layer kind "
                               f"{spec.name}; fields: {', '.join(spec.field_names)}", path=path)
        mapping[by_name[_norm(src)]] = dst
    return mapping


def normalise(loaded: LoadedFeatures, spec: LayerKind, mapping: dict[str, str]
              ) -> NormalisedChunk:
    """Rename the mapped columns to schema fields and coerce them to the schema's types."""
    src = loaded.frame
    reasons: Reasons = {}
    data: dict[str, object] = {}
    for col, name in mapping.items():
        fspec = spec.spec(name) or FieldSpec(name, "str", name)
        data[name] = coerce(src[col].reset_index(drop=True), fspec, reasons)
    if COUNTY_COLUMN in src.columns and COUNTY_COLUMN not in data:
        data[COUNTY_COLUMN] = src[COUNTY_COLUMN].astype("string").reset_index(drop=True)
    frame = gpd.GeoDataFrame(pd.DataFrame(data, index=pd.RangeIndex(len(src))),
                             geometry=src.geometry.to_numpy(), crs=src.crs)
    return NormalisedChunk(frame=frame, reasons=reasons, lines=loaded.lines,
                           offset=loaded.offset)


def add_reasons(reasons: Reasons, mask: np.ndarray, message: Callable[[int], str]) -> None:
    """Append ``message(i)`` to the reasons of every feature ``i`` where ``mask`` is set."""
    for i in np.flatnonzero(mask):
        reasons.setdefault(int(i), []).append(message(int(i)))


def coerce(col: pd.Series, f: FieldSpec, reasons: Reasons) -> pd.Series:
    """Coerce one source column to field ``f``'s type; values that do not fit get a reason."""
    numeric = pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col)
    if f.type != "str" and numeric:  # already numbers: no text round trip
        return _coerce_numbers(col, f, reasons)
    text = col.astype("string").str.strip()
    empty = (text.isna() | (text == "")).to_numpy()
    bad = np.zeros(len(col), dtype=bool)
    if f.type == "str":
        out = text.where(~empty, pd.NA)
        if pd.api.types.is_float_dtype(col):  # codes read as numbers: 101.0 → "101"
            integral = col.notna() & (col % 1 == 0)
            out = out.where(~integral, col[integral].astype("Int64").astype("string"))
    else:
        num = pd.to_numeric(text.where(~empty, None), errors="coerce")
        bad = ~empty & num.isna().to_numpy()
        if f.type == "int":
            bad |= ~empty & ~num.isna().to_numpy() & (num.fillna(0) % 1 != 0).to_numpy()
            out = num.where(~bad).round().astype("Int64")
        else:
            out = num.astype("Float64")
        kind = "an integer" if f.type == "int" else "a number"
        add_reasons(reasons, bad, lambda i: f"field {f.name}: {text.iloc[i]!r} is not {kind}")
    if f.required:
        add_reasons(reasons, out.isna().to_numpy() & ~bad,
                    lambda i: f"required field {f.name} is empty")
    return out


def _coerce_numbers(col: pd.Series, f: FieldSpec, reasons: Reasons) -> pd.Series:
    nums = col.astype("float64")
    bad = np.zeros(len(col), dtype=bool)
    if f.type == "int":
        bad = (nums.notna() & (nums % 1 != 0)).to_numpy()
        add_reasons(reasons, bad,
                    lambda i: f"field {f.name}: {float(nums.iloc[i])!r} is not an integer")
        out = nums.where(~bad).round().astype("Int64")
    else:
        out = nums.astype("Float64")
    if f.required:
        add_reasons(reasons, out.isna().to_numpy() & ~bad,
                    lambda i: f"required field {f.name} is empty")
    return out
