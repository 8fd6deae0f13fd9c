"""Assemble coordinate-TXT rings into polygons (holes vs parts decided by geometry) and back."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import numpy as np
import shapely

from onemap.errors import CoordinateFileError

if TYPE_CHECKING:
    from shapely.geometry.base import BaseGeometry

    from onemap.store.formats.models import TxtRing

_AT = re.compile(r"\[\s*([-+0-9.eE]+)\s+([-+0-9.eE]+)")


def build_parcel_geometry(rings: list[TxtRing], *, label: str, path: str,
                          header_line: int) -> tuple[BaseGeometry, list[str]]:
    """Return the parcel's (Multi)Polygon (x = easting) and each ring's role.

    A ring lying inside a larger ring is a hole of it; a ring inside a hole is an island
    (another part); a disjoint or touching ring is another part. Rings that cross
    themselves or partly overlap another ring are rejected, naming the line.
    """
    coords = [np.array([(p.y, p.x) for p in r.points], dtype=float) for r in rings]
    for ring, xy in zip(rings, coords, strict=True):
        _check_simple(ring, xy, label, path)
    polys = [shapely.Polygon(xy) for xy in coords]
    order = np.argsort([-p.area for p in polys], kind="stable")
    shells: list[tuple[int, list[int]]] = []
    roles = ["exterior"] * len(rings)
    for i in (int(k) for k in order):
        home = _find_shell(i, polys, shells, rings, label, path)
        if home is None:
            shells.append((i, []))
        else:
            home[1].append(i)
            roles[i] = "hole"
    parts = [shapely.Polygon(coords[s], [coords[h] for h in holes]) for s, holes in
             sorted(shells)]
    geom: BaseGeometry = parts[0] if len(parts) == 1 else shapely.MultiPolygon(parts)
    if not geom.is_valid:
        raise CoordinateFileError(
            f"parcel {label}: invalid polygon: {_explain(geom)}", path=path, line=header_line,
            feature_id=label)
    return shapely.orient_polygons(geom), roles


def _find_shell(i: int, polys: list[shapely.Polygon], shells: list[tuple[int, list[int]]],
                rings: list[TxtRing], label: str, path: str) -> tuple[int, list[int]] | None:
    """Return the shell ring ``i`` is a hole of, or None when it starts a new part."""
    poly = polys[i]
    for shell in shells:
        outer = polys[shell[0]]
        if outer.contains(poly):
            if any(polys[h].contains(poly) for h in shell[1]):
                continue  # an island inside a hole: another part
            for h in shell[1]:
                _check_no_overlap(rings[i], rings[h], poly, polys[h], label, path)
            return shell
        _check_no_overlap(rings[i], rings[shell[0]], poly, outer, label, path)
        for h in shell[1]:
            if polys[h].contains(poly):
                continue
            _check_no_overlap(rings[i], rings[h], poly, polys[h], label, path)
    return None


def _check_no_overlap(a: TxtRing, b: TxtRing, pa: shapely.Polygon, pb: shapely.Polygon,
                      label: str, path: str) -> None:
    if pa.intersects(pb) and pa.intersection(pb).area > 0 and not (
            pa.contains(pb) or pb.contains(pa)):
        raise CoordinateFileError(
            f"parcel {label}: ring 圈号 {a.number} partly overlaps ring 圈号 {b.number} "
            f"(line {b.points[0].line}); a ring must lie inside another ring (hole) or "
            f"outside it (another part)", path=path, line=a.points[0].line, feature_id=label)


def _check_simple(ring: TxtRing, xy: np.ndarray, label: str, path: str) -> None:
    if shapely.is_simple(shapely.linearrings(xy)):
        return
    reason = shapely.is_valid_reason(shapely.Polygon(xy))
    m = _AT.search(reason)
    line = ring.points[0].line
    where = ""
    if m:
        east, north = float(m.group(1)), float(m.group(2))
        segments = shapely.linestrings(np.stack([xy[:-1], xy[1:]], axis=1))
        dist = shapely.distance(segments, shapely.Point(east, north))
        hits = np.flatnonzero(dist <= max(1e-6, float(dist.min()) * 1.000001))
        names = [f"{ring.points[k].name} (line {ring.points[k].line})" for k in hits[:2]]
        line = ring.points[int(hits[0])].line
        where = (f" near X={north:.3f}, Y={east:.3f}, at the segments starting at "
                 + " and ".join(names))
    raise CoordinateFileError(
        f"parcel {label}: ring 圈号 {ring.number} crosses itself (self-intersection){where}",
        path=path, line=line, feature_id=label)


def _explain(geom: BaseGeometry) -> str:
    reason = str(shapely.is_valid_reason(geom))
    m = _AT.search(reason)
    if m:  # report in surveying order: X = northing, Y = easting
        head = reason.split("[", maxsplit=1)[0]
        return f"{head} at X={float(m.group(2)):.3f}, Y={float(m.group(1)):.3f}"
    return reason


def rings_of_geometry(geom: BaseGeometry | None) -> list[list[tuple[float, float]]]:
    """Return the closed rings of a (Multi)Polygon: each part's exterior, then its holes."""
    if geom is None or geom.is_empty:
        return []
    parts = shapely.get_parts(geom)
    out: list[list[tuple[float, float]]] = []
    for part in parts:
        if part.geom_type == "MultiPolygon":
            out.extend(rings_of_geometry(part))
            continue
        if part.geom_type != "Polygon":
            continue
        out.append([(float(x), float(y)) for x, y, *_ in part.exterior.coords])
        out.extend([(float(x), float(y)) for x, y, *_ in r.coords] for r in part.interiors)
    return out
