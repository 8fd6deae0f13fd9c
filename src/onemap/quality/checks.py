"""The per-county QC kernel: run every check that applies to a layer kind on one county."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from onemap.geometry.area import ellipsoidal_area
from onemap.quality.attributes import check_area_fields, check_codes
from onemap.quality.coverage import coverage_suspects, find_gaps, find_overlaps
from onemap.quality.findings import make_findings
from onemap.quality.geometry_checks import check_geometry, usable_geometries
from onemap.quality.location import find_outside_county

if TYPE_CHECKING:
    import pandas as pd
    import shapely

    from onemap.quality.models import QcFinding, QcOptions

ID_FIELDS = ("BSM", "ZHDBH", "XKZH", "PZWH", "GDBH", "JCBH", "BABH")  # first present is the id


def feature_ids(frame: pd.DataFrame) -> list[str]:
    """Return each feature's id (BSM or the kind's number field), else its row (``#n``)."""
    field = next((f for f in ID_FIELDS if f in frame.columns), None)
    if field is not None:
        values: list[str] = frame[field].astype("string").fillna("").str.strip().tolist()
        return values
    return [f"#{i}" for i in range(len(frame))]


def check_county(
    frame: pd.DataFrame,
    county: str,
    county_geom: shapely.Geometry | None,
    options: QcOptions,
    *,
    coverage: bool,
    land_use: bool,
    code_field: str = "ZLDWDM",
) -> list[QcFinding]:
    """Run the checks on one county partition of a layer.

    Parameters
    ----------
    frame : pandas.DataFrame
        The county's features with a ``geometry`` column (EPSG:4490).
    county : str
        6-digit county code (the partition key, from ZLDWDM/XZQDM).
    county_geom : shapely geometry or None
        The county polygon from admin_county; None skips gap and location checks
        (and reports ``COUNTY_BOUNDARY_MISSING``).
    coverage : bool
        The layer must tile its county (overlap and gap checks).
    land_use : bool
        The layer carries DLTB attributes (codes and area-field rules).
    code_field : str
        The field whose first 6 digits name the county (ZLDWDM for DLTB, else XZQDM).

    Returns
    -------
    list of QcFinding
    """
    ids = feature_ids(frame)
    geoms = np.asarray(frame.geometry.to_numpy(), dtype=object)
    out = check_geometry(ids, geoms, county)
    fixed = usable_geometries(geoms)
    suspects = coverage_suspects(fixed) if coverage else None
    if coverage:
        out += find_overlaps(ids, fixed, county, sliver_tolerance_m2=options.sliver_tolerance_m2,
                             sliver_width_m=options.sliver_width_m,
                             wkt_decimals=options.wkt_decimals, suspects=suspects)
    if county_geom is None:
        out += make_findings("COUNTY_BOUNDARY_MISSING", county,
                             [f"县级行政区 {county} 无边界 (admin_county), 未检查缝隙与坐落"],
                             [f"no admin_county polygon for {county}: gaps and location "
                              "not checked"])
    else:
        if coverage:
            out += find_gaps(fixed, county_geom, county,
                             sliver_tolerance_m2=options.sliver_tolerance_m2,
                             sliver_width_m=options.sliver_width_m,
                             wkt_decimals=options.wkt_decimals, suspects=suspects)
        out += find_outside_county(ids, geoms, county_geom, county, code_field)
    if land_use:
        out += check_codes(frame, ids, geoms, county)
        out += check_area_fields(frame, ids, geoms, ellipsoidal_area(fixed), county, options)
    return out
