"""Overlap of mining and exploration rights with control layers, and the rule that applies.

For every right and every control layer (生态保护红线, 自然保护地 core and general zones,
永久基本农田, 城镇开发边界, 地质灾害风险区) the ellipsoidal overlap area (m², CGCS2000)
and its share of the right, with the action of the rule file: a new right (申请) gets
``new`` (e.g. refused in a core zone), an existing one ``existing`` (e.g. 退出).

Pure module: frames in, models out; no file, database or clock access.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import shapely

from onemap.geometry.area import ellipsoidal_area
from onemap.geometry.overlay import intersect_pairs
from onemap.mining.models import ACTION_ZH, ConflictRow
from onemap.mining.rules import rule_for, zone_of
from onemap.standards.units import M2_PER_HA, M2_PER_MU

if TYPE_CHECKING:
    import geopandas as gpd

    from onemap.mining.models import ConflictRule, MiningRules

RIGHT_COLUMNS = ("right_no", "right_type", "county", "status", "area_m2")


def control_groups(kind: str, frame: gpd.GeoDataFrame) -> dict[str, np.ndarray]:
    """Split a control layer into zones: nature reserves by 功能分区, others whole."""
    geoms = frame.geometry.to_numpy()
    if kind != "nature_reserve" or "ZONE" not in frame.columns:
        return {"": geoms}
    zones = np.array([zone_of(z) for z in frame["ZONE"]], dtype=object)
    return {z: geoms[zones == z] for z in ("core", "general") if (zones == z).any()}


def _group_overlaps(rights: np.ndarray, controls: np.ndarray,
                    right_area: np.ndarray) -> dict[int, float]:
    """Overlap area of each right with the union of ``controls`` (exact where they overlap)."""
    if len(rights) == 0 or len(controls) == 0:
        return {}
    pairs = intersect_pairs(rights, controls)
    out: dict[int, float] = {}
    for i in np.unique(pairs.left):
        hit = pairs.left == i
        if hit.sum() == 1:
            out[int(i)] = float(pairs.area[hit][0])
            continue
        # several control polygons: they may overlap each other, so clip to their union
        union = shapely.union_all(controls[pairs.right[hit]])
        piece = shapely.intersection(rights[i], union)
        out[int(i)] = float(ellipsoidal_area([piece])[0])
    for i, a in list(out.items()):
        out[i] = min(a, float(right_area[i]))
    return out


def _row(right: dict[str, object], rule: ConflictRule, overlap: float) -> ConflictRow:
    area = float(right["area_m2"])  # type: ignore[arg-type]
    action = rule.new if right["status"] == "application" else rule.existing
    return ConflictRow(
        right_no=str(right["right_no"]), right_type=right["right_type"],
        county=str(right["county"]), status=right["status"],
        layer=rule.layer, zone=rule.zone, title=rule.title, overlap_m2=overlap,
        overlap_ha=overlap / M2_PER_HA, overlap_mu=overlap / M2_PER_MU,
        share=overlap / area if area > 0 else 0.0, action=action,
        action_zh=ACTION_ZH[action], rule=rule.text)


def find_conflicts(rights: gpd.GeoDataFrame, controls: dict[str, gpd.GeoDataFrame],
                   rules: MiningRules) -> list[ConflictRow]:
    """Return every (right, control layer/zone) overlap of at least ``min_overlap_m2``.

    Parameters
    ----------
    rights : GeoDataFrame
        Columns ``right_no``, ``right_type``, ``county``, ``status``, ``area_m2`` and
        (Multi)Polygons in EPSG:4490.
    controls : dict of layer kind → GeoDataFrame
        Control layers in EPSG:4490 (``nature_reserve`` with its ``ZONE`` column).
    rules : MiningRules
        The rule file; layers without a rule are not checked.

    Notes
    -----
    Areas are ellipsoidal on CGCS2000 (m²). A right crossing several polygons of one
    layer is clipped to their union, so overlapping control polygons are counted once.
    """
    if len(rights) == 0:
        return []
    geoms = rights.geometry.to_numpy()
    area = rights["area_m2"].to_numpy(dtype=float)
    records = rights[list(RIGHT_COLUMNS)].to_dict("records")
    out: list[ConflictRow] = []
    for kind, frame in controls.items():
        for zone, cgeoms in control_groups(kind, frame).items():
            rule = rule_for(rules, kind, zone)
            if rule is None:
                continue
            for i, overlap in sorted(_group_overlaps(geoms, cgeoms, area).items()):
                if overlap >= rules.min_overlap_m2:
                    out.append(_row(records[i], rule, overlap))
    return out
