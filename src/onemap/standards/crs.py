"""CGCS2000 (EPSG:4490) and its 3-degree Gauss–Krüger zones (3度带高斯-克吕格投影)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import numpy.typing as npt
from pyproj import CRS, Transformer

from onemap.errors import CrsError

CGCS2000_GEOGRAPHIC = 4490  # 2000国家大地坐标系 (geographic)
CGCS2000_A = 6_378_137.0
CGCS2000_F = 1 / 298.257222101

_PREFIXED_FIRST, _PREFIXED_FIRST_ZONE = 4513, 25  # zones 25..45, with zone prefix
_CM_FIRST, _CM_FIRST_MERIDIAN = 4534, 75  # CM 75..135°E, no zone prefix


@dataclass(frozen=True)
class GaussKrugerZone:
    """One 3-degree Gauss–Krüger zone of CGCS2000.

    ``prefixed`` tells whether eastings carry the zone number in front
    (Y = zone × 1 000 000 + 500 000 + E).
    """

    zone: int
    prefixed: bool

    @property
    def central_meridian(self) -> int:
        """Central meridian in degrees east (3 × zone)."""
        return 3 * self.zone

    @property
    def epsg(self) -> int:
        """EPSG code of this zone (4513–4533 prefixed, 4534–4554 without prefix)."""
        if self.prefixed:
            return _PREFIXED_FIRST + self.zone - _PREFIXED_FIRST_ZONE
        return _CM_FIRST + (self.central_meridian - _CM_FIRST_MERIDIAN) // 3


def zone_for_longitude(lon: float) -> int:
    """Return the 3-degree zone number whose central meridian is nearest ``lon``.

    Examples
    --------
    >>> zone_for_longitude(115.8), zone_for_longitude(117.2)
    (39, 39)
    >>> zone_for_longitude(114.6)
    38
    """
    return int(np.floor(lon / 3.0 + 0.5))


def zone_from_epsg(epsg: int) -> GaussKrugerZone | None:
    """Return the CGCS2000 3-degree zone an EPSG code denotes, or None.

    Examples
    --------
    >>> zone_from_epsg(4527)
    GaussKrugerZone(zone=39, prefixed=True)
    >>> zone_from_epsg(4547)
    GaussKrugerZone(zone=38, prefixed=False)
    >>> zone_from_epsg(4490) is None
    True
    """
    if _PREFIXED_FIRST <= epsg <= _PREFIXED_FIRST + 20:
        return GaussKrugerZone(epsg - _PREFIXED_FIRST + _PREFIXED_FIRST_ZONE, True)
    if _CM_FIRST <= epsg <= _CM_FIRST + 20:
        return GaussKrugerZone((_CM_FIRST_MERIDIAN + 3 * (epsg - _CM_FIRST)) // 3, False)
    return None


def zone_from_easting(easting: float) -> int:
    """Detect the zone number from a zone-prefixed easting (8-digit Y).

    Examples
    --------
    >>> zone_from_easting(39_521_000.123)
    39
    >>> zone_from_easting(521_000.0)
    Traceback (most recent call last):
    ...
    onemap.errors.CrsError: easting 521000.0 carries no zone prefix (带号); give ...
    """
    zone = int(easting // 1_000_000)
    if not 25 <= zone <= 45:
        raise CrsError(
            f"easting {easting} carries no zone prefix (带号); give the zone or EPSG code"
        )
    return zone


def gauss_kruger_epsg(zone: int, *, prefixed: bool = True) -> int:
    """Return the EPSG code of CGCS2000 3-degree zone ``zone``.

    Examples
    --------
    >>> gauss_kruger_epsg(38), gauss_kruger_epsg(39, prefixed=False)
    (4526, 4548)
    """
    if not 25 <= zone <= 45:
        raise CrsError(f"3-degree zone {zone} is outside China's zones 25–45")
    return GaussKrugerZone(zone, prefixed).epsg


def crs_from_user(value: str | int | None) -> CRS:
    """Parse a user's CRS (``4490``, ``"EPSG:4527"``, WKT) into a pyproj CRS.

    Examples
    --------
    >>> crs_from_user("EPSG:4527").to_epsg()
    4527
    """
    if value is None or value == "":
        raise CrsError("no coordinate reference system given (缺少坐标系)")
    try:
        if isinstance(value, int) or str(value).isdigit():
            return CRS.from_epsg(int(value))
        return CRS.from_user_input(value)
    except Exception as exc:  # pyproj raises CRSError with a long message
        raise CrsError(f"unrecognised coordinate reference system {value!r}: {exc}") from None


@lru_cache(maxsize=64)
def transformer(src: int | str, dst: int | str) -> Transformer:
    """Return a cached always-xy transformer between two CRS.

    Examples
    --------
    >>> t = transformer(4526, 4490)
    >>> lon, lat = t.transform(38_500_000.0, 3_000_000.0)
    >>> round(lon, 6)
    114.0
    """
    return Transformer.from_crs(crs_from_user(src), crs_from_user(dst), always_xy=True)


def to_geographic(
    x: npt.ArrayLike, y: npt.ArrayLike, src: int | str
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Transform arrays of x/y (easting/northing) in ``src`` to CGCS2000 lon/lat degrees.

    Notes
    -----
    Output is longitude, latitude in degrees on CGCS2000 (EPSG:4490).

    Examples
    --------
    >>> lon, lat = to_geographic([38_500_000.0], [3_000_000.0], 4526)
    >>> round(float(lon[0]), 6), round(float(lat[0]), 4)
    (114.0, 27.1116)
    """
    lon, lat = transformer(src, CGCS2000_GEOGRAPHIC).transform(
        np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    )
    return np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)
