"""CQL2-Text filters (OGC API – Features Part 3) evaluated against a GeoDataFrame.

Supported: comparisons, ``AND``/``OR``/``NOT``, ``IN``, ``LIKE``, ``BETWEEN``,
``IS NULL`` and ``S_INTERSECTS`` with a literal geometry.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pygeofilter import ast, values
from pygeofilter.parsers.cql2_text import parse as parse_cql2_text

from onemap.errors import InvalidInput

Node = Any
GeometryHook = Callable[[shapely.Geometry], shapely.Geometry]


def parse_filter(text: str) -> Node:
    """Parse CQL2-Text into a pygeofilter AST (InvalidInput on syntax errors)."""
    try:
        return parse_cql2_text(text)
    except Exception as exc:  # the parser raises lark and plain errors alike
        raise InvalidInput(f"invalid CQL2 filter: {exc}".splitlines()[0][:300],
                           user_message="过滤条件语法错误 (invalid CQL2-Text filter)") from None


def attributes(node: Node) -> set[str]:
    """Return the attribute names a filter refers to."""
    found: set[str] = set()
    if isinstance(node, ast.Attribute):
        found.add(node.name)
    for child in getattr(node, "get_sub_nodes", list)() or []:
        found |= attributes(child)
    return found


class FilterEvaluator:
    """Evaluate a parsed filter to a boolean mask over ``gdf`` rows.

    ``to_storage`` converts literal geometries from the filter CRS to EPSG:4490.
    """

    def __init__(self, gdf: gpd.GeoDataFrame, to_storage: GeometryHook | None = None) -> None:
        self.gdf = gdf
        self.to_storage = to_storage or (lambda g: g)

    def mask(self, node: Node) -> np.ndarray:
        """Return the rows matching ``node`` as a boolean array."""
        out = self._eval(node)
        if isinstance(out, pd.Series):
            return np.asarray(out.fillna(False).to_numpy(dtype=bool))
        if isinstance(out, bool | np.bool_):
            return np.full(len(self.gdf), bool(out))
        return np.asarray(out, dtype=bool)

    # -- nodes ---------------------------------------------------------------------------
    def _eval(self, node: Node) -> Any:
        method = getattr(self, "_" + type(node).__name__, None)
        if method is None:
            raise InvalidInput(f"unsupported filter element {type(node).__name__}",
                               user_message="不支持的过滤条件 (unsupported CQL2 element)")
        return method(node)

    def _And(self, node: Node) -> Any:
        return self.mask(node.lhs) & self.mask(node.rhs)

    def _Or(self, node: Node) -> Any:
        return self.mask(node.lhs) | self.mask(node.rhs)

    def _Not(self, node: Node) -> Any:
        return ~self.mask(node.sub_node)

    def _value(self, node: Node) -> Any:
        if isinstance(node, ast.Attribute):
            return self._column(node.name)
        if isinstance(node, ast.Function) and node.name.lower() == "bbox":
            args = [float(a) for a in node.arguments]
            if len(args) == 6:
                args = [args[0], args[1], args[3], args[4]]
            if len(args) != 4:
                raise InvalidInput("BBOX needs 4 or 6 numbers")
            return self.to_storage(shapely.box(*args))
        if isinstance(node, ast.Node):
            raise InvalidInput("only attributes and literals may be compared")
        if isinstance(node, values.Geometry):
            return self.to_storage(shapely.geometry.shape(node.geometry))
        if isinstance(node, values.Envelope):
            return self.to_storage(shapely.box(node.x1, node.y1, node.x2, node.y2))
        return node

    def _column(self, name: str) -> pd.Series:
        if name not in self.gdf.columns:
            raise InvalidInput(f"unknown property {name!r} in filter",
                               user_message=f"过滤条件中的属性不存在 (unknown property): {name}")
        return self.gdf[name]

    def _compare(self, node: Node, op: Callable[[Any, Any], Any]) -> Any:
        lhs, rhs = self._value(node.lhs), self._value(node.rhs)
        if isinstance(lhs, pd.Series) and not isinstance(rhs, pd.Series):
            lhs, rhs = _align(lhs, rhs)
        elif isinstance(rhs, pd.Series) and not isinstance(lhs, pd.Series):
            rhs, lhs = _align(rhs, lhs)
        return op(lhs, rhs)

    def _Equal(self, node: Node) -> Any:
        return self._compare(node, lambda a, b: a == b)

    def _NotEqual(self, node: Node) -> Any:
        return self._compare(node, lambda a, b: a != b)

    def _LessThan(self, node: Node) -> Any:
        return self._compare(node, lambda a, b: a < b)

    def _LessEqual(self, node: Node) -> Any:
        return self._compare(node, lambda a, b: a <= b)

    def _GreaterThan(self, node: Node) -> Any:
        return self._compare(node, lambda a, b: a > b)

    def _GreaterEqual(self, node: Node) -> Any:
        return self._compare(node, lambda a, b: a >= b)

    def _In(self, node: Node) -> Any:
        col = self._value(node.lhs)
        items = [self._value(v) for v in node.sub_nodes]
        col, _ = _align(col, items[0] if items else "")
        hit = col.isin(items)
        return ~hit if node.not_ else hit

    def _Between(self, node: Node) -> Any:
        col, low = _align(self._value(node.lhs), self._value(node.low))
        hit = (col >= low) & (col <= self._value(node.high))
        return ~hit if node.not_ else hit

    def _IsNull(self, node: Node) -> Any:
        hit = self._value(node.lhs).isna()
        return ~hit if node.not_ else hit

    def _Like(self, node: Node) -> Any:
        col = self._value(node.lhs).astype("string")
        regex = _like_regex(node.pattern, node.wildcard, node.singlechar, node.escapechar)
        hit = col.str.fullmatch(regex, case=not node.nocase).fillna(False)
        return ~hit if node.not_ else hit

    def _GeometryIntersects(self, node: Node) -> Any:
        lhs, rhs = node.lhs, node.rhs
        if not isinstance(lhs, ast.Attribute):
            lhs, rhs = rhs, lhs
        if not isinstance(lhs, ast.Attribute) or lhs.name not in ("geometry", "geom", "shape"):
            raise InvalidInput("S_INTERSECTS needs the geometry property and a literal geometry")
        geom = self._value(rhs)
        return shapely.intersects(self.gdf.geometry.to_numpy(), geom)


def _align(col: pd.Series, literal: Any) -> tuple[pd.Series, Any]:
    """Compare numbers with numbers and text with text (text codes like '0101' stay text)."""
    if isinstance(literal, str) and not pd.api.types.is_string_dtype(col):
        return col.astype("string"), literal
    if isinstance(literal, int | float) and not isinstance(literal, bool) \
            and not pd.api.types.is_numeric_dtype(col):
        return pd.to_numeric(col, errors="coerce"), literal
    return col, literal


def _like_regex(pattern: str, wildcard: str, single: str, escape: str) -> str:
    out, i = [], 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == escape and i + 1 < len(pattern):
            out.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        out.append(".*" if ch == wildcard else "." if ch == single else re.escape(ch))
        i += 1
    return "".join(out)
