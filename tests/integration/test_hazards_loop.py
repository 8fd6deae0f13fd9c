"""Geohazard warning on a real SQLite workspace: inputs, warnings, the closed loop, refusals."""

from __future__ import annotations

import sys
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import text

from onemap.errors import ScopeViolation
from onemap.geometry.area import ellipsoidal_area
from onemap.hazards import evaluation, loop, service
from onemap.hazards.errors import BatchClosed, HazardPointNotFound, RainfallRejected
from onemap.hazards.models import (
    CloseRequest,
    EventRequest,
    IssueRequest,
    Level,
    ResponseKind,
    ResponseRequest,
)
from onemap.hazards.rainfall import effective_rainfall
from onemap.store.access import Actor, Role
from onemap.store.policy import sensitive_fields

sys.path.insert(0, str(Path(__file__).resolve().parent))
from hazard_world import DAY, EAST, SPELL, WEST, write_hazard_world, write_rain_csv, zones

PROVINCE = Actor(username="prov", role=Role.ADMIN, regions=["360000"])
WEST_ANALYST = Actor(username="west", role=Role.ANALYST, regions=[WEST])
WEST_INSPECTOR = Actor(username="westi", role=Role.INSPECTOR, regions=[WEST])
PUBLIC = Actor(username="anonymous", role=Role.PUBLIC, regions=[], origin="anonymous")
T0 = datetime(2020, 7, 8, 9, 0)


@pytest.fixture
def world(workspace, tmp_path):
    write_hazard_world(workspace, PROVINCE, tmp_path)
    return workspace, tmp_path


def _by_id(run):
    return {w.id: w for w in run.points + run.zones}


def test_warnings_carry_figures_and_rule(world):
    ws, _ = world
    run = service.compute_warnings(ws, PROVINCE, DAY)
    pe = effective_rainfall(np.array([SPELL], dtype=float))[0]
    w = _by_id(run)
    high, mid, low = (w[f"{EAST}00000{k}"] for k in (1, 2, 3))
    assert high.pe_mm == pytest.approx(pe, abs=0.05) and high.forecast_mm == SPELL[-1]
    assert high.antecedent_mm == pytest.approx(pe - SPELL[-1], abs=0.1)
    # Pe ≈ 126.9: 高 grade 3 (≥100) → 橙; 中 grade 2 (≥95) → 黄; 低 grade 2 (≥125) → 蓝
    assert (high.level, mid.level, low.level) == (Level.ORANGE, Level.YELLOW, Level.BLUE)
    assert high.threshold_mm == 100.0 and "橙色" in high.rule and "高易发" in high.rule
    assert not high.id_exceeded and high.id_duration_h == 120.0
    assert w[f"{WEST}F0001"].level == Level.ORANGE  # the zone, 高易发
    assert run.forecast is None  # no grid: R0 observed
    # a county analyst sees only its own county
    mine = service.compute_warnings(ws, WEST_ANALYST, DAY)
    assert {x.county for x in mine.points + mine.zones} == {WEST}


def _tif(path: Path, value: float, *, crs: str | None = "EPSG:4490", negative: bool = False):
    import rasterio
    from rasterio.transform import from_origin

    data = np.full((20, 30), value, dtype="float32")
    if negative:
        data[3, 4] = -2.0
    with rasterio.open(path, "w", driver="GTiff", width=30, height=20, count=1, dtype="float32",
                       crs=crs, transform=from_origin(115.85, 28.70, 0.01, 0.01)) as dst:
        dst.write(data, 1)
    return path


def _nc(path: Path, value: float):
    import xarray as xr

    lon = 115.855 + 0.01 * np.arange(30)
    lat = 28.695 - 0.01 * np.arange(20)
    ds = xr.Dataset({"precip": (("time", "lat", "lon"), np.full((1, 20, 30), value))},
                    coords={"time": [0], "lat": lat, "lon": lon})
    ds["lon"].attrs["units"] = "degrees_east"
    ds["lat"].attrs["units"] = "degrees_north"
    ds.to_netcdf(path, engine="netcdf4")
    return path


def test_grid_and_stations_agree_on_a_constant_field(world):
    ws, tmp = world
    observed = _by_id(service.compute_warnings(ws, PROVINCE, DAY))
    grid = service.import_forecast(ws, PROVINCE, _tif(tmp / "f.tif", SPELL[-1]), DAY)
    assert grid.shape == (20, 30) and grid.max_mm == SPELL[-1]
    gridded = _by_id(service.compute_warnings(ws, PROVINCE, DAY))
    for key, w in observed.items():
        assert gridded[key].pe_mm == pytest.approx(w.pe_mm, abs=0.05), key
        assert gridded[key].level == w.level
    service.import_forecast(ws, PROVINCE, _nc(tmp / "f.nc", 80.0), DAY)  # newer grid wins
    wetter = _by_id(service.compute_warnings(ws, PROVINCE, DAY))
    assert all(w.forecast_mm == 80.0 for w in wetter.values())


def test_bad_rain_input_is_rejected_with_line_and_why(world):
    ws, tmp = world
    before = len(service.stations(ws))
    bad = tmp / "bad.csv"
    bad.write_text("station,lon,lat,time,mm\n"
                   "S1,115.90,28.60,2020-07-09,10\n"
                   "S1,115.90,28.60,2020-07-10,-3\n"
                   "S2,115.95,28.64,2020-07-10,\n"
                   "S9,,,2020-07-10,4\n"
                   "S3,116.50,28.60,2020-07-10,4\n", encoding="utf-8")
    with pytest.raises(RainfallRejected) as err:
        service.import_rainfall(ws, PROVINCE, bad)
    msg = str(err.value)
    assert "line 3: station S1: negative rainfall" in msg
    assert "line 4: station S2: missing value" in msg
    assert "line 5: unknown station S9" in msg
    assert "line 6: station S3 is registered at" in msg
    assert err.value.line == 3 and "bad.csv" in msg
    assert len(service.stations(ws)) == before
    with ws.session() as s:
        assert s.execute(text("SELECT count(*) FROM hazard_rain WHERE day > '2020-07-08'")
                         ).scalar() == 0


def test_bad_grids_are_rejected_with_band_and_why(world):
    ws, tmp = world
    with pytest.raises(RainfallRejected, match=r"band 1: the grid has no CRS \(unknown CRS\)"):
        service.import_forecast(ws, PROVINCE, _tif(tmp / "nocrs.tif", 5.0, crs=None), DAY)
    with pytest.raises(RainfallRejected, match=r"band 1: 1 cell.* of negative rain, first at "
                                               r"row 3, column 4"):
        service.import_forecast(ws, PROVINCE, _tif(tmp / "neg.tif", 5.0, negative=True), DAY)
    with pytest.raises(RainfallRejected, match="band 2 does not exist"):
        service.import_forecast(ws, PROVINCE, _tif(tmp / "ok.tif", 5.0), DAY, band=2)
    assert service.latest_forecast(ws, DAY) is None
    assert not list((ws.root / "hazards" / "grids").glob("*.tif")) if (
        ws.root / "hazards" / "grids").exists() else True


def test_closed_loop_states_and_refusals(world):
    ws, _tmp = world
    # a county user cannot issue for another county: refused, nothing written
    with pytest.raises(ScopeViolation):
        loop.issue(ws, WEST_ANALYST, IssueRequest(on=DAY, counties=[EAST]), now=T0)
    assert loop.list_batches(ws, PROVINCE) == []
    issued = loop.issue(ws, PROVINCE, IssueRequest(on=DAY, min_level=Level.YELLOW), now=T0)
    assert [b.county for b in issued.batches] == [WEST, EAST]
    west, east = issued.batches
    assert east.points == 2 and east.counts == {"orange": 2, "yellow": 1}  # 2 points + zone
    assert east.window_end - east.window_start == timedelta(hours=24)
    zone_m2 = float(ellipsoidal_area(zones()[zones()["FXQBH"] == f"{EAST}F0001"].geometry)[0])
    assert east.zone_area_m2 == pytest.approx(zone_m2, abs=0.1)
    assert east.zone_area_mu == pytest.approx(zone_m2 * 15 / 10_000, abs=0.01)
    detail = loop.get_batch(ws, PROVINCE, east.id)
    assert [n.point_id for n in detail.notices] == [f"{EAST}000001", f"{EAST}000002"]
    n1 = detail.notices[0]
    assert n1.responsible == "责任人11" and n1.phone and n1.threatened_people == 10
    assert f"{EAST}000001" in n1.sms and "橙色" in n1.sms
    # the county's own users respond; the other county's are refused
    loop.respond(ws, WEST_INSPECTOR, west.id, ResponseRequest(
        point_id=f"{WEST}000001", kind=ResponseKind.NOTIFIED))
    with pytest.raises(ScopeViolation):
        loop.respond(ws, WEST_ANALYST, east.id, ResponseRequest(
            point_id=f"{EAST}000001", kind=ResponseKind.NOTIFIED))
    with pytest.raises(ScopeViolation):
        loop.get_batch(ws, WEST_ANALYST, east.id)
    assert [b.id for b in loop.list_batches(ws, WEST_ANALYST)] == [west.id]
    loop.respond(ws, PROVINCE, east.id, ResponseRequest(
        point_id=f"{EAST}000001", kind=ResponseKind.EVACUATED, people_moved=9))
    loop.respond(ws, PROVINCE, east.id, ResponseRequest(
        point_id=f"{EAST}000001", kind=ResponseKind.REPORTED, comment="后缘裂缝"))
    with pytest.raises(Exception, match="no notice"):
        loop.respond(ws, PROVINCE, east.id, ResponseRequest(
            point_id=f"{EAST}000003", kind=ResponseKind.NOTIFIED))  # 低易发: not warned
    with pytest.raises(ScopeViolation):
        loop.close(ws, WEST_ANALYST, east.id, CloseRequest())
    closed = loop.close(ws, PROVINCE, east.id, CloseRequest(comment="降雨减弱"), now=T0)
    assert closed.status_zh == "已解除" and closed.summary["people_moved"] == 9
    assert closed.summary["reported"] == 1 and closed.summary["unanswered"] == [f"{EAST}000002"]
    with pytest.raises(BatchClosed):
        loop.respond(ws, PROVINCE, east.id, ResponseRequest(
            point_id=f"{EAST}000002", kind=ResponseKind.NOTIFIED))
    with pytest.raises(BatchClosed):
        loop.close(ws, PROVINCE, east.id, CloseRequest())
    # events: linked to the batch that warned the point that day, else a miss
    hit = loop.record_event(ws, PROVINCE, EventRequest(point_id=f"{EAST}000001", on=DAY))
    assert hit.covered and hit.batch_id == east.id and hit.warned_level == Level.ORANGE
    miss = loop.record_event(ws, PROVINCE, EventRequest(point_id=f"{EAST}000003", on=DAY))
    assert not miss.covered and miss.batch_id is None
    with pytest.raises(HazardPointNotFound):
        loop.record_event(ws, WEST_ANALYST, EventRequest(point_id=f"{EAST}000001", on=DAY))
    # histories are append-only, and audited
    with ws.engine.begin() as con, pytest.raises(Exception, match="append-only"):
        con.execute(text("UPDATE hazard_responses SET people_moved = 0"))
    with ws.engine.begin() as con, pytest.raises(Exception, match="append-only"):
        con.execute(text("DELETE FROM hazard_notices"))
    actions = {e.action for e in ws.audit_log(50)}
    assert {"hazards.issue", "hazards.respond", "hazards.close", "hazards.event",
            "access.denied"} <= actions


def test_notices_xlsx_bulletin_and_sensitive_fields(world):
    from onemap.reports.hazards import render_bulletin_pdf, write_notices

    ws, tmp = world
    issued = loop.issue(ws, PROVINCE, IssueRequest(on=DAY), now=T0)
    detail = loop.get_batch(ws, PROVINCE, issued.batches[0].id)
    path = write_notices(tmp / "n.xlsx", detail)
    rows = list(load_workbook(path).active.iter_rows(values_only=True))
    assert rows[1][0] == "灾害点编号" and rows[2][0] == detail.notices[0].point_id
    assert any("群测群防员" == c for c in rows[1])
    b = loop.bulletin(ws, PROVINCE, DAY)
    zones, counties = service.bulletin_layers(ws, PROVINCE)
    pdf = render_bulletin_pdf(b, zones, counties, tmp / "b.pdf")
    import io

    text_ = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "地质灾害气象风险预警单" in text_ and f"{EAST}000001" in text_ and "Caine" in text_
    # the public never sees who is threatened or whom to call
    assert {"WXRK", "WXCC", "ZRR", "JCR", "LXDH"} <= set(sensitive_fields("hazard_point"))
    with pytest.raises(ScopeViolation):
        service.compute_warnings(ws, PUBLIC, DAY)
    with pytest.raises(ScopeViolation):
        loop.bulletin(ws, PUBLIC, DAY)


def test_status_history_and_treated_points_are_not_warned(world):
    ws, _ = world
    pid = f"{WEST}000001"
    service.set_status(ws, PROVINCE, pid, "已治理", "削坡减载工程竣工")
    history = service.status_history(ws, PROVINCE, pid)
    assert [h.status for h in history] == ["registered", "treated"]
    run = service.compute_warnings(ws, PROVINCE, DAY)
    assert pid not in _by_id(run)
    with pytest.raises(ScopeViolation):
        service.set_status(ws, WEST_INSPECTOR, pid, "registered")  # inspectors do not edit


def test_hindcast_scores_and_calibration(world):
    ws, tmp = world
    season = [float(v) for v in np.tile(SPELL, 3)]
    end = DAY + timedelta(22)
    service.import_rainfall(ws, PROVINCE, write_rain_csv(tmp / "season.csv", season, end))
    loop.record_event(ws, PROVINCE, EventRequest(point_id=f"{EAST}000001", on=end))
    report = evaluation.score(ws, PROVINCE, end - timedelta(10), end)
    orange = next(r for r in report.rows if r.level == Level.ORANGE and r.county == "all")
    assert report.events == 1 and orange.hits == 1 and orange.misses == 0
    total = orange.hits + orange.misses + orange.false_alarms + orange.correct_negatives
    assert total == 6 * 11  # six points, eleven days
    posted = evaluation.post_scores(ws, PROVINCE, report, 2020)
    assert posted >= 4
    # the annual indicators report carries the ≥黄 scores, scoped like the report
    from onemap.indicators.service import evaluate
    from onemap.indicators.statistics import set_value
    from onemap.reports.indicators import render_indicators_html

    for region in (ws.root_region, WEST, EAST):  # the report covers the regions it evaluates
        set_value(ws, "abandoned_open_pit_mines_restored", region, 2020, 1.0, actor=PROVINCE)
    yellow = next(r for r in report.rows if r.level == Level.YELLOW and r.county == "all")
    html = render_indicators_html(ws, evaluate(ws, 2020, actor=PROVINCE))
    assert "地质灾害气象预警检验" in html
    assert yellow.pod is not None and f"{yellow.pod:.3f}" in html
    from onemap.reports.hazard_section import hazard_section

    everyone = hazard_section(ws, evaluate(ws, 2020, actor=PROVINCE))
    west = hazard_section(ws, evaluate(ws, 2020, actor=WEST_ANALYST))
    assert everyone is not None and west is not None
    assert {r["code"] for r in everyone["rows"]} == {ws.root_region, WEST, EAST}
    assert everyone["rows"][0]["code"] == ws.root_region  # the province first
    assert {r["code"] for r in west["rows"]} == {WEST}  # a county user sees its own scores
    cal = evaluation.calibrate(ws, PROVINCE, end - timedelta(10), end)
    assert cal.events == 1 and "高" in cal.fitted




def test_register_import_from_xlsx_with_coordinates(workspace, tmp_path):
    from openpyxl import Workbook

    from onemap.store.formats.models import ImportRequest

    wb = Workbook()
    sheet = wb.active
    sheet.append(["灾害点编号", "ZHLX", "经度", "纬度", "XZQDM", "ZT", "YFCD", "ZRR", "LXDH"])
    sheet.append(["360111000101", "collapse", 115.92, 28.61, "360111001", "在册", "高", "甲", "1"])
    sheet.append(["360111000102", "landslide", 115.93, 28.62, "360111001", "已搬迁", "中", "乙",
                  "2"])
    wb.save(tmp_path / "points.xlsx")
    report = service.import_register(workspace, PROVINCE, ImportRequest(
        path=tmp_path / "points.xlsx", kind="hazard_point", vintage=2020,
        aliases={"灾害点编号": "ZHDBH"}))
    assert report.features_imported == 2
    reg = service.read_register(workspace, PROVINCE, active_only=False)
    assert dict(zip(reg.points["site_id"], reg.points["status"], strict=True)) == {
        "360111000101": "registered", "360111000102": "relocated"}
    assert [h.status for h in service.status_history(workspace, PROVINCE, "360111000102")] == [
        "relocated"]
    bad = tmp_path / "bad.xlsx"
    wb2 = Workbook()
    wb2.active.append(["ZHDBH", "经度", "纬度", "XZQDM"])
    wb2.active.append(["x1", "not-a-number", 28.6, "360111001"])
    wb2.save(bad)
    with pytest.raises(Exception, match=r"bad\.xlsx"):
        service.import_register(workspace, PROVINCE, ImportRequest(
            path=bad, kind="hazard_point", vintage=2021))
