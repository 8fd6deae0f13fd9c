"""The demo's geohazard season: warnings issued, responses recorded, hindcast scores checked.

The scores the service prints are recomputed here independently — plain loops over the
gauges' CSV, the register layer and the rule file, against the truth the generator wrote
(``truth/hazards.parquet``), not the events table.
"""

from __future__ import annotations

import math
import tomllib
from datetime import timedelta
from importlib import resources

import geopandas as gpd
import pandas as pd
import pytest

from onemap.demo.hazards import SEASON, WARNING_DAY
from onemap.demo.job import prepare_main_job
from onemap.demo.models import DemoOptions
from onemap.demo.service import build_demo
from onemap.hazards import evaluation, loop
from onemap.hazards.models import EventRequest, IssueRequest, ResponseKind, ResponseRequest
from onemap.store.workspace import Workspace
from onemap.users.identity import local_operator

COUNTIES = ["360430", "360735", "360781"]  # 庐山 / 石城 / 瑞金: hills and mountains
LEVEL = {"none": 0, "blue": 1, "yellow": 2, "orange": 3, "red": 4}


@pytest.fixture(scope="module")
def season(tmp_path_factory):
    path = tmp_path_factory.mktemp("hz-demo") / "ws"
    build_demo(path, DemoOptions(scale="tiny", seed=11, counties=COUNTIES))
    prepare_main_job(path, 11)
    ws = Workspace.open(path)
    actor = local_operator(ws)
    issued = loop.issue(ws, actor, IssueRequest(on=WARNING_DAY))
    truth = pd.read_parquet(path / "truth" / "hazards.parquet")
    today = truth[truth["day"] == WARNING_DAY]
    events = loop.record_events(ws, actor, [EventRequest(point_id=p, on=WARNING_DAY)
                                            for p in today["point_id"]])
    for b in issued.batches:
        detail = loop.get_batch(ws, actor, b.id)
        loop.respond(ws, actor, b.id, ResponseRequest(point_id=detail.notices[0].point_id,
                                                      kind=ResponseKind.PATROLLED))
    report = evaluation.score(ws, actor, *SEASON)
    yield ws, truth, issued, events, report
    ws.close()


def _rules():
    return tomllib.loads(resources.files("onemap.hazards").joinpath("rules.toml")
                         .read_text("utf-8"))


def _independent_levels(ws, rules):
    """Levels of every 在册 point on every season day, by plain loops."""
    rain = pd.read_csv(ws.root / "outputs" / "hazards" / "rain-stations-2020.csv",
                       dtype={"station": str})
    st = rain.drop_duplicates("station")[["station", "lon", "lat"]].to_numpy().tolist()
    by = {(r.station, r.time): r.mm for r in rain.itertuples()}
    days = [SEASON[0] + timedelta(d) for d in range((SEASON[1] - SEASON[0]).days + 1)]
    pts = ws.read_layer("hazard_point")
    pts = pts[pts["ZT"] == "在册"].reset_index(drop=True)
    zones = ws.read_layer("hazard_zone")
    joined = gpd.sjoin(pts, zones[["YFCD", "geometry"]], how="left", predicate="within")
    cls_of = {}
    for r in joined.itertuples():
        if r.ZHDBH not in cls_of or (isinstance(r.YFCD_right, str) and r.YFCD_right):
            own = r.YFCD_right if isinstance(r.YFCD_right, str) and r.YFCD_right else r.YFCD_left
            cls_of.setdefault(r.ZHDBH, own)
    lat0 = sum(g.y for g in pts.geometry) / len(pts)
    k, n = rules["k"], rules["days"]
    alpha, beta = rules["idf"]["alpha"], rules["idf"]["beta"]
    out = {}
    for p in pts.itertuples():
        x, y = p.geometry.x, p.geometry.y
        dist = sorted((math.hypot((x - sx) * 111.32 * math.cos(math.radians(lat0)),
                                  (y - sy) * 111.32), sid) for sid, sx, sy in st)[:4]
        w = [1 / d ** 2 for d, _ in dist]
        series = [sum(wi * by[(sid, str(day))] for wi, (_, sid) in zip(w, dist, strict=True))
                  / sum(w) for day in days]
        cls = cls_of[p.ZHDBH]
        levels = []
        for t in range(len(days)):
            pe = sum(k ** i * series[t - i] for i in range(n + 1) if t - i >= 0)
            grade = sum(pe >= v for v in rules["thresholds"][cls])
            level = LEVEL[rules["matrix"][cls][grade]]
            run, total = 0, 0.0
            while t - run >= 0 and series[t - run] >= rules["idf"]["wet_day_mm"]:
                total += series[t - run]
                run += 1
            if run and total / (24 * run) >= alpha * (24 * run) ** -beta:
                level = max(level, LEVEL[rules["idf"]["min_level"]])
            levels.append(level)
        out[p.ZHDBH] = (p.county, levels)
    return out, days


def test_hindcast_scores_match_an_independent_recount_of_the_truth(season):
    ws, truth, _, _, report = season
    assert len(truth) >= 5 and report.events == len(truth)
    levels, days = _independent_levels(ws, _rules())
    occurred = {(r.point_id, r.day) for r in truth.itertuples()}
    for lv in (1, 2, 3, 4):
        h = m = f = cn = 0
        for pid, (_, series) in levels.items():
            for day, level in zip(days, series, strict=True):
                warned, hit = level >= lv, (pid, day) in occurred
                h += warned and hit
                m += (not warned) and hit
                f += warned and not hit
                cn += not warned and not hit
        row = next(r for r in report.rows if int(r.level) == lv and r.county == "all")
        assert (row.hits, row.misses, row.false_alarms, row.correct_negatives) == (h, m, f, cn)
        assert row.pod == pytest.approx(h / (h + m)) and row.csi == pytest.approx(h / (h + m + f))
    yellow = next(r for r in report.rows if int(r.level) == 2 and r.county == "all")
    assert yellow.pod > 0.8 and yellow.tss > 0.5  # the model finds the planted landslides
    print(f"\nhindcast {SEASON[0]}–{SEASON[1]}: level ≥ yellow: hits {yellow.hits}, misses "
          f"{yellow.misses}, false alarms {yellow.false_alarms}, POD {yellow.pod:.3f}, "
          f"FAR {yellow.far:.3f}, CSI {yellow.csi:.3f}, TSS {yellow.tss:.3f}")


def test_the_warning_day_is_issued_linked_and_answered(season):
    ws, _truth, issued, events, _ = season
    assert issued.batches and {b.county for b in issued.batches} <= set(COUNTIES)
    warned = {w.id for b in issued.batches for w in loop.get_batch(ws, local_operator(ws),
                                                                     b.id).warnings}
    for e in events:
        assert e.covered == (e.point_id in warned)
    detail = loop.get_batch(ws, local_operator(ws), issued.batches[0].id)
    assert detail.responses and detail.responses[0].kind == ResponseKind.PATROLLED
    assert detail.notices[0].responsible and detail.notices[0].phone
    # the register came with the details the generator added, steep places more susceptible
    pts = ws.read_layer("hazard_point")
    assert set(pts["YFCD"]) <= {"高", "中", "低"} and pts["ZRR"].str.len().min() >= 2
