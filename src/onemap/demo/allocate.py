"""Land-class allocation: score fields → classes, calibrated to the target shares.

Every location gets scores (urban pull of the seats, water, wetland, village,
mining, farm, orchard, grass) from terrain and noise. Groups claim locations in
a fixed order; each group's score threshold is the weighted quantile that gives
it its target area on a province-wide calibration grid. Inside a group, codes
take their share by their own sub-scores. A polygon is classified by the scores
at its representative point, so the province's class shares match the targets
while neighbouring polygons share classes (spatial coherence).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import shapely

from onemap.demo.targets import (
    FARMLAND_GROSS,
    SLOPE_GRADE_SHARES,
    TARGET_SHARES,
)
from onemap.demo.terrain import Terrain, to_km

Array = npt.NDArray[np.float64]
Features = dict[str, Array]

REDLINE_SHARE = 28.06  # Jiangxi's ecological red line: 4.69 万 km², 28.06 % (public figure)
LAKE_SPLIT = {"1102": 0.45, "1106": 0.40, "0402": 0.12, "1108": 0.03}

# group → [(code, sub-score name)], codes take their share in this order.
GROUPS: list[tuple[str, list[tuple[str, str]]]] = [
    ("urban", [("1004", "sub1"), ("0810", "sub2"), ("09", "remote"), ("1007", "remote"),
               ("1008", "sub2"), ("1005", "sub1"), ("0601", "outer"), ("0508", "outer"),
               ("08H1", "inner"), ("08H2", "sub2"), ("0809", "sub1"), ("05H1", "inner"),
               ("0701", "one")]),
    ("reservoir", [("1109", "sub1"), ("1103", "one")]),
    ("water", [("1107", "flat"), ("1104A", "lowland"), ("1104", "sub1"), ("1101", "one")]),
    ("wetland", [("0304", "sub2"), ("0306", "sub1"), ("1108", "sub2"), ("0402", "sub1"),
                 ("1106", "one")]),
    ("village", [("1201", "sub1"), ("1202", "sub2"), ("0702", "one")]),
    ("mining", [("1207", "sub1"), ("0602", "one")]),
    ("farm", [("1006", "sub1"), ("0101", "paddy"), ("0102", "sub2"), ("0103", "one")]),
    ("orchard", [("0202", "tea"), ("0204", "sub1"), ("0201", "one")]),
    ("grass", [("0403", "sub2"), ("1206", "sub1"), ("0404", "one")]),
    ("forest", [("0302", "bamboo"), ("0305", "shrub"), ("0307", "lowland"), ("0301", "one")]),
]
STRIP_CODES = {"river": "1101", "road": "1003", "rail": "1001"}


@dataclass(frozen=True)
class Seat:
    """A town centre (县城/市区) that pulls urban land around it."""

    county: str
    lon: float
    lat: float
    weight: float
    city: bool


def seat_pull(seats: list[Seat], lon: Array, lat: Array) -> Array:
    """Return the urban pull of all seats at lon/lat (≈ weight at a seat, 0 far away)."""
    x, y = to_km(lon, lat)
    out = np.zeros(np.shape(x))
    if out.size == 0:
        return out
    x0, x1, y0, y1 = x.min(), x.max(), y.min(), y.max()
    for s in seats:
        sx, sy = to_km(np.array(s.lon), np.array(s.lat))
        r = 2.2 * np.sqrt(s.weight)
        if sx < x0 - 6 * r or sx > x1 + 6 * r or sy < y0 - 6 * r or sy > y1 + 6 * r:
            continue  # contributes < exp(-36) everywhere here
        out += s.weight * np.exp(-((x - sx) ** 2 + (y - sy) ** 2) / r**2)
    return out


def features(terrain: Terrain, seats: list[Seat], lon: Array, lat: Array) -> Features:
    """Compute every score field at the given lon/lat points."""
    lon, lat = np.asarray(lon, float), np.asarray(lat, float)
    n = terrain.noise
    elev = terrain.elevation(lon, lat)
    slope = terrain.slope(lon, lat)
    d_river = terrain.distance_to_river_km(lon, lat)
    d_lake = terrain.distance_to_lake_km(lon, lat)
    pull = seat_pull(seats, lon, lat)
    f: Features = {
        "elev": elev, "slope": slope, "d_river": d_river, "d_lake": d_lake, "pull": pull,
        "in_lake": shapely.contains_xy(terrain.lake, lon, lat).astype(float),
        "lat": lat, "lon": lon,
    }
    nf = {k: n[k](lon, lat) for k in ("urban", "water", "reservoir", "wetland", "village",
                                       "mining", "farm", "orchard", "grass", "sub1", "sub2",
                                       "density", "lake")}
    near_river = np.exp(-d_river / 4.0)
    f["urban"] = pull + 0.18 * nf["urban"] - np.clip(elev - 150, 0, None) / 400
    mid = ((elev > 60) & (elev < 600)).astype(float)
    f["reservoir"] = nf["reservoir"] + 1.5 * mid - slope / 25
    f["water"] = nf["water"] + 1.4 * near_river - elev / 150
    f["wetland"] = nf["wetland"] + 2.5 * np.exp(-d_lake / 5) + 1.2 * np.exp(-d_river / 1.5) \
        - elev / 40
    f["village"] = nf["village"] - elev / 250 - slope / 10 + 0.3 * nf["farm"] + 0.3 * pull
    f["mining"] = nf["mining"] + elev / 500 + slope / 20
    f["farm"] = 0.7 * nf["farm"] - elev / 90 - slope / 5 + 0.5 * near_river
    f["orchard"] = nf["orchard"] - np.abs(elev - 220) / 250 - slope / 15 \
        + 0.8 * (lat < 26.6) + 0.3 * (lat < 27.2)
    f["grass"] = nf["grass"] + elev / 1500
    # sub-scores
    f["sub1"], f["sub2"], f["one"] = nf["sub1"], nf["sub2"], np.zeros_like(lon)
    f["remote"] = nf["sub2"] - 0.8 * pull
    f["outer"] = nf["sub1"] - 0.5 * pull
    f["inner"] = nf["sub2"] + 0.5 * pull
    f["flat"] = -slope / 2 + 0.5 * nf["sub1"]
    f["lowland"] = -elev / 40 + 0.5 * nf["sub2"] + near_river
    f["paddy"] = -elev / 80 - slope / 2.5 + near_river + 0.6 * nf["sub2"]
    f["tea"] = nf["sub2"] + elev / 300 - (lat < 26.6)
    f["bamboo"] = nf["sub2"] - np.abs(elev - 500) / 300
    f["shrub"] = nf["sub1"] + slope / 8 + elev / 800
    f["lake"] = nf["lake"]
    f["density"] = nf["density"]
    return f


def density_factor(f: Features) -> Array:
    """Relative polygon density: small fields in plains and towns, large forest patches.

    Poyang Lake gets large patches (open water and flats are mapped coarsely).
    """
    elev = f["elev"]
    lake = np.where(f["in_lake"] > 0.5, 0.2, 1.0)
    return (0.25 + 2.6 * np.exp(-elev / 140)) * (1 + 1.5 * np.clip(f["pull"], 0, 2)) \
        * np.exp(0.3 * f["density"]) * lake


def density_features(terrain: Terrain, seats: list[Seat], lon: Array, lat: Array) -> Features:
    """Compute the few fields :func:`density_factor` needs (cheaper than :func:`features`)."""
    lon, lat = np.asarray(lon, float), np.asarray(lat, float)
    return {"elev": terrain.elevation(lon, lat), "pull": seat_pull(seats, lon, lat),
            "density": terrain.noise["density"](lon, lat),
            "in_lake": shapely.contains_xy(terrain.lake, lon, lat).astype(float)}


def _threshold(score: Array, weight: Array, target: float) -> float:
    """Return the score above which ``weight`` sums to ``target`` (+inf if target ≤ 0)."""
    if target <= 0 or len(score) == 0:
        return np.inf
    order = np.argsort(-score, kind="stable")
    cum = np.cumsum(weight[order])
    k = int(np.searchsorted(cum, target))
    return float(score[order[min(k, len(order) - 1)]]) if k < len(order) else -np.inf


@dataclass
class Calibration:
    """Thresholds that reproduce the target shares; shared by every county of a seed."""

    redline_threshold: float = np.inf
    group_threshold: dict[str, float] = field(default_factory=dict)
    sub_threshold: dict[str, list[tuple[str, float]]] = field(default_factory=dict)
    lake_threshold: list[tuple[str, float]] = field(default_factory=list)
    slope_grade_edges: list[float] = field(default_factory=list)
    density_mean: float = 1.0


def _group_targets(strip_share: dict[str, float]) -> dict[str, dict[str, float]]:
    """Per group, the share (%) each code must take on the grid (fixed features removed)."""
    t = dict(TARGET_SHARES)
    t.pop("1203")
    for code in ("0101", "0102", "0103"):
        t[code] *= FARMLAND_GROSS / (TARGET_SHARES["0101"] + TARGET_SHARES["0102"]
                                     + TARGET_SHARES["0103"])
    lake_total = strip_share.get("lake", 0.0)
    for code, frac in LAKE_SPLIT.items():
        t[code] = max(t[code] - frac * lake_total, 0.0)
    transport_short = 0.0
    for kind, code in STRIP_CODES.items():
        have = strip_share.get(kind, 0.0)
        if code in ("1003", "1001"):
            transport_short += max(t[code] - have, 0.0)
            t[code] = 0.0
        else:
            t[code] = max(t[code] - have, 0.0)
    t["1006"] += transport_short
    return {g: {c: t.get(c, 0.0) for c, _ in codes} for g, codes in GROUPS}


def calibrate(f: Features, weight: Array, strip_share: dict[str, float]) -> Calibration:
    """Calibrate thresholds on a grid (``weight`` = cell area share in %, summing to 100)."""
    cal = Calibration()
    in_lake = f["in_lake"] > 0.5
    cal.lake_threshold = _sub_thresholds(
        [(c, "lake") for c in LAKE_SPLIT], list(LAKE_SPLIT.values()), f, weight, in_lake)
    free = ~in_lake
    targets = _group_targets(strip_share)
    for group, codes in GROUPS:
        total = sum(targets[group].values())
        if group == "forest":
            thr = -np.inf
        else:
            thr = _threshold(f[group][free], weight[free], total)
        cal.group_threshold[group] = thr
        members = free & (f[group] >= thr) if group != "forest" else free
        shares = [targets[group][c] for c, _ in codes]
        cal.sub_threshold[group] = _sub_thresholds(codes, shares, f, weight, members)
        if group == "farm":
            farm = members & _sub_mask(cal.sub_threshold[group], f, "1006", exclude=True)
            edges = np.cumsum(SLOPE_GRADE_SHARES)[:-1] / sum(SLOPE_GRADE_SHARES)
            cal.slope_grade_edges = _weighted_quantiles(f["slope"][farm], weight[farm], edges)
        free = free & ~members
    grid_codes = classify(f, cal)
    rl = redline_score(f["elev"], grid_codes.astype(str))
    cal.redline_threshold = _threshold(rl, weight, REDLINE_SHARE)
    dens = density_factor(f)
    cal.density_mean = float(np.sum(dens * weight) / np.sum(weight))
    return cal


def _weighted_quantiles(x: Array, w: Array, qs: Array) -> list[float]:
    order = np.argsort(x, kind="stable")
    cum = np.cumsum(w[order]) / np.sum(w)
    return [float(x[order][min(int(np.searchsorted(cum, q)), len(x) - 1)]) for q in qs]


def _sub_thresholds(codes: list[tuple[str, str]], shares: list[float], f: Features,
                    weight: Array, members: npt.NDArray[np.bool_]) -> list[tuple[str, float]]:
    total = sum(shares)
    group_area = float(np.sum(weight[members]))
    remaining = members.copy()
    out = []
    for (code, score), share in zip(codes, shares, strict=True):
        if code == codes[-1][0]:
            out.append((code, -np.inf))
            break
        target = group_area * share / total if total > 0 else 0.0
        thr = _threshold(f[score][remaining], weight[remaining], target)
        out.append((code, thr))
        remaining &= ~(f[score] >= thr)
    return out


def _sub_mask(subs: list[tuple[str, float]], f: Features, code: str,
              exclude: bool = False) -> npt.NDArray[np.bool_]:
    codes = _assign_sub(subs, f, dict(GROUPS)[_group_of(code)])
    return np.asarray((codes != code) if exclude else (codes == code), dtype=bool)


def _group_of(code: str) -> str:
    return next(g for g, codes in GROUPS if code in {c for c, _ in codes})


def _assign_sub(subs: list[tuple[str, float]], f: Features,
                codes: list[tuple[str, str]]) -> npt.NDArray[np.str_]:
    score_of = dict(codes)
    out = np.full(len(f["elev"]), "", dtype=object)
    for code, thr in subs:
        score = f[score_of[code]] if code in score_of else f["lake"]
        take = (out == "") & (score >= thr)
        out[take] = code
    return out


def classify(f: Features, cal: Calibration) -> npt.NDArray[np.object_]:
    """Return the land-class code (DLBM) at each point of ``f``."""
    n = len(f["elev"])
    out = np.full(n, "", dtype=object)
    in_lake = f["in_lake"] > 0.5
    lake_codes = _assign_sub(cal.lake_threshold, f, [(c, "lake") for c in LAKE_SPLIT])
    out[in_lake] = lake_codes[in_lake]
    for group, codes in GROUPS:
        thr = cal.group_threshold[group]
        take = (out == "") & (f[group] >= thr) if group != "forest" else (out == "")
        if take.any():
            sub = _assign_sub(cal.sub_threshold[group], {k: v[take] for k, v in f.items()},
                              codes)
            out[np.flatnonzero(take)] = sub
    return out


def slope_grade(slope: Array, cal: Calibration) -> npt.NDArray[np.object_]:
    """Return GDPDJB (耕地坡度级别 '1'..'5') for slopes, calibrated to the bulletin bands."""
    idx = np.searchsorted(np.asarray(cal.slope_grade_edges), slope, side="right")
    return np.array([str(i + 1) for i in idx], dtype=object)


def redline_score(elev: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """Score of a polygon for the ecological red line (−inf for ineligible classes)."""
    natural = np.char.startswith(codes.astype(str), "03") | np.isin(
        codes, ["1106", "0402", "1108", "0304", "0306", "1102", "1103", "0404"])
    bonus = np.where(np.isin(codes, ["1106", "0402", "1108", "1102"]), 2000.0, 0.0)
    return np.where(natural, elev + bonus, -np.inf)
