"""Rights from files into the register: a multi-block 拐点坐标 TXT and a GeoJSON layer."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from pyproj import Geod

from actors import SYSTEM
from onemap.errors import ImportRejected
from onemap.mining import service
from onemap.mining.import_service import import_rights_file
from onemap.store.workspace import Workspace

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "unit"))
from test_mining_txt import BLOCK1, BLOCK2, HEAD

GEOD = Geod(ellps="GRS80")


@pytest.fixture
def ws(tmp_path):
    w = Workspace.create(tmp_path / "ws")
    yield w
    w.close()


def test_two_block_txt_becomes_one_right(ws: Workspace, tmp_path) -> None:
    path = tmp_path / "C3601002020017130149999.txt"
    path.write_bytes((HEAD + BLOCK1 + BLOCK2).replace("\n", "\r\n").encode("gbk"))
    out = import_rights_file(ws, SYSTEM, path, defaults={"county": "360121"})
    assert (out.added, out.rights) == (1, ["C3601002020017130149999"])
    right = service.get_right(ws, SYSTEM, "C3601002020017130149999")
    assert right.blocks == 2 and right.minerals == ["石灰岩", "建筑用砂"]
    assert (right.depth_top, right.depth_bottom) == (120.0, -40.0)
    assert right.method == "open_pit" and right.valid_to == date(2030, 12, 31)
    assert right.holder == "江西某矿业有限公司"
    geom = shapely.geometry.shape(right.geometry)
    geod = sum(abs(GEOD.geometry_area_perimeter(p)[0]) for p in geom.geoms)
    assert right.area_m2 == pytest.approx(geod, rel=1e-9)
    assert right.area_m2 == pytest.approx(30_000, rel=2e-3)  # GK planar 30 000 m²
    again = import_rights_file(ws, SYSTEM, path, defaults={"county": "360121",
                                                          "status": "suspended"})
    assert (again.added, again.updated) == (0, 1)
    assert service.get_right(ws, SYSTEM, "C3601002020017130149999").status == "suspended"


def test_geojson_rights_and_clear_errors(ws: Workspace, tmp_path) -> None:
    frame = gpd.GeoDataFrame(
        {"XKZH": ["C1", "T1"], "KQMC": ["甲矿", "乙勘查"], "KZ": ["钨矿", "稀土、钨矿"],
         "ZT": ["有效", "申请"], "YXQQ": ["2015-01-01", "2024-01-01"],
         "YXQZ": ["2035-12-31", "2029-12-31"], "XZQDM": ["360121", "360111"]},
        geometry=[shapely.box(115.96, 28.60, 115.965, 28.605),
                  shapely.box(115.90, 28.60, 115.905, 28.605)], crs="EPSG:4490")
    path = tmp_path / "rights.geojson"
    frame.to_file(path, driver="GeoJSON")
    out = import_rights_file(ws, SYSTEM, path, defaults={"right_type": "exploration"})
    assert out.added == 2 and not out.refused  # no control layers: nothing to refuse
    rights = {r.right_no: r for r in service.list_rights(ws, SYSTEM)}
    assert rights["T1"].status == "application" and rights["T1"].minerals == ["稀土", "钨矿"]
    assert rights["C1"].county == "360121" and rights["T1"].right_type == "exploration"
    bad = frame.copy()
    bad["YXQZ"] = ["2035-12-31", "明年"]
    bad_path = tmp_path / "bad.geojson"
    bad.to_file(bad_path, driver="GeoJSON")
    with pytest.raises(ImportRejected, match=r"T1.*明年") as err:
        import_rights_file(ws, SYSTEM, bad_path)
    assert err.value.path == str(bad_path)
    broken = tmp_path / "broken.txt"
    broken.write_text(HEAD + BLOCK1.replace("J1,1,3166000.000,", "J1,1,31660OO.000,", 1),
                      encoding="utf-8")
    with pytest.raises(ImportRejected, match="line"):
        import_rights_file(ws, SYSTEM, broken, defaults={"county": "360121"})
    assert len(service.list_rights(ws, SYSTEM)) == 2  # nothing changed
