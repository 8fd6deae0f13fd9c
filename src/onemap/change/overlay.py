"""Overlay kernels of change classification: area of each patch inside a layer, per record.

Pure: arrays of shapely geometries in, numpy arrays and frames out. Areas are m² on the
CGCS2000 ellipsoid (:func:`onemap.geometry.area.ellipsoidal_area`).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from onemap.geometry.area import ellipsoidal_area

Geoms = npt.NDArray[np.object_]


def _pairs(patches: Geoms, layer: Geoms) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    if len(patches) == 0 or len(layer) == 0:
        empty = np.array([], dtype=np.intp)
        return empty, empty
    tree = shapely.STRtree(layer)
    pi, li = tree.query(patches, predicate="intersects")
    return pi, li


def area_inside(patches: Geoms, layer: Geoms) -> npt.NDArray[np.float64]:
    """Area (m²) of each patch inside the union of ``layer`` (overlapping records once).

    Examples
    --------
    >>> import shapely
    >>> a = np.array([shapely.box(116, 28, 116.01, 28.01)])
    >>> b = np.array([shapely.box(116, 28, 116.005, 28.01), shapely.box(116, 28, 116.005, 28.01)])
    >>> bool(np.isclose(area_inside(a, b)[0] * 2, area_inside(a, a[:1])[0], rtol=1e-6))
    True
    """
    out = np.zeros(len(patches))
    pi, li = _pairs(patches, layer)
    if len(pi) == 0:
        return out
    pieces = shapely.intersection(patches[pi], layer[li])
    order = np.argsort(pi, kind="stable")
    pi, pieces = pi[order], pieces[order]
    uniq, first, counts = np.unique(pi, return_index=True, return_counts=True)
    merged = np.empty(len(uniq), dtype=object)
    merged[counts == 1] = pieces[first[counts == 1]]
    for k in np.flatnonzero(counts > 1):
        merged[k] = shapely.union_all(pieces[first[k]:first[k] + counts[k]])
    out[uniq] = ellipsoidal_area(_polygonal(merged))
    return out


def area_by_record(patches: Geoms, layer: Geoms, refs: npt.ArrayLike) -> pd.DataFrame:
    """Area (m²) of each patch inside each record of ``layer``: columns patch, ref, area_m2."""
    pi, li = _pairs(patches, layer)
    if len(pi) == 0:
        return pd.DataFrame({"patch": pd.Series(dtype=int), "ref": pd.Series(dtype=str),
                             "area_m2": pd.Series(dtype=float)})
    pieces = shapely.intersection(patches[pi], layer[li])
    refs_arr = np.asarray(refs, dtype=object)
    frame = pd.DataFrame({"patch": pi, "ref": refs_arr[li].astype(str),
                          "area_m2": ellipsoidal_area(_polygonal(pieces))})
    frame = frame.groupby(["patch", "ref"], as_index=False, sort=True)["area_m2"].sum()
    return frame[frame["area_m2"] > 0].reset_index(drop=True)


def dominant_class(patches: Geoms, layer: Geoms, codes: npt.ArrayLike,
                   extra: npt.ArrayLike | None = None) -> tuple[list[str], list[str]]:
    """Return, per patch, the class covering most of it in ``layer`` (and that row's ``extra``)."""
    n = len(patches)
    best, best_extra = [""] * n, [""] * n
    pi, li = _pairs(patches, layer)
    if len(pi) == 0:
        return best, best_extra
    areas = ellipsoidal_area(_polygonal(shapely.intersection(patches[pi], layer[li])))
    codes_arr = np.asarray(codes, dtype=object)
    extra_arr = np.asarray(extra if extra is not None else np.full(len(layer), ""), dtype=object)
    frame = pd.DataFrame({"p": pi, "code": codes_arr[li].astype(str), "a": areas,
                          "x": extra_arr[li].astype(str)})
    by_code = frame.groupby(["p", "code"], as_index=False).agg(a=("a", "sum"), x=("x", "first"))
    top = by_code.sort_values(["p", "a"], ascending=[True, False]).drop_duplicates("p")
    for p, code, x in zip(top["p"], top["code"], top["x"], strict=True):
        best[int(p)], best_extra[int(p)] = code, x
    return best, best_extra


def _polygonal(geoms: Geoms) -> Geoms:
    """Keep the polygonal part of each geometry (intersections may add lines and points)."""
    out = np.asarray(geoms, dtype=object).copy()
    mixed = shapely.get_type_id(out) == shapely.GeometryType.GEOMETRYCOLLECTION
    for k in np.flatnonzero(mixed):
        parts = [p for p in shapely.get_parts(out[k])
                 if shapely.get_type_id(p) in (3, 6)]
        out[k] = shapely.union_all(parts) if parts else shapely.Polygon()
    return out
