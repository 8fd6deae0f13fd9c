"""GDAL as a stock client of a live ``onemap serve``: OAPIF with Basic auth and a filtered
query paged through ``next`` links, and the OGCAPI driver reading the vector tiles.

Two GDALs: pyogrio's bundled GDAL (3.12) and Debian's ``ogrinfo`` (3.6, the version the
issue was tried with).
"""

from __future__ import annotations

import re
import subprocess
from urllib.parse import parse_qs, quote, urlsplit

import pyogrio
import pytest
from api_helpers import PASSWORD, build_workspace, live_server

from onemap.store.workspace import Workspace

CQL = "DLBM IN ('0101','0102') AND ZLDWMC LIKE '%村'"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("gdalclients")
    build_workspace(root / "ws").close()
    with live_server(root / "ws", root / "server.log") as url:
        yield url, root


def _expected(root) -> int:
    frame = Workspace.open(root / "ws").read_layer("dltb", 2020)
    return int((frame["DLBM"].isin(["0101", "0102"]) & frame["ZLDWMC"].str.endswith("村")).sum())


def test_oapif_with_basic_auth_pages_a_filtered_query(server) -> None:
    url, root = server
    gdf = pyogrio.read_dataframe(f"OAPIF:{url}/", layer="dltb_2020", where=CQL,
                                 USERPWD=f"admin:{PASSWORD}", PAGE_SIZE=5)
    expected = _expected(root)
    assert len(gdf) == expected > 10  # several pages of 5
    assert set(gdf["DLBM"]) <= {"0101", "0102"}
    assert "QSDWMC" in gdf.columns  # logged in: the full attributes


def test_gdal_pages_a_server_side_filter_through_encoded_next_links(server, tmp_path) -> None:
    """The filter travels in the URL (spaces, quotes, ``%村``); every page must keep it."""
    url, root = server
    log = tmp_path / "gdal.log"
    pyogrio.set_gdal_config_options({"CPL_DEBUG": "ON", "CPL_LOG": str(log)})
    try:
        gdf = pyogrio.read_dataframe(
            f"OAPIF:{url}/collections/dltb_2020?filter={quote(CQL, safe='')}",
            USERPWD=f"admin:{PASSWORD}", PAGE_SIZE=5)
    finally:
        pyogrio.set_gdal_config_options({"CPL_DEBUG": None, "CPL_LOG": None})
    expected = _expected(root)
    assert len(gdf) == expected > 10 and set(gdf["DLBM"]) <= {"0101", "0102"}
    fetched = re.findall(r"HTTP: Fetch\((\S+)\)", log.read_text(errors="replace"))
    pages = [u for u in fetched if "/collections/dltb_2020/items" in u]
    followed = [u for u in pages if "offset=" in u]
    assert len(followed) >= expected // 5 - 1, pages  # GDAL walked our next links
    for u in followed:
        query = parse_qs(urlsplit(u).query)
        assert query["filter"] == [CQL], u  # once, intact: no raw or doubled filter
        assert " " not in u and "'" not in u, u


def test_oapif_without_credentials_sees_only_public_layers(server) -> None:
    url, _root = server
    layers = {name for name, _ in pyogrio.list_layers(f"OAPIF:{url}/")}
    assert "admin_county" in layers and "dltb_2020" not in layers
    with pytest.raises(pyogrio.errors.DataSourceError):
        pyogrio.read_dataframe(f"OAPIF:{url}/", layer="admin_county",
                               USERPWD="admin:wrong-password")


def test_debian_ogrinfo_oapif_reports_multipolygon_and_count(server) -> None:
    url, _root = server
    out = subprocess.run(["ogrinfo", "-ro", "-so", "--config", "GDAL_HTTP_USERPWD",
                          f"admin:{PASSWORD}", f"OAPIF:{url}/", "dltb_2020"],
                         capture_output=True, text=True, timeout=120, check=True).stdout
    assert "Geometry: Multi Polygon" in out, out
    assert re.search(r"Feature Count: 108\b", out), out


def test_ogcapi_driver_reads_vector_tiles(server) -> None:
    url, _root = server
    layers = [name for name, _ in pyogrio.list_layers(f"OGCAPI:{url}/collections/admin_county")]
    assert layers == [f"Zoom level {z}" for z in range(len(layers))] and len(layers) >= 10
    tiles = pyogrio.read_dataframe(f"OGCAPI:{url}/collections/admin_county",
                                   layer="Zoom level 8")
    assert len(tiles) >= 3  # the three counties (cut at tile edges)
    minx, miny, maxx, maxy = tiles.total_bounds
    assert 115.7 < minx < maxx < 117.5 and 28.4 < miny < maxy < 29.6  # in the right place


def test_debian_gdal_ogcapi_finds_the_tiling_scheme(server) -> None:
    """GDAL 3.6 (the issue's version) no longer stops at the tiling-scheme link."""
    url, _root = server
    run = subprocess.run(["ogrinfo", "-ro", "-so", "--debug", "on",
                          f"OGCAPI:{url}/collections/admin_county"],
                         capture_output=True, text=True, timeout=120)
    assert "Cannot find http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme" not in run.stderr
    assert "/tileMatrixSets/WorldCRS84Quad" in run.stderr  # it fetched the scheme
    assert "Invalid tiling matrix set" not in run.stderr  # and parsed it (TMS 1.0 members)
