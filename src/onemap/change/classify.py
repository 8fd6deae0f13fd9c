"""Change classification (变化图斑分类) and legality pre-judgement (合法性预判).

Pure: patches and control frames in, a classified frame out. The rule table is data
(:class:`~onemap.change.models.RuleTable`, default ``default_rules.toml``).
The platform only pre-judges: 合法 when approvals, land supply and facility records
cover the patch, 疑似违法 when they do not, 待核查 in between. A person's verdict on the
case is what makes a change illegal.
"""

from __future__ import annotations

import hashlib
import tomllib
from importlib import resources
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
import pandas as pd

from onemap.change.errors import ChangeRuleError
from onemap.change.models import ClassRule, Legality, RuleTable
from onemap.change.overlay import area_by_record, area_inside
from onemap.standards.landuse import construction_codes, farmland_codes

if TYPE_CHECKING:
    from collections.abc import Mapping

    import geopandas as gpd

CONTROL_KINDS = ("pbf", "eco_redline", "udb", "nature_reserve", "hsf", "mining_right")
APPROVAL_KINDS = {"approval": "PZWH", "land_supply": "GDBH", "facility_agri": "BABH",
                  "mining_right": "XKZH"}
COVERING_KINDS = ("approval", "land_supply", "facility_agri")
_RANK = {Legality.LEGAL: 0, Legality.PENDING: 1, Legality.SUSPECTED: 2}


def parse_rules(text: str) -> RuleTable:
    """Parse a TOML rule table and check that every set it names exists."""
    try:
        data = tomllib.loads(text)
        table = RuleTable.model_validate(data)
    except (tomllib.TOMLDecodeError, ValueError) as exc:
        raise ChangeRuleError(f"invalid change rule table: {exc}") from None
    known_layers = set(CONTROL_KINDS)
    for rule in table.rules:
        for name in (*rule.from_sets, *rule.from_not, *rule.to_sets, *rule.to_not):
            if name not in table.sets:
                raise ChangeRuleError(f"rule {rule.id} names unknown class set {name!r}")
        for kind in (rule.within, rule.outside):
            if kind and kind not in known_layers:
                raise ChangeRuleError(f"rule {rule.id}: unknown control layer {kind!r}")
    ids = [r.id for r in table.rules]
    if len(ids) != len(set(ids)):
        raise ChangeRuleError("rule ids must be unique")
    table.checksum = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return table


def default_rules() -> RuleTable:
    """Return the built-in rule table (``onemap/change/default_rules.toml``)."""
    text = resources.files("onemap.change").joinpath("default_rules.toml").read_text("utf-8")
    return parse_rules(text)


def in_set(codes: npt.ArrayLike, members: list[str]) -> npt.NDArray[np.bool_]:
    """Tell which codes belong to a class set (codes, ``prefix*``, @construction, @farmland).

    Examples
    --------
    >>> in_set(["0101", "0201K", "0702", ""], ["@farmland", "02*"]).tolist()
    [True, True, False, False]
    """
    s = pd.Series(np.asarray(codes, dtype=object)).fillna("").astype(str)
    exact: set[str] = set()
    prefixes: list[str] = []
    for m in members:
        if m == "@construction":
            exact |= construction_codes()
        elif m == "@farmland":
            exact |= farmland_codes()
        elif m.endswith("*"):
            prefixes.append(m[:-1])
        else:
            exact.add(m)
    hit = np.array(s.isin(exact).to_numpy(), dtype=bool)
    if prefixes:
        hit |= s.str.startswith(tuple(prefixes)).to_numpy(dtype=bool)
    return np.asarray(hit & (s != "").to_numpy(), dtype=bool)


def _any_of(codes: npt.ArrayLike, names: list[str], table: RuleTable) -> npt.NDArray[np.bool_]:
    members = [m for n in names for m in table.sets[n]]
    return in_set(codes, members)


def rule_mask(rule: ClassRule, table: RuleTable, frame: pd.DataFrame,
              overlaps: Mapping[str, npt.NDArray[np.float64]]) -> npt.NDArray[np.bool_]:
    """Tell which patches of ``frame`` fall in the class of ``rule``."""
    f, t = frame["from_code"].to_numpy(), frame["to_code"].to_numpy()
    mask = np.ones(len(frame), dtype=bool)
    if rule.from_sets:
        mask &= _any_of(f, rule.from_sets, table)
    if rule.from_not:
        mask &= ~_any_of(f, rule.from_not, table) & (frame["from_code"] != "").to_numpy()
    if rule.to_sets:
        mask &= _any_of(t, rule.to_sets, table)
    if rule.to_not:
        mask &= ~_any_of(t, rule.to_not, table) & (frame["to_code"] != "").to_numpy()
    area = frame["area_m2"].to_numpy(dtype=float)
    least = np.maximum(max(rule.min_overlap_m2, 1e-9), rule.min_share * area)
    for kind in (rule.within, rule.outside):
        if kind and kind not in overlaps:  # layer not held: the rule cannot be judged
            return np.zeros(len(frame), dtype=bool)
    if rule.within:
        mask &= overlaps[rule.within] >= least
    if rule.outside:
        mask &= area - overlaps[rule.outside] >= least
    return mask


def classify_patches(patches: gpd.GeoDataFrame, layers: Mapping[str, gpd.GeoDataFrame],
                     table: RuleTable) -> gpd.GeoDataFrame:
    """Add change classes, overlaps, approval shares, ledger effect and legality.

    Parameters
    ----------
    patches
        Output of :func:`onemap.change.diff.diff_vintages` (or imagery patches): at least
        ``from_code``, ``to_code``, ``area_m2`` and geometry.
    layers
        Control and approval layers of the same county by kind. A control kind that is
        absent (not held by the workspace) disables the rules that need it; pass an empty
        frame for a layer that is held but has nothing in this county.
    table
        The classification table.

    Returns
    -------
    GeoDataFrame
        ``patches`` plus ``classes`` (list of rule ids), ``overlaps_m2`` (dict kind → m²),
        ``approvals`` (list of dicts kind/ref/area_m2/share), ``approval_share``,
        ``ledger`` and ``legality``.
    """
    out = patches.copy()
    geoms = out.geometry.to_numpy()
    area = out["area_m2"].to_numpy(dtype=float)
    overlaps = {k: area_inside(geoms, _geoms(layers, k)) for k in CONTROL_KINDS if k in layers}
    covered = area_inside(geoms, np.concatenate([_geoms(layers, k) for k in COVERING_KINDS]))
    share = np.divide(covered, area, out=np.zeros_like(area), where=area > 0).clip(0, 1)
    out["approval_share"] = share
    out["approvals"] = _approval_lists(geoms, area, layers)
    out["overlaps_m2"] = [{k: float(v[i]) for k, v in overlaps.items() if v[i] > 0}
                          for i in range(len(out))]
    classes: list[list[str]] = [[] for _ in range(len(out))]
    legal = np.zeros(len(out), dtype=int)  # rank
    ledger = np.full(len(out), "", dtype=object)
    for rule in table.rules:
        hit = rule_mask(rule, table, out, overlaps)
        for i in np.flatnonzero(hit):
            classes[i].append(rule.id)
        rank = _judge(rule, share, table)
        legal[hit] = np.maximum(legal[hit], rank[hit])
        if rule.ledger:
            ledger[hit & (ledger == "")] = rule.ledger
    names = {v: k for k, v in _RANK.items()}
    out["classes"] = classes
    out["ledger"] = ledger
    out["legality"] = [names[r].value for r in legal]
    return out


def _judge(rule: ClassRule, share: npt.NDArray[np.float64],
           table: RuleTable) -> npt.NDArray[np.int_]:
    n = len(share)
    if rule.judgement == "suspect":
        return np.full(n, _RANK[Legality.SUSPECTED])
    if rule.judgement == "review":
        return np.full(n, _RANK[Legality.PENDING])
    if rule.judgement == "approval":
        rank = np.full(n, _RANK[Legality.PENDING])
        rank[share >= table.legal_min_share] = _RANK[Legality.LEGAL]
        rank[share < table.suspect_max_share] = _RANK[Legality.SUSPECTED]
        return rank
    return np.zeros(n, dtype=int)


def _geoms(layers: Mapping[str, gpd.GeoDataFrame], kind: str) -> npt.NDArray[np.object_]:
    frame = layers.get(kind)
    if frame is None or len(frame) == 0:
        return np.array([], dtype=object)
    return np.asarray(frame.geometry.to_numpy(), dtype=object)


def _approval_lists(geoms: npt.NDArray[np.object_], area: npt.NDArray[np.float64],
                    layers: Mapping[str, gpd.GeoDataFrame]) -> list[list[dict[str, object]]]:
    out: list[list[dict[str, object]]] = [[] for _ in range(len(geoms))]
    for kind, col in APPROVAL_KINDS.items():
        frame = layers.get(kind)
        if frame is None or len(frame) == 0:
            continue
        refs = frame[col] if col in frame.columns else pd.Series(
            [f"{kind}-{i + 1}" for i in range(len(frame))])
        rec = area_by_record(geoms, np.asarray(frame.geometry.to_numpy(), dtype=object),
                             refs.fillna("").astype(str).to_numpy())
        for p, ref, a in zip(rec["patch"], rec["ref"], rec["area_m2"], strict=True):
            share = float(a / area[p]) if area[p] > 0 else 0.0
            out[int(p)].append({"kind": kind, "ref": ref, "area_m2": float(a),
                                "share": round(min(share, 1.0), 6)})
    return out
