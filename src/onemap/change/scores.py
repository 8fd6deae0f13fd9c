"""Detection quality against a verified sample (核查样本): recall, precision, area error.

Pure. A truth item is *found* when patches cover at least ``min_cover`` of it; its
area error compares the summed area of those patches (the part overlapping the truth
item) with the truth area.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely

from onemap.change.models import DetectionScores, Legality
from onemap.geometry.area import ellipsoidal_area


@dataclass(frozen=True)
class TruthItem:
    """One verified change: geometry (lon/lat), whether it is a violation, above thresholds."""

    geometry: shapely.Geometry
    violation: bool
    above_threshold: bool = True
    key: str = ""


def truth_from_frame(frame: object, *, legal_column: str = "legal",
                     key_column: str = "patch_id") -> list[TruthItem]:
    """Verified-sample items from a frame with geometry and a boolean ``legal`` column."""
    geoms = frame.geometry  # type: ignore[attr-defined]
    legal = frame[legal_column]  # type: ignore[index]
    keys = frame[key_column] if key_column in frame.columns else [""] * len(geoms)  # type: ignore[attr-defined,index]
    return [TruthItem(g, not bool(ok), True, str(k))
            for g, ok, k in zip(geoms, legal, keys, strict=True)]


def score_detection(patch_geoms: list[shapely.Geometry], legality: list[str],
                    truth: list[TruthItem], *, sample: str = "ground truth",
                    min_cover: float = 0.5) -> DetectionScores:
    """Compare patches with the truth.

    ``recall`` is over truth violations above the thresholds: found and flagged
    (疑似违法 or 待核查). ``precision`` is over patches flagged 疑似违法: the share that
    overlaps a truth violation. ``legal_flagged_as_violation`` counts truth-legal items
    covered by a patch flagged 疑似违法. ``max_area_rel_error`` is over found items.
    """
    geoms = np.asarray(patch_geoms, dtype=object)
    tree = shapely.STRtree(geoms) if len(geoms) else None
    flagged_ok = {Legality.SUSPECTED.value, Legality.PENDING.value}
    found = found_violations = legal_bad = 0
    max_err = 0.0
    suspect_hits: set[int] = set()
    above = [t for t in truth if t.above_threshold]
    wanted = [t for t in above if t.violation]
    for item in above:
        hits = ([] if tree is None else
                [int(i) for i in tree.query(item.geometry, predicate="intersects")])
        pieces = [shapely.intersection(geoms[i], item.geometry) for i in hits]
        areas = ellipsoidal_area(np.array(pieces, dtype=object)) if pieces else np.array([])
        keep = [h for h, a in zip(hits, areas, strict=True) if a > 0]
        truth_area = float(ellipsoidal_area(np.array([item.geometry], dtype=object))[0])
        covered = float(areas.sum()) if len(areas) else 0.0
        if truth_area <= 0 or covered / truth_area < min_cover:
            continue
        found += 1
        patch_area = float(ellipsoidal_area(geoms[keep]).sum())
        max_err = max(max_err, abs(patch_area - truth_area) / truth_area)
        flags = {legality[h] for h in keep}
        if item.violation:
            if flags & flagged_ok:
                found_violations += 1
            suspect_hits.update(h for h in keep if legality[h] == Legality.SUSPECTED.value)
        elif Legality.SUSPECTED.value in flags:
            legal_bad += 1
    predicted = sum(1 for v in legality if v == Legality.SUSPECTED.value)
    return DetectionScores(
        sample=sample, truth_count=len(truth), truth_above_threshold=len(above), found=found,
        recall=found_violations / len(wanted) if wanted else 1.0,
        predicted_violations=predicted, true_violations_found=found_violations,
        precision=len(suspect_hits) / predicted if predicted else 1.0,
        legal_flagged_as_violation=legal_bad, max_area_rel_error=max_err)
