"""The change, cases and ledgers commands as a user runs them (real process, parsed JSON)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from onemap.change.models import DetectionResult
from onemap.reports.xlsx import read_xlsx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from change_world import write_world

ONEMAP = str(Path(sys.executable).with_name("onemap"))


def run(*args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run([ONEMAP, *args], capture_output=True, text=True)
    if ok:
        assert proc.returncode == 0, proc.stderr
    return proc


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    from onemap.store.workspace import Workspace

    path = tmp_path_factory.mktemp("cli") / "ws"
    ws = Workspace.create(path)
    write_world(ws)
    ws.close()
    return path


def test_change_json_matrix_cases_ledger_and_refusal(root, tmp_path):
    xlsx = tmp_path / "change.xlsx"
    proc = run("change", str(root), "--from", "2019", "--to", "2020", "--json", "--xlsx",
               str(xlsx), "--open-cases", "--post-ledger")
    result = DetectionResult.model_validate_json(proc.stdout)
    raw = json.loads(proc.stdout)["patches"]
    for key in ("id", "county", "from_code", "to_code", "area_m2", "classes", "legality"):
        assert all(key in p for p in raw), key
    assert len(result.patches) == 12 and result.batch.by_legality["疑似违法"] == 6
    sheets = read_xlsx(xlsx)
    matrix = sheets["变化矩阵"]
    header = matrix[1]
    rows = [dict(zip(header, r, strict=True)) for r in matrix[2:]]
    assert sum(r["图斑数"] for r in rows) == 12
    total_mu = sum(r["面积(亩)"] for r in rows)
    assert total_mu == pytest.approx(sum(p.area_m2 for p in result.patches) * 15 / 10_000,
                                     abs=0.005 * len(rows))  # each cell rounded to 0.01 亩

    cases = json.loads(run("cases", "list", str(root), "--json").stdout)
    assert len(cases) == 8
    case = cases[0]["case_no"]
    refused = run("cases", "transition", str(root), case, "file", ok=False)
    assert refused.returncode == 11 and "transition_refused" in refused.stderr
    missing_reason = run("cases", "transition", str(root), case, "verify", "--verdict", "合法",
                         ok=False)
    assert missing_reason.returncode == 3
    done = json.loads(run("cases", "transition", str(root), case, "verify", "--verdict", "违法",
                          "--version", "1", "--json").stdout)
    assert done["status"] == "submitted" and done["version"] == 2 and not done["illegal"]
    stale = run("cases", "transition", str(root), case, "comment", "--comment", "x",
                "--version", "1", ok=False)
    assert stale.returncode == 10

    balance = json.loads(run("ledgers", "balance", str(root), "--json").stdout)
    assert balance["warnings"] == 1
    ledger_x = tmp_path / "ledger.xlsx"
    run("ledgers", "balance", str(root), "--xlsx", str(ledger_x))
    assert "全省汇总" in read_xlsx(ledger_x)
