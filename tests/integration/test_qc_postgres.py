"""Quality-check runs and findings are stored in a PostgreSQL catalog too."""

from __future__ import annotations

import pytest

from actors import SYSTEM
from onemap.quality.service import get_report, list_runs, run_quality_checks
from onemap.store.workspace import Workspace
from qc_fixture import EXPECTED_COUNTS, admin_county, dltb_layer

pytestmark = pytest.mark.postgres


def test_qc_on_a_postgres_catalog(tmp_path, fresh_database_url: str) -> None:
    ws = Workspace.create(tmp_path / "ws", database_url=fresh_database_url)
    try:
        ws.write_layer("admin_county", None, admin_county())
        ws.write_layer("dltb", 2023, dltb_layer())
        report = run_quality_checks(ws, "dltb", 2023, actor=SYSTEM)
        assert report.run.counts == EXPECTED_COUNTS
        assert [r.id for r in list_runs(ws, actor=SYSTEM)] == [report.run.id]
        assert get_report(ws, report.run.id, actor=SYSTEM).findings == report.findings
    finally:
        ws.close()
