"""Ellipsoidal area of every feature or parcel of a file (``onemap area``, deliverable checks)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from onemap.geometry.area import ellipsoidal_area
from onemap.standards.units import convert_area
from onemap.store.formats.features import load_features
from onemap.store.formats.models import FeatureArea
from onemap.store.formats.naming import named_source

if TYPE_CHECKING:
    from pathlib import Path

ID_COLUMNS = ("BSM", "DKBH", "ID", "id", "FID", "OBJECTID", "XKZH", "PZWH", "GDBH", "JCBH")
NAME_COLUMNS = ("DKMC", "XMMC", "BHQMC", "KQMC", "MC", "XZQMC", "DLMC", "NAME", "name")


def _text_column(frame: pd.DataFrame, names: tuple[str, ...]) -> pd.Series | None:
    for n in names:
        if n in frame.columns:
            col = frame[n].astype("string").fillna("").str.strip()
            if (col != "").any():
                return col
    return None


def measure_features(path: str | Path, *, encoding: str | None = None,
                     crs: str | int | None = None, layer: str | None = None,
                     source_name: str | None = None) -> list[FeatureArea]:
    """Return the ellipsoidal area (m², CGCS2000) of every feature or TXT parcel of ``path``.

    ``planar_area_m2`` is the area in the source Gauss–Krüger zone when the file is
    projected (the 报批 TXT's DKMJ is planar); ``declared_area_m2`` is DKMJ × 10 000
    for a coordinate TXT and TBMJ for a DLTB layer. Errors name the file ``source_name``
    (an upload's file name) when given, not ``path``.
    """
    with named_source(path, source_name):
        loaded = load_features(path, encoding=encoding, crs=crs, layer=layer)
    frame = loaded.frame
    areas = ellipsoidal_area(frame.geometry.to_numpy())
    planar = None
    if loaded.native.crs is not None and loaded.native.crs.is_projected:
        planar = shapely.area(loaded.native.to_numpy())
    ids = _text_column(frame, ID_COLUMNS)
    names = _text_column(frame, NAME_COLUMNS)
    declared = _declared(frame)
    out = []
    for i in range(len(frame)):
        a = float(areas[i])
        out.append(FeatureArea(
            id=str(ids.iloc[i]) if ids is not None and ids.iloc[i] else str(i + 1),
            index=i, line=loaded.lines[i] if loaded.lines else None,
            name=str(names.iloc[i]) if names is not None else "",
            area_m2=a, area_ha=convert_area(a, "ha"), area_mu=convert_area(a, "mu"),
            planar_area_m2=float(planar[i]) if planar is not None else None,
            declared_area_m2=None if declared is None or np.isnan(declared[i])
            else float(declared[i])))
    return out


def _declared(frame: pd.DataFrame) -> npt.NDArray[np.float64] | None:
    for column, factor in (("DKMJ", 10_000.0), ("TBMJ", 1.0)):
        if column in frame.columns:
            values = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=np.float64)
            return np.asarray(values * factor, dtype=np.float64)
    return None
