"""Export a demo county's layers to user formats and import them back into a new workspace."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pytest

from actors import SYSTEM
from onemap.demo.models import DemoOptions
from onemap.demo.service import build_demo
from onemap.geometry.area import ellipsoidal_area
from onemap.quality.service import run_quality_checks
from onemap.store.exporter import export_layer
from onemap.store.formats import read_coordinate_txt
from onemap.store.formats.models import ImportRequest
from onemap.store.importer import import_file
from onemap.store.workspace import Workspace

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

COUNTY = "360111"  # 青山湖区, 115.9–116.0°E: 3° zone 39


@pytest.fixture(scope="module")
def demo_ws(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    root = tmp_path_factory.mktemp("demo") / "ws"
    build_demo(root, DemoOptions(scale="small", counties=[COUNTY], picture=False))
    ws = Workspace.open(root)
    yield ws
    ws.close()


def test_dltb_through_a_legacy_gbk_shapefile_in_zone_39(demo_ws: Workspace,
                                                        tmp_path: Path) -> None:
    shp = tmp_path / "dltb_zone39.shp"
    report = export_layer(demo_ws, "dltb", 2019, shp, crs=4527, encoding="GBK", actor=SYSTEM)
    assert report.crs == "EPSG:4527"
    shp.with_suffix(".cpg").unlink()  # what a legacy tool hands back
    fresh = Workspace.create(tmp_path / "fresh")
    try:
        county = tmp_path / "county.geojson"  # the boundary goes the same way (zone 39)
        export_layer(demo_ws, "admin_county", None, county, crs=4527, actor=SYSTEM)
        assert import_file(fresh, ImportRequest(path=county, kind="admin_county"),
                           actor=SYSTEM).features_imported == 1
        imported = import_file(fresh, ImportRequest(path=shp, kind="dltb", vintage=2019),
                               actor=SYSTEM)
        assert imported.source.encoding == "GB18030" and imported.source.zone == 39
        assert imported.counties == [COUNTY] and not imported.rejected
        before = demo_ws.read_layer("dltb", 2019).sort_values("BSM").reset_index(drop=True)
        after = fresh.read_layer("dltb", 2019).sort_values("BSM").reset_index(drop=True)
        assert len(after) == len(before) > 100
        for col in ("BSM", "DLBM", "DLMC", "ZLDWDM", "QSDWMC", "KCDLBM"):
            if col in before.columns:
                assert after[col].fillna("").tolist() == before[col].fillna("").tolist(), col
        np.testing.assert_allclose(after["TBMJ"].astype(float), before["TBMJ"].astype(float))
        a0 = ellipsoidal_area(before.geometry.to_numpy())
        a1 = ellipsoidal_area(after.geometry.to_numpy())
        np.testing.assert_allclose(a1, a0, rtol=1e-9)  # zone 39 and back: sub-mm²
        qc = run_quality_checks(fresh, "dltb", 2019, actor=SYSTEM)
        assert qc.findings == [], qc.run.counts  # still tiles the county after the trip
    finally:
        fresh.close()


def test_approvals_through_a_coordinate_txt(demo_ws: Workspace, tmp_path: Path) -> None:
    txt = tmp_path / "approvals.txt"
    report = export_layer(demo_ws, "approval", 2020, txt, format="txt", encoding="GBK",
                          actor=SYSTEM)
    doc = read_coordinate_txt(txt)
    assert doc.zone == 39 and doc.encoding == "GB18030"
    before = demo_ws.read_layer("approval", 2020)
    assert len(doc.parcels) == len(before) == report.features
    fresh = Workspace.create(tmp_path / "fresh")
    try:
        imported = import_file(fresh, ImportRequest(
            path=txt, kind="approval", vintage=2020, aliases={"DKBH": "PZWH", "DKYT": "YDLX"}),
            actor=SYSTEM)
        after = fresh.read_layer("approval", 2020)
        assert imported.features_imported == len(before)
        assert sorted(after["PZWH"]) == sorted(before["PZWH"])
        b = dict(zip(before["PZWH"], ellipsoidal_area(before.geometry.to_numpy()), strict=True))
        a = dict(zip(after["PZWH"], ellipsoidal_area(after.geometry.to_numpy()), strict=True))
        perimeter = dict(zip(before["PZWH"], before.to_crs(4527).length, strict=True))
        for key, value in b.items():  # vertices rounded to the millimetre: |Δ| ≤ ½ mm × perimeter
            assert abs(a[key] - value) <= 0.0005 * perimeter[key], key
    finally:
        fresh.close()
