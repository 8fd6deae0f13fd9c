"""Vectorised geodesic edge areas on the CGCS2000 ellipsoid (Karney 2013).

The area of a polygon with geodesic edges is the sum over its edges of
``S12``, the area between the edge and the equator (Karney 2013, "Algorithms
for geodesics", J. Geod. 87:43–55, eqs. 58–61). This module evaluates ``S12``
for arrays of edges with numpy, following GeographicLib's ``_GenInverse`` for
short lines (the series coefficients are taken from the ``geographiclib``
package), but with a different, loop-free solution of the inverse problem:

* the longitude difference on the auxiliary sphere ``ω12`` is found from the
  exact longitude difference ``λ12`` by the relation
  ``ω12 = λ12 + f·sinα0·A3(ε)·(σ12 + B3(σ2) − B3(σ1))``, written as
  ``ω12 = λ12 / (1 − q)`` with ``q = (ω12 − λ12)/ω12`` re-evaluated from the
  current estimate. ``q`` is nearly independent of ``ω12`` (for short edges
  ``q → f·A3·cosβ1·cosβ2``), so starting from ``q0 = f·cosβ1·cosβ2`` one update
  is exact to rounding for edges under ≈12 km and two for any edge tested
  (up to 5°), against a long-double evaluation;
* the change of azimuth along the edge ``α12`` uses GeographicLib's
  well-conditioned short-line formula (never a difference of two azimuths);
* the differences ``B3(σ2) − B3(σ1)`` and ``I4(σ2) − I4(σ1)`` are evaluated in
  sum-to-product form, so they keep full relative precision for short edges.

Everything is pure numpy: no Python loop runs per edge.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import numpy.typing as npt
from geographiclib.geodesic import Geodesic

from onemap.standards.crs import CGCS2000_A, CGCS2000_F

FloatArray = npt.NDArray[np.float64]

_ORDER = 6  # GeographicLib's GEOGRAPHICLIB_GEODESIC_ORDER for doubles
_ITERATIONS = 2  # ω12 updates for blocks holding long edges; see Notes of edge_area
_SHORT = 2e-3  # radians (≈12 km): below this, one ω12 update is exact to rounding
_BLOCK = 16384  # edges per block: temporaries stay in cache


class _Ellipsoid:
    """Constants and eps-polynomial matrices for one ellipsoid."""

    def __init__(self, a: float, f: float) -> None:
        g = Geodesic(a, f)
        self.a, self.f = a, f
        self.f1 = 1.0 - f
        self.e2 = g._e2
        self.ep2 = g._ep2
        self.c2 = g._c2  # authalic radius squared
        self.a4 = a * a * g._e2
        self.c3_columns = _columns(_coefficient_matrix(g._A3x, g._C3x, kind="C3"))
        self.c4_columns = _columns(_coefficient_matrix([], g._C4x, kind="C4"))


def _coefficient_matrix(a3x: list[float], cx: list[float], *, kind: str) -> FloatArray:
    """Return M such that ``eps_powers @ M`` gives the series coefficients.

    For ``C3`` the columns are ``[A3, C3_1 .. C3_5]``; for ``C4`` they are
    ``[C4_0 .. C4_5]``. Rows are powers ``eps**0 .. eps**5``.
    """
    n = _ORDER
    if kind == "C3":
        mat = np.zeros((n, n))
        mat[: len(a3x), 0] = a3x[::-1]  # polyval order: highest power first
        o = 0
        for ll in range(1, n):
            m = n - ll - 1
            for j, c in enumerate(cx[o : o + m + 1]):
                mat[ll + m - j, ll] = c
            o += m + 1
        return mat
    mat = np.zeros((n, n))
    o = 0
    for ll in range(n):
        m = n - ll - 1
        for j, c in enumerate(cx[o : o + m + 1]):
            mat[ll + m - j, ll] = c
        o += m + 1
    return mat


@lru_cache(maxsize=4)
def ellipsoid(a: float = CGCS2000_A, f: float = CGCS2000_F) -> _Ellipsoid:
    """Return the cached constants of the ellipsoid (a, f); CGCS2000 by default."""
    return _Ellipsoid(a, f)


def _series_coefficients(
    calp0: FloatArray, ep2: float, columns: tuple[tuple[float, ...], ...]
) -> list[FloatArray]:
    """Evaluate each column polynomial (coefficients of eps**0, eps**1, ...) at eps(α0)."""
    k2 = calp0 * calp0 * ep2
    eps = k2 / (2.0 * (1.0 + np.sqrt(1.0 + k2)) + k2)
    out = []
    for coeffs in columns:
        acc = eps * coeffs[-1]
        for c in coeffs[-2:0:-1]:
            acc += c
            acc *= eps
        if coeffs[0] != 0.0:
            acc += coeffs[0]
        out.append(acc)
    return out


def _columns(mat: FloatArray) -> tuple[tuple[float, ...], ...]:
    """Split a coefficient matrix into per-column tuples, trailing zeros dropped."""
    cols = []
    for col in mat.T:
        last = int(np.flatnonzero(col)[-1])
        cols.append(tuple(float(c) for c in col[: last + 1]))
    return tuple(cols)


def _b3_difference(
    ssm: FloatArray, csm: FloatArray, ssd: FloatArray, csd: FloatArray, c3: list[FloatArray]
) -> FloatArray:
    """Return B3(σ2) − B3(σ1) = Σ_{l=1..5} C3_l (sin 2lσ2 − sin 2lσ1).

    sin 2lσ2 − sin 2lσ1 = 2 cos(2lσm) sin(2lδ), σm = (σ1+σ2)/2, δ = (σ2−σ1)/2.
    """
    c2m = 2.0 * csm * csm - 1.0  # cos 2σm
    s2d = 2.0 * ssd * csd  # sin 2δ
    c2d = 1.0 - 2.0 * ssd * ssd  # cos 2δ
    # multiples l·(2σm) and l·(2δ), l = 1..5, by Chebyshev recurrences
    cos_prev, cos_cur = np.ones_like(c2m), c2m
    sin_prev, sin_cur = np.zeros_like(s2d), s2d
    tc, td = 2.0 * c2m, 2.0 * c2d
    total = c3[1] * cos_cur * sin_cur
    for ll in range(2, _ORDER):
        cos_prev, cos_cur = cos_cur, tc * cos_cur - cos_prev
        sin_prev, sin_cur = sin_cur, td * sin_cur - sin_prev
        total += c3[ll] * cos_cur * sin_cur
    return 2.0 * total


def _i4_difference(
    ssm: FloatArray, csm: FloatArray, ssd: FloatArray, csd: FloatArray, c4: list[FloatArray]
) -> FloatArray:
    """Return B4(σ2) − B4(σ1) = Σ_{l=0..5} C4_l (cos(2l+1)σ2 − cos(2l+1)σ1).

    cos mσ2 − cos mσ1 = −2 sin(mσm) sin(mδ) with m = 2l + 1.
    """
    t2m = 2.0 * (2.0 * csm * csm - 1.0)  # 2 cos 2σm
    t2d = 2.0 * (1.0 - 2.0 * ssd * ssd)  # 2 cos 2δ
    # odd multiples: s_{m+2} = 2cos2x · s_m − s_{m−2}; s_{-1} = −s_1
    sm_prev, sm_cur = -ssm, ssm
    sd_prev, sd_cur = -ssd, ssd
    total = c4[0] * sm_cur * sd_cur
    for ll in range(1, _ORDER):
        sm_prev, sm_cur = sm_cur, t2m * sm_cur - sm_prev
        sd_prev, sd_cur = sd_cur, t2d * sd_cur - sd_prev
        total += c4[ll] * sm_cur * sd_cur
    return -2.0 * total


class _GreatCircle:
    """The great circle on the auxiliary sphere through two points, for arrays.

    Point 1 is at (β1, 0), point 2 at (β2, ω12). Hypotenuses use
    ``sqrt(x*x + y*y)`` (no overflow is possible here; ``np.hypot`` is 15×
    slower).
    """

    __slots__ = ("calp0", "csd", "csm", "salp0", "sig12", "ssd", "ssm")

    def __init__(self, b: _Betas, somg: FloatArray, comg: FloatArray) -> None:
        t = somg * somg / (1.0 + comg)  # 1 − cos ω12, well conditioned
        salp1 = b.cbet2 * somg
        calp1 = b.sbet12 + b.cbet2 * b.sbet1 * t
        calp2 = b.sbet12 - b.cbet1 * b.sbet2 * t
        ssig12 = np.sqrt(salp1 * salp1 + calp1 * calp1)
        csig12 = b.sbet1 * b.sbet2 + b.cbet1 * b.cbet2 * comg
        self.sig12 = np.arctan2(ssig12, csig12)
        inv = 1.0 / np.where(ssig12 == 0.0, 1.0, ssig12)  # zero-length edges
        salp1 *= inv
        calp1 *= inv
        calp2 *= inv
        self.salp0 = salp1 * b.cbet1
        s = salp1 * b.sbet1
        self.calp0 = np.sqrt(calp1 * calp1 + s * s)
        # half of σ12 from tan(σ12/2) = sin σ12 / (1 + cos σ12)
        th = ssig12 / (1.0 + csig12)
        self.csd = 1.0 / np.sqrt(1.0 + th * th)
        self.ssd = th * self.csd
        # σ1, σ2 from tan σ = tan β / cos α; σm = (σ1 + σ2)/2 is their bisector
        c1, c2 = calp1 * b.cbet1, calp2 * b.cbet2
        r1 = np.sqrt(b.sbet1 * b.sbet1 + c1 * c1)
        r2 = np.sqrt(b.sbet2 * b.sbet2 + c2 * c2)
        r1[r1 == 0.0] = 1.0  # equatorial edge: I4 term vanishes (salp0 or calp0 is 0)
        r2[r2 == 0.0] = 1.0
        sx = b.sbet1 / r1 + b.sbet2 / r2
        cx = c1 / r1 + c2 / r2
        rm = np.sqrt(sx * sx + cx * cx)
        rm[rm == 0.0] = 1.0
        self.ssm, self.csm = sx / rm, cx / rm


@dataclass(frozen=True)
class _Betas:
    """Reduced latitudes of edge end points and the sine of their difference."""

    sbet1: FloatArray
    cbet1: FloatArray
    sbet2: FloatArray
    cbet2: FloatArray
    sbet12: FloatArray


def _reduced_latitude(lat: FloatArray, f1: float) -> tuple[FloatArray, FloatArray]:
    phi = np.radians(lat)
    sb, cb = f1 * np.sin(phi), np.cos(phi)
    r = np.sqrt(sb * sb + cb * cb)
    return sb / r, cb / r


def _block_area(ell: _Ellipsoid, b: _Betas, lam12: FloatArray) -> FloatArray:
    """S12 for one cache-sized block of edges (see :func:`edge_area`)."""
    # start from the short-line limit q ≈ f·cosβ1·cosβ2 (A3 ≈ 1, σ12 ≈ sin σ12)
    omg = lam12 / (1.0 - ell.f * b.cbet1 * b.cbet2)
    short = max(np.abs(lam12).max(initial=0.0), np.abs(b.sbet12).max(initial=0.0)) <= _SHORT
    for _ in range(1 if short else _ITERATIONS):
        gc = _GreatCircle(b, np.sin(omg), np.cos(omg))
        c3 = _series_coefficients(gc.calp0, ell.ep2, ell.c3_columns)
        b312 = _b3_difference(gc.ssm, gc.csm, gc.ssd, gc.csd, c3)
        domg = ell.f * c3[0] * gc.salp0 * (gc.sig12 + b312)  # ω12 − λ12
        q = np.divide(domg, omg, out=np.zeros_like(omg), where=omg != 0.0)
        omg = lam12 / (1.0 - q)
    somg, comg = np.sin(omg), np.cos(omg)
    gc = _GreatCircle(b, somg, comg)
    alp12 = 2.0 * np.arctan2(
        somg * (b.sbet1 * (1.0 + b.cbet2) + b.sbet2 * (1.0 + b.cbet1)),
        (1.0 + comg) * (b.sbet1 * b.sbet2 + (1.0 + b.cbet1) * (1.0 + b.cbet2)),
    )
    c4 = _series_coefficients(gc.calp0, ell.ep2, ell.c4_columns)
    i4 = _i4_difference(gc.ssm, gc.csm, gc.ssd, gc.csd, c4)
    out: FloatArray = ell.c2 * alp12 + ell.a4 * gc.calp0 * gc.salp0 * i4
    return out


def _as_float(values: npt.ArrayLike) -> FloatArray:
    """Flatten to float64, or keep long double (used by the tests as a reference)."""
    arr = np.asarray(values)
    dtype = np.longdouble if arr.dtype == np.longdouble else np.float64
    out: FloatArray = np.asarray(arr, dtype=dtype).ravel()  # type: ignore[assignment]
    return out


def edge_area(
    lon1: npt.ArrayLike,
    lat1: npt.ArrayLike,
    lon2: npt.ArrayLike,
    lat2: npt.ArrayLike,
    *,
    a: float = CGCS2000_A,
    f: float = CGCS2000_F,
) -> FloatArray:
    """Return S12, the area between each geodesic edge and the equator, in m².

    Parameters
    ----------
    lon1, lat1, lon2, lat2 : array_like of float
        Edge end points in degrees (longitude, latitude). Edges must be shorter
        than a quarter meridian and not cross the antimeridian.
    a, f : float
        Ellipsoid; CGCS2000 by default.

    Returns
    -------
    ndarray of float64
        Signed S12 in m², GeographicLib's sign convention (positive for
        eastward edges in the northern hemisphere); zero-length edges give 0.
        The sum over a closed ring is its area, clockwise positive.

    Notes
    -----
    ``S12 = c²·α12 + a²e²·cosα0·sinα0·(I4(σ2) − I4(σ1))`` (Karney 2013, eq. 59).
    ``ω12`` starts at ``λ12 / (1 − f·cosβ1·cosβ2)`` and is updated by
    ``ω12 = λ12 / (1 − q)`` once (blocks whose edges are all under ≈12 km) or
    twice; S12 is then within a few ulps (≈1e-15 relative) of the same
    formulas evaluated in long double. Work is done in blocks of ``_BLOCK``
    edges so that temporaries stay in cache (≈0.2 µs per edge on one core).

    Examples
    --------
    >>> s = edge_area([115.0], [28.0], [115.01], [28.0])
    >>> from geographiclib.geodesic import Geodesic
    >>> g = Geodesic(6378137.0, 1 / 298.257222101).Inverse(28, 115, 28, 115.01, Geodesic.AREA)
    >>> bool(abs(s[0] - g["S12"]) < 1e-4)
    True
    """
    ell = ellipsoid(a, f)
    lon1, lat1, lon2, lat2 = (_as_float(v) for v in (lon1, lat1, lon2, lat2))
    out = np.empty(lon1.size, dtype=lon1.dtype)
    for i in range(0, lon1.size, _BLOCK):
        sl = slice(i, i + _BLOCK)
        sb1, cb1 = _reduced_latitude(lat1[sl], ell.f1)
        sb2, cb2 = _reduced_latitude(lat2[sl], ell.f1)
        betas = _Betas(sb1, cb1, sb2, cb2, sb2 * cb1 - cb2 * sb1)
        out[sl] = _block_area(ell, betas, np.radians(lon2[sl] - lon1[sl]))
    return out


def path_edge_area(
    lon: npt.ArrayLike,
    lat: npt.ArrayLike,
    *,
    breaks: npt.ArrayLike | None = None,
    a: float = CGCS2000_A,
    f: float = CGCS2000_F,
) -> FloatArray:
    """Return S12 of the edges between consecutive points: ``(i, i + 1)``, in m².

    Same as ``edge_area(lon[:-1], lat[:-1], lon[1:], lat[1:])`` but computes
    each vertex's reduced latitude once. Returns ``len(lon) - 1`` values.
    ``breaks`` lists pairs ``i`` that are not edges (e.g. where one ring ends
    and the next begins): they give 0 and do not slow the block down.

    Examples
    --------
    >>> ring_lon, ring_lat = [115.0, 115.0, 115.01, 115.01, 115.0], [28.0, 28.01, 28.01, 28.0, 28.0]
    >>> round(float(path_edge_area(ring_lon, ring_lat).sum()), 1)  # clockwise ring
    1089991.3
    """
    ell = ellipsoid(a, f)
    lon, lat = _as_float(lon), _as_float(lat)
    n = max(lon.size - 1, 0)
    out = np.empty(n, dtype=lon.dtype)
    is_edge = np.ones(n, dtype=bool)
    if breaks is not None:
        is_edge[np.asarray(breaks, dtype=np.intp)] = False
    for i in range(0, n, _BLOCK):
        j = min(i + _BLOCK, n)
        sb, cb = _reduced_latitude(lat[i : j + 1], ell.f1)
        sb1, cb1, sb2, cb2 = sb[:-1], cb[:-1], sb[1:], cb[1:]
        keep = is_edge[i:j]
        sbet12 = np.where(keep, sb2 * cb1 - cb2 * sb1, 0.0)
        lam12 = np.where(keep, np.radians(lon[i + 1 : j + 1] - lon[i:j]), 0.0)
        out[i:j] = np.where(keep, _block_area(ell, _Betas(sb1, cb1, sb2, cb2, sbet12), lam12), 0.0)
    return out
