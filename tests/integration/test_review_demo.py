"""Site review on the demo province (two counties, small scale): answers known from its layers."""

from __future__ import annotations

from typing import TYPE_CHECKING

import geopandas as gpd
import pytest
import shapely
from review_world import geod_area

from actors import SYSTEM
from onemap.demo.models import DemoOptions
from onemap.demo.service import build_demo
from onemap.review.service import ReviewService, parcels_from_frame
from onemap.store.workspace import Workspace

if TYPE_CHECKING:
    from collections.abc import Iterator

COUNTIES = ["360111", "360121"]
TOL = 0.01


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Workspace, ReviewService]]:
    root = tmp_path_factory.mktemp("review_demo") / "ws"
    build_demo(root, DemoOptions(scale="small", counties=COUNTIES, picture=False))
    ws = Workspace.open(root)
    yield ws, ReviewService(ws)
    ws.close()


def _site(geom: shapely.Geometry) -> gpd.GeoDataFrame:
    return parcels_from_frame(gpd.GeoDataFrame({"DKBH": ["DK1"]}, geometry=[geom], crs=4490))


def _square(x: float, y: float, half_m: float) -> shapely.Polygon:
    dy = half_m / 110_900.0
    dx = dy / 0.88
    return shapely.box(x - dx, y - dy, x + dx, y + dy)


def test_a_sloped_paddy_polygon_splits_its_field_ridge(demo: tuple[Workspace, ReviewService]
                                                       ) -> None:
    ws, service = demo
    dltb = ws.read_layer("dltb")
    row = dltb[(dltb.DLBM == "0101") & (dltb.KCXS > 0)].iloc[0]
    inner = row.geometry.buffer(-2e-5)  # ~2 m inside: no neighbour is touched
    r = service.review(_site(inner), SYSTEM, record=False)
    area = geod_area(inner)
    assert r.area_m2 == pytest.approx(area, abs=TOL)
    assert r.landuse == pytest.approx({"0101": area * (1 - row.KCXS), "1203": area * row.KCXS},
                                      abs=TOL)
    assert r.balance.paddy_m2 == pytest.approx(area * (1 - row.KCXS), abs=TOL)
    assert r.balance.required_grade == int(row.GDDB)
    assert r.vintages[0].kind == "dltb" and r.vintages[0].vintage == max(ws.vintages("dltb"))
    assert "FB-01" in {t.id for t in r.rules}


def test_a_site_inside_the_red_line_is_rejected(demo: tuple[Workspace, ReviewService]) -> None:
    ws, service = demo
    eco = ws.read_layer("eco_redline")
    poly = max(eco.geometry, key=lambda g: g.area)
    pt = poly.representative_point()
    site = _square(pt.x, pt.y, 60)
    r = service.review(_site(site), SYSTEM, record=False)
    inside = site.intersection(shapely.union_all(eco.geometry.to_numpy()))
    assert r.overlaps["eco_redline"] == pytest.approx(geod_area(inside), abs=TOL)
    assert r.overlaps["eco_redline"] > 0 and r.verdict == "不通过"
    assert sum(r.landuse.values()) == pytest.approx(r.area_m2, abs=TOL)


def test_a_site_across_the_county_line(demo: tuple[Workspace, ReviewService]) -> None:
    ws, service = demo
    counties = ws.read_layer("admin_county").set_index("XZQDM")
    shared = counties.geometry["360111"].boundary.intersection(counties.geometry["360121"].boundary)
    pt = shapely.line_interpolate_point(shapely.line_merge(shared), 0.5, normalized=True) \
        if shared.geom_type != "Point" else shared
    site = _square(pt.x, pt.y, 150)
    r = service.review(_site(site), SYSTEM, record=False)
    for code in COUNTIES:
        expected = geod_area(site.intersection(counties.geometry[code]))
        assert r.totals.counties[code] == pytest.approx(expected, abs=TOL)
    assert "ADM-01" in {t.id for t in r.rules}
    assert len(r.totals.townships) >= 2
