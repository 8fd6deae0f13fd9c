"""Registration QC of units (登记单元质检): numbers, types, ownership, forbidden overlaps.

Two units of the same type must not overlap (登记单元不得重叠, for every type the
standards table marks ``forbidden``); the overlap area comes from the overlay kernel.
Pure module: a frame in, findings out.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from onemap.geometry.area import ellipsoidal_area
from onemap.geometry.overlay import intersect_pairs
from onemap.registry.models import QcFinding
from onemap.registry.unit_number import number_problems
from onemap.standards.registration import OWNERSHIP, unit_types

if TYPE_CHECKING:
    import geopandas as gpd

MIN_OVERLAP_M2 = 1.0
MIN_OVERLAP_SHARE = 1e-8
"""Overlaps below ``max(MIN_OVERLAP_M2, MIN_OVERLAP_SHARE × smaller unit)`` are not findings.

Units drawn from the survey share its boundaries; where two counties' DLTB meet, their
edges differ by millimetres, so units of the two sides overlap by a square metre or two
(4 m² between two 400 km² reserves). Anything larger is a real overlap.
"""


def check_units(units: gpd.GeoDataFrame, *, root_region: str) -> list[QcFinding]:
    """Return the QC findings of a unit frame (DJDYH, DJDYLX, SYQXZ, county, geometry).

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> f = gpd.GeoDataFrame({"DJDYH": ["36010223000001", "36010223000002", "12"],
    ...                       "DJDYLX": ["23", "23", "23"], "SYQXZ": ["全民所有"] * 3,
    ...                       "county": ["360102"] * 3},
    ...                      geometry=[shapely.box(115, 28, 115.01, 28.01),
    ...                                shapely.box(115.005, 28, 115.015, 28.01),
    ...                                shapely.box(116, 28, 116.01, 28.01)], crs=4490)
    >>> [(x.kind, x.unit, x.other) for x in check_units(f, root_region="360000")]
    [('invalid_number', '12', None), ('forbidden_overlap', '36010223000001', '36010223000002')]
    """
    findings: list[QcFinding] = []
    numbers = units["DJDYH"].astype(str).str.strip().tolist()
    types = units["DJDYLX"].astype(str).str.strip().tolist()
    owners = (units["SYQXZ"].fillna("").astype(str).str.strip().tolist()
              if "SYQXZ" in units.columns else [""] * len(units))
    counties = (units["county"].astype("string").fillna("").tolist()
                if "county" in units.columns else [""] * len(units))
    seen: dict[str, int] = {}
    for i, (num, typ, own, county) in enumerate(zip(numbers, types, owners, counties,
                                                   strict=True)):
        for kind, reason in number_problems(num, type_code=typ, county=county or None,
                                            root_region=root_region):
            findings.append(QcFinding(kind=kind, unit=num, feature=i, reason=reason))
        if own and own not in OWNERSHIP:
            findings.append(QcFinding(kind="invalid_ownership", unit=num, feature=i,
                                      reason=f"所有权性质 {own!r} is not {' / '.join(OWNERSHIP)}"))
        if num in seen:
            findings.append(QcFinding(kind="duplicate_number", unit=num, other=num, feature=i,
                                      reason=f"number also used by row {seen[num]}"))
        seen.setdefault(num, i)
    findings += _overlaps(units, numbers, types)
    return findings


def _overlaps(units: gpd.GeoDataFrame, numbers: list[str], types: list[str]) -> list[QcFinding]:
    """Same-type overlaps of the forbidden kinds, with the overlap area (m²)."""
    known = unit_types()
    geoms = units.geometry.to_numpy()
    pairs = intersect_pairs(geoms, geoms, assume_valid=False, with_geometry=True)
    typ = np.asarray(types, dtype=object)
    own = ellipsoidal_area(geoms) if len(geoms) else np.zeros(0)
    slack = np.maximum(MIN_OVERLAP_M2, MIN_OVERLAP_SHARE * np.minimum(own[pairs.left],
                                                                      own[pairs.right]))
    keep = ((pairs.left < pairs.right) & (typ[pairs.left] == typ[pairs.right])
            & (pairs.area >= slack))
    out = []
    for a, b, area in zip(pairs.left[keep], pairs.right[keep], pairs.area[keep], strict=True):
        t = known.get(types[a])
        if t is None or not t.same_type_overlap_forbidden:
            continue
        out.append(QcFinding(kind="forbidden_overlap", unit=numbers[a], other=numbers[b],
                             feature=int(a), overlap_m2=float(area),
                             reason=f"two {t.name_zh} units overlap by {area:,.2f} m² "
                                    "(同类登记单元不得重叠)"))
    return out
