"""Per-county totals of a detection batch, and their sum over the counties a user sees.

Pure: frames and models in, models out. A batch stores one :class:`CountyTotals` per
county; a county or city user's view of the batch is the sum over their counties, so it
never shows province totals (counts, area, legality, classes, sample scores).
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from onemap.change.models import CountyTotals, DetectionScores
from onemap.change.scores import TruthItem, add_tallies, scores_from_tally, tally_detection

if TYPE_CHECKING:
    import geopandas as gpd


def county_totals(patches: gpd.GeoDataFrame, counties: list[str],
                  truth: list[TruthItem] | None = None) -> dict[str, CountyTotals]:
    """Return the totals of every county in ``counties`` (zeros where it has no patch).

    With ``truth`` whose items all name their county, each county also gets its counts
    against its own part of the verified sample; otherwise ``tally`` is None.
    """
    by_county = dict(iter(patches.groupby("county", sort=True))) if len(patches) else {}
    per_county = truth is not None and all(t.county for t in truth)
    out = {}
    for county in counties:
        part = by_county.get(county, patches.iloc[0:0])
        tally = None
        if per_county and truth is not None:
            tally = tally_detection(list(part.geometry), [str(v) for v in part["legality"]],
                                    [t for t in truth if t.county == county])
        out[county] = CountyTotals(
            patches=len(part), area_m2=float(part["area_m2"].astype(float).sum()),
            by_legality=dict(Counter(str(v) for v in part["legality"])),
            by_class=dict(Counter(c for cl in part["classes"] for c in cl)), tally=tally)
    return out


def add_totals(parts: list[CountyTotals], sample: DetectionScores | None,
               ) -> tuple[CountyTotals, DetectionScores | None]:
    """Sum county totals; scores only when the batch has them and every county has a tally."""
    legality: Counter[str] = Counter()
    classes: Counter[str] = Counter()
    for p in parts:
        legality.update(p.by_legality)
        classes.update(p.by_class)
    tallies = [p.tally for p in parts if p.tally is not None]
    scores = None
    if sample is not None and parts and len(tallies) == len(parts):
        scores = scores_from_tally(add_tallies(tallies), sample.sample)
    total = CountyTotals(patches=sum(p.patches for p in parts),
                         area_m2=float(sum(p.area_m2 for p in parts)),
                         by_legality=dict(legality), by_class=dict(classes))
    return total, scores
