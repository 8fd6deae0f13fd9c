"""GDAL's OGR "OAPIF" driver reads our OGC API – Features from a running ``onemap serve``."""

from __future__ import annotations

import subprocess

import pyogrio
import pytest
from api_helpers import build_workspace, live_server

from onemap.store.workspace import Workspace


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("gdal")
    ws = build_workspace(root / "ws")
    ws.set_layer_access("dltb", 2020, classification="public")  # GDAL reads anonymously
    ws.close()
    with live_server(root / "ws", root / "server.log") as url:
        yield url, root / "ws"


def test_gdal_lists_and_reads_a_collection(server) -> None:
    url, root = server
    layers = {name for name, _ in pyogrio.list_layers(f"OAPIF:{url}/")}
    assert {"dltb_2020", "admin_county", "hazard_point_2023"} <= layers
    assert "mining_right_2023" not in layers  # secret, invisible to anonymous users
    gdf = pyogrio.read_dataframe(f"OAPIF:{url}/", layer="dltb_2020")
    assert len(gdf) == 108  # paged through several 'next' links
    assert set(gdf["county"]) == {"360111", "360121", "360203"}
    assert "QSDWMC" not in gdf.columns  # public users: sensitive fields removed
    assert gdf.crs is not None
    minx, miny, maxx, maxy = gdf.total_bounds
    assert 115.8 < minx < maxx < 117.4 and 28.5 < miny < maxy < 29.5
    ws = Workspace.open(root)
    assert ws.read_layer("dltb", 2020)["BSM"].nunique() == gdf["BSM"].nunique()


def test_ogrinfo_with_attribute_filter(server) -> None:
    url, _root = server
    out = subprocess.run(["ogrinfo", "-ro", "-so", "-where", "DLBM = '0101'",
                          f"OAPIF:{url}/", "dltb_2020"], capture_output=True, text=True,
                         timeout=120, check=True).stdout
    assert "Feature Count" in out and "DLBM" in out
