from __future__ import annotations

import geopandas as gpd
import pytest
import shapely

from onemap.errors import CrsError, ImportRejected, NotFound, WorkspaceError
from onemap.store.workspace import Workspace


def _dltb(codes: list[str], counties: list[str]) -> gpd.GeoDataFrame:
    geoms = [shapely.box(115.9 + i * 0.01, 28.6, 115.905 + i * 0.01, 28.605)
             for i in range(len(codes))]
    return gpd.GeoDataFrame(
        {"BSM": [str(i) for i in range(len(codes))], "DLBM": codes,
         "ZLDWDM": [c + "001001" for c in counties], "TBMJ": [1.0] * len(codes)},
        geometry=geoms, crs=4490)


def test_write_read_by_county_and_bbox(workspace: Workspace) -> None:
    info = workspace.write_layer("dltb", 2019, _dltb(["0101", "0301", "0701"],
                                                    ["360111", "360111", "360121"]))
    assert info.features == 3 and info.counties == 2
    assert [p.county for p in workspace.partitions("dltb", 2019)] == ["360111", "360121"]
    got = workspace.read_layer("dltb", 2019, counties=["360121"])
    assert got["DLBM"].tolist() == ["0701"]
    assert got.crs.to_epsg() == 4490
    near = workspace.read_layer("dltb", bbox=(115.89, 28.59, 115.906, 28.61))
    assert near["BSM"].tolist() == ["0"]


def test_rewriting_a_county_replaces_only_that_county(workspace: Workspace) -> None:
    workspace.write_layer("dltb", 2019, _dltb(["0101", "0701"], ["360111", "360121"]))
    workspace.write_layer("dltb", 2019, _dltb(["0103"], ["360111"]))
    got = workspace.read_layer("dltb", 2019).sort_values("county")
    assert got["DLBM"].tolist() == ["0103", "0701"]
    files = sorted(p.name for p in (workspace.root / "layers/dltb/2019").iterdir()
                   if p.is_file())
    assert len(files) == 2  # the replaced partition file was removed
    overviews = list((workspace.root / "layers/dltb/2019/overviews").iterdir())
    assert len(overviews) == 2  # ... and its overview


def test_failed_write_changes_nothing(workspace: Workspace, monkeypatch) -> None:
    workspace.write_layer("dltb", 2019, _dltb(["0101"], ["360111"]))
    before = workspace.read_layer("dltb", 2019)
    files_before = sorted((workspace.root / "layers").rglob("*.parquet"))

    import onemap.store.workspace as wsmod

    calls = {"n": 0}
    real = wsmod.write_partition

    def flaky(gdf, path):
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError("disk full")
        return real(gdf, path)

    monkeypatch.setattr(wsmod, "write_partition", flaky)
    with pytest.raises(OSError):
        workspace.write_layer("dltb", 2019, _dltb(["0102", "0102"], ["360111", "360121"]))
    assert sorted((workspace.root / "layers").rglob("*.parquet")) == files_before
    after = workspace.read_layer("dltb", 2019)
    assert after["DLBM"].tolist() == before["DLBM"].tolist()


def test_bad_inputs_are_refused(workspace: Workspace) -> None:
    gdf = _dltb(["0101"], ["360111"])
    with pytest.raises(CrsError):
        workspace.write_layer("dltb", 2019, gdf.to_crs(4527))
    with pytest.raises(ImportRejected, match="BSM"):
        workspace.write_layer("dltb", 2019, gdf.drop(columns="BSM"))
    with pytest.raises(ImportRejected, match="vintage"):
        workspace.write_layer("dltb", None, gdf)
    with pytest.raises(NotFound):
        workspace.read_layer("pbf", 2019)
    assert workspace.list_layers() == []


def test_open_refuses_non_workspace(tmp_path) -> None:
    with pytest.raises(WorkspaceError):
        Workspace.open(tmp_path)


def test_spatial_county_assignment(workspace: Workspace) -> None:
    admin = gpd.GeoDataFrame({"XZQDM": ["360111", "360121"], "XZQMC": ["a", "b"]},
                             geometry=[shapely.box(115.0, 28.0, 116.0, 29.0),
                                       shapely.box(116.0, 28.0, 117.0, 29.0)], crs=4490)
    workspace.write_layer("admin_county", None, admin)
    pts = gpd.GeoDataFrame({"ZHDBH": ["a", "b"]},
                           geometry=[shapely.Point(115.5, 28.5), shapely.Point(116.5, 28.5)],
                           crs=4490)
    workspace.write_layer("hazard_point", 2020, pts)
    got = workspace.read_layer("hazard_point", 2020).sort_values("ZHDBH")
    assert got["county"].tolist() == ["360111", "360121"]
