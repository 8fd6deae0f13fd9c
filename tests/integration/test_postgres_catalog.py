"""The catalog also runs on a real PostgreSQL server (URL in onemap.toml)."""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely
from sqlalchemy import text

from onemap.store.workspace import Workspace

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_database(fresh_database_url: str) -> str:
    return fresh_database_url


def test_workspace_on_postgres(tmp_path, pg_database: str) -> None:
    ws = Workspace.create(tmp_path / "ws", database_url=pg_database)
    gdf = gpd.GeoDataFrame({"BSM": ["1"], "DLBM": ["0101"], "ZLDWDM": ["360111001001"],
                            "TBMJ": [1.0]}, geometry=[shapely.box(115.9, 28.6, 115.91, 28.61)],
                           crs=4490)
    ws.write_layer("dltb", 2019, gdf, actor="tester")
    ws.close()
    reopened = Workspace.open(tmp_path / "ws")
    assert reopened.config.database_url == pg_database
    [info] = reopened.list_layers()
    assert (info.kind, info.vintage, info.features) == ("dltb", 2019, 1)
    assert reopened.audit_log()[0].actor == "tester"
    with reopened.engine.connect() as conn:
        assert conn.execute(text("select count(*) from partitions")).scalar() == 1
    reopened.close()
