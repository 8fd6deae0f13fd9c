"""Evidence sheet of a case: location, boundary, before/after, history, overlaps, PDF."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

from actors import SYSTEM
from onemap.cases import service
from onemap.cases.evidence import build_sheet
from onemap.cases.models import Action, TransitionRequest, Verdict
from onemap.change import service as change_service
from onemap.reports.case_sheet import render_case_sheet_pdf

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from change_world import geod_area, write_world


@pytest.fixture
def pond_case(workspace):
    truth = write_world(workspace)
    batch = change_service.detect_changes(workspace, SYSTEM, from_year=2019, to_year=2020)
    opened = service.open_cases(workspace, SYSTEM, batch.batch.id)
    pond = next(t for t in truth if t.key == "pbf_pond")
    case = next(c for c in opened.created if c.to_code == "1104A")
    return workspace, case, pond


def test_sheet_holds_location_history_overlaps_and_keeps_dates_apart(pond_case, tmp_path):
    ws, case, pond = pond_case
    service.transition(ws, SYSTEM, case.id, TransitionRequest(
        action=Action.VERIFY, verdict=Verdict.ILLEGAL, event_date=datetime(2020, 5, 1).date()))
    sheet = build_sheet(ws, SYSTEM, case.id, now=datetime(2021, 1, 5, 10, 0))
    assert (sheet.from_year, sheet.to_year) == (2019, 2020)
    assert [(p.code, round(p.share, 6)) for p in sheet.before] == [("0101", 1.0)]
    assert [(p.code, round(p.share, 6)) for p in sheet.after] == [("1104A", 1.0)]
    assert [h.year for h in sheet.history] == [2019, 2020]
    controls = {o.kind: o for o in sheet.controls}
    assert set(controls) == {"pbf", "eco_redline", "udb", "nature_reserve", "hsf",
                             "mining_right"}
    assert controls["pbf"].share == pytest.approx(1.0, abs=1e-9)
    assert controls["pbf"].area_m2 == pytest.approx(geod_area(pond.geometry), rel=1e-9)
    assert controls["eco_redline"].area_m2 == 0.0
    assert len(sheet.boundary) == 4 and sheet.gk_zone == 39
    assert all(3_000_000 < p.x < 3_400_000 and 39_000_000 < p.y < 40_000_000
               for p in sheet.boundary)
    assert sheet.event_date.isoformat() == "2020-05-01"
    assert sheet.detected_on != sheet.event_date  # detection date and event date kept apart
    assert [e.action for e in sheet.events] == [Action.CREATE, Action.VERIFY]

    pdf = tmp_path / "sheet.pdf"
    render_case_sheet_pdf(ws, sheet, pdf)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    for needle in ("卫片执法图斑举证核查表", case.case_no, "疑似违法", "永久基本农田非粮化",
                   "2020-05-01", "水田", "养殖坑塘", "前时相 2019", "后时相 2020"):
        assert needle in text, needle
    png = subprocess.run(["pdftoppm", "-r", "40", "-png", "-f", "1", "-l", "1", str(pdf),
                          str(tmp_path / "page")], capture_output=True, check=True)
    assert png.returncode == 0 and list(tmp_path.glob("page*.png"))
    en = tmp_path / "sheet-en.pdf"
    render_case_sheet_pdf(ws, sheet, en, lang="en")
    text_en = subprocess.run(["pdftotext", str(en), "-"], capture_output=True, text=True,
                             check=True).stdout
    assert "Enforcement case evidence sheet" in text_en and "Confirmed violation" in text_en
