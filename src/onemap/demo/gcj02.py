"""GCJ-02 (火星坐标) ↔ WGS84 conversion with an iterative inverse.

The forward transform is the widely published reconstruction of the GCJ-02
obfuscation (Krasovsky-1940 ellipsoid constants, trigonometric offsets). The
inverse has no closed form; :func:`gcj02_to_wgs84` solves ``F(w) = g`` by the
fixed-point iteration ``w ← w − (F(w) − g)``. The offset field is smooth (its
Jacobian is within ~1e-4 of the identity), so the error shrinks by about four
orders of magnitude per step; six steps reach the float64 noise floor.

WGS84 and CGCS2000 differ by centimetres (different epochs/realisations), far
below the accuracy of the source boundaries, so the result is used as EPSG:4490.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

_A = 6378245.0  # Krasovsky 1940 semi-major axis used by GCJ-02
_EE = 0.00669342162296594323  # its first eccentricity squared
_METRES_PER_DEGREE = 111_320.0

Array = npt.NDArray[np.float64]


def _offsets(lon: Array, lat: Array) -> tuple[Array, Array]:
    x, y = lon - 105.0, lat - 35.0
    dlat = (-100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y
            + 0.2 * np.sqrt(np.abs(x)))
    dlat += (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    dlat += (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
    dlat += (160.0 * np.sin(y / 12.0 * np.pi) + 320 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0
    dlon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
    dlon += (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    dlon += (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
    dlon += (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0
    rad = lat / 180.0 * np.pi
    magic = 1 - _EE * np.sin(rad) ** 2
    sqrt_magic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrt_magic) * np.pi)
    dlon = (dlon * 180.0) / (_A / sqrt_magic * np.cos(rad) * np.pi)
    return dlon, dlat


def wgs84_to_gcj02(lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[Array, Array]:
    """Apply the GCJ-02 offset to WGS84 longitudes/latitudes (degrees).

    Examples
    --------
    >>> glon, glat = wgs84_to_gcj02([115.89], [28.68])
    >>> round(float(glon[0] - 115.89), 5), round(float(glat[0] - 28.68), 5)
    (0.00485, -0.00337)
    """
    lon_a = np.asarray(lon, dtype=np.float64)
    lat_a = np.asarray(lat, dtype=np.float64)
    dlon, dlat = _offsets(lon_a, lat_a)
    return lon_a + dlon, lat_a + dlat


def gcj02_to_wgs84(
    lon: npt.ArrayLike, lat: npt.ArrayLike, iterations: int = 6
) -> tuple[Array, Array]:
    """Invert GCJ-02 by fixed-point iteration; return WGS84 longitudes/latitudes (degrees).

    Notes
    -----
    Residual ``|F(w) − g|`` after 6 iterations is below 1e-9 m in Jiangxi
    (float64 noise); see :func:`inverse_residual_m`.

    Examples
    --------
    >>> w = gcj02_to_wgs84(*wgs84_to_gcj02([115.89], [28.68]))
    >>> round(float(w[0][0]), 9), round(float(w[1][0]), 9)
    (115.89, 28.68)
    """
    g_lon = np.asarray(lon, dtype=np.float64)
    g_lat = np.asarray(lat, dtype=np.float64)
    w_lon, w_lat = g_lon.copy(), g_lat.copy()
    for _ in range(iterations):
        f_lon, f_lat = wgs84_to_gcj02(w_lon, w_lat)
        w_lon = w_lon - (f_lon - g_lon)
        w_lat = w_lat - (f_lat - g_lat)
    return w_lon, w_lat


def inverse_residual_m(g_lon: npt.ArrayLike, g_lat: npt.ArrayLike, iterations: int = 6) -> float:
    """Return the largest residual ``|F(inverse(g)) − g|`` in metres over the given points.

    Examples
    --------
    >>> inverse_residual_m([114.0, 118.0], [25.0, 30.0]) < 1e-6
    True
    """
    g_lon_a = np.asarray(g_lon, dtype=np.float64)
    g_lat_a = np.asarray(g_lat, dtype=np.float64)
    w_lon, w_lat = gcj02_to_wgs84(g_lon_a, g_lat_a, iterations)
    f_lon, f_lat = wgs84_to_gcj02(w_lon, w_lat)
    dx = (f_lon - g_lon_a) * _METRES_PER_DEGREE * np.cos(np.radians(g_lat_a))
    dy = (f_lat - g_lat_a) * _METRES_PER_DEGREE
    return float(np.max(np.hypot(dx, dy))) if dx.size else 0.0
