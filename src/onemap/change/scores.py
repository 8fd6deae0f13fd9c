"""Detection quality against a verified sample (核查样本): recall, precision, area error.

Pure. A truth item is *found* when patches cover at least ``min_cover`` of it; its
area error compares the summed area of those patches (the part overlapping the truth
item) with the truth area.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely

from onemap.change.models import DetectionScores, Legality, ScoreTally
from onemap.geometry.area import ellipsoidal_area


@dataclass(frozen=True)
class TruthItem:
    """One verified change: geometry (lon/lat), whether it is a violation, above thresholds.

    ``county`` (6-digit code, '' unknown) lets a batch keep its scores per county, so a
    county user's view of the batch scores only that county's sample.
    """

    geometry: shapely.Geometry
    violation: bool
    above_threshold: bool = True
    key: str = ""
    county: str = ""


def truth_from_frame(frame: object, *, legal_column: str = "legal",
                     key_column: str = "patch_id",
                     county_column: str = "county") -> list[TruthItem]:
    """Verified-sample items from a frame with geometry and a boolean ``legal`` column."""
    geoms = frame.geometry  # type: ignore[attr-defined]
    legal = frame[legal_column]  # type: ignore[index]
    cols = frame.columns  # type: ignore[attr-defined]
    keys = frame[key_column] if key_column in cols else [""] * len(geoms)  # type: ignore[index]
    counties = (frame[county_column] if county_column in cols  # type: ignore[index]
                else [""] * len(geoms))
    return [TruthItem(g, not bool(ok), True, str(k), str(c))
            for g, ok, k, c in zip(geoms, legal, keys, counties, strict=True)]


def tally_detection(patch_geoms: list[shapely.Geometry], legality: list[str],
                    truth: list[TruthItem], *, min_cover: float = 0.5) -> ScoreTally:
    """Count what :func:`score_detection` reports, as sums that add up over counties.

    A truth item is *found* when patches cover at least ``min_cover`` of it.
    """
    geoms = np.asarray(patch_geoms, dtype=object)
    tree = shapely.STRtree(geoms) if len(geoms) else None
    flagged_ok = {Legality.SUSPECTED.value, Legality.PENDING.value}
    found = found_violations = legal_bad = 0
    max_err = 0.0
    suspect_hits: set[int] = set()
    above = [t for t in truth if t.above_threshold]
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
    return ScoreTally(
        truth_count=len(truth), truth_above_threshold=len(above),
        truth_violations=sum(1 for t in above if t.violation), found=found,
        true_violations_found=found_violations,
        predicted_violations=sum(1 for v in legality if v == Legality.SUSPECTED.value),
        suspects_confirmed=len(suspect_hits), legal_flagged_as_violation=legal_bad,
        max_area_rel_error=max_err)


def scores_from_tally(tally: ScoreTally, sample: str) -> DetectionScores:
    """Turn counts (of one county or summed over several) into recall and precision."""
    t = tally
    return DetectionScores(
        sample=sample, truth_count=t.truth_count, truth_above_threshold=t.truth_above_threshold,
        found=t.found,
        recall=t.true_violations_found / t.truth_violations if t.truth_violations else 1.0,
        predicted_violations=t.predicted_violations,
        true_violations_found=t.true_violations_found,
        precision=(t.suspects_confirmed / t.predicted_violations
                   if t.predicted_violations else 1.0),
        legal_flagged_as_violation=t.legal_flagged_as_violation,
        max_area_rel_error=t.max_area_rel_error)


def add_tallies(tallies: list[ScoreTally]) -> ScoreTally:
    """Sum county tallies (the largest area error is kept, not summed)."""
    fields = [f for f in ScoreTally.model_fields if f != "max_area_rel_error"]
    total = {f: sum(getattr(t, f) for t in tallies) for f in fields}
    return ScoreTally(**total, max_area_rel_error=max(
        (t.max_area_rel_error for t in tallies), default=0.0))


def score_detection(patch_geoms: list[shapely.Geometry], legality: list[str],
                    truth: list[TruthItem], *, sample: str = "ground truth",
                    min_cover: float = 0.5) -> DetectionScores:
    """Compare patches with the truth.

    ``recall`` is over truth violations above the thresholds: found and flagged
    (疑似违法 or 待核查). ``precision`` is over patches flagged 疑似违法: the share that
    overlaps a truth violation. ``legal_flagged_as_violation`` counts truth-legal items
    covered by a patch flagged 疑似违法. ``max_area_rel_error`` is over found items.
    """
    return scores_from_tally(tally_detection(patch_geoms, legality, truth,
                                             min_cover=min_cover), sample)
