"""CRS of OGC API – Features Part 2: CRS84, CGCS2000 (EPSG:4490) and its Gauss–Krüger zones."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import shapely
from pyproj import CRS, Transformer

from onemap.errors import InvalidInput

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
EPSG_URI = "http://www.opengis.net/def/crs/EPSG/0/{}"
STORAGE_EPSG = 4490
GK_EPSG = range(4513, 4555)  # CGCS2000 3-degree Gauss–Krüger, zones 25–45 and CM 75°E–135°E


def supported_crs() -> list[str]:
    """Return the CRS URIs every collection offers (CRS84 first, as Part 1 requires)."""
    return [CRS84, EPSG_URI.format(STORAGE_EPSG), *(EPSG_URI.format(e) for e in GK_EPSG)]


def parse_crs(uri: str | None) -> int | None:
    """Return the EPSG code named by a CRS URI (None for CRS84) or raise InvalidInput.

    Examples
    --------
    >>> parse_crs(None), parse_crs(CRS84), parse_crs("http://www.opengis.net/def/crs/EPSG/0/4527")
    (None, None, 4527)
    >>> parse_crs("EPSG:4490")
    4490
    """
    if uri is None or uri.strip() in (CRS84, "CRS84", "OGC:CRS84", "[OGC:CRS84]"):
        return None
    text = uri.strip().strip("[]")
    code: str | None = None
    if text.startswith("http://www.opengis.net/def/crs/EPSG/0/"):
        code = text.rsplit("/", 1)[-1]
    elif text.upper().startswith("EPSG:"):
        code = text.split(":", 1)[1]
    if code is not None and code.isdigit():
        epsg = int(code)
        if epsg == STORAGE_EPSG or epsg in GK_EPSG:
            return epsg
    raise InvalidInput(f"unsupported crs {uri!r}; use CRS84, EPSG:4490 or EPSG:4513-4554",
                       user_message=f"不支持的坐标系 (unsupported crs): {uri}")


def crs_uri(epsg: int | None) -> str:
    """Return the URI of an EPSG code (CRS84 for None)."""
    return CRS84 if epsg is None else EPSG_URI.format(epsg)


@lru_cache(maxsize=64)
def _transformer(src: int, dst: int) -> Transformer:
    return Transformer.from_crs(CRS.from_epsg(src), CRS.from_epsg(dst), always_xy=True)


def _swap(xy: np.ndarray) -> np.ndarray:
    return xy[:, ::-1].copy()


def from_storage(geoms: np.ndarray, epsg: int | None) -> np.ndarray:
    """Transform EPSG:4490 (lon, lat) geometries to ``epsg`` in its authority axis order.

    CRS84 keeps lon/lat; EPSG:4490 answers lat/lon; Gauss–Krüger answers
    northing/easting (X, Y), as the EPSG definitions order their axes.
    """
    if epsg is None:
        return geoms
    if epsg == STORAGE_EPSG:
        return np.asarray(shapely.transform(geoms, _swap))
    tr = _transformer(STORAGE_EPSG, epsg)

    def project(xy: np.ndarray) -> np.ndarray:
        x, y = tr.transform(xy[:, 0], xy[:, 1])
        return np.column_stack([y, x])

    return np.asarray(shapely.transform(geoms, project))


def to_storage(geoms: np.ndarray, epsg: int | None) -> np.ndarray:
    """Transform geometries given in ``epsg`` (authority axis order) to EPSG:4490 lon/lat."""
    if epsg is None:
        return geoms
    if epsg == STORAGE_EPSG:
        return np.asarray(shapely.transform(geoms, _swap))
    tr = _transformer(epsg, STORAGE_EPSG)

    def unproject(xy: np.ndarray) -> np.ndarray:
        lon, lat = tr.transform(xy[:, 1], xy[:, 0])
        return np.column_stack([lon, lat])

    return np.asarray(shapely.transform(geoms, unproject))


def bbox_to_storage(bbox: tuple[float, float, float, float], epsg: int | None
                    ) -> tuple[float, float, float, float]:
    """Return a bbox given in ``epsg`` (authority axis order) as a lon/lat bbox in EPSG:4490."""
    if epsg is None:
        return bbox
    ring = shapely.segmentize(shapely.box(*bbox), max(bbox[2] - bbox[0], bbox[3] - bbox[1]) / 16)
    got = to_storage(np.array([ring]), epsg)[0]
    b = shapely.bounds(got)
    return float(b[0]), float(b[1]), float(b[2]), float(b[3])
