"""Console output: summaries by default (``--all`` lists), ``--lang`` reaches it; the search
index is warmed at server start; ``make demo`` installs only what the demo needs."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from onemap.cli.main import create_cli
from onemap.store.access import Actor, Role
from onemap.store.browse import search, warm_search
from onemap.store.reader import PartitionCache, WorkspaceReader
from onemap.store.workspace import Workspace

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from change_world import write_world

ROOT = Path(__file__).resolve().parents[2]
CJK = re.compile(r"[\u3400-\u9fff]")
runner = CliRunner()


@pytest.fixture(scope="module")
def ws_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("console") / "ws"
    ws = Workspace.create(path)
    write_world(ws)
    ws.close()
    return path


def _change(root: Path, *extra: str) -> str:
    result = runner.invoke(create_cli(), ["change", str(root), "--from", "2019", "--to", "2020",
                                          *extra], terminal_width=200)
    assert result.exit_code == 0, result.output
    return result.stdout


def test_change_prints_a_summary_and_all_lists_every_patch(ws_root: Path) -> None:
    listed = _change(ws_root, "--all", "--json")
    import json

    ids = [p["id"] for p in json.loads(listed)["patches"]]
    assert len(ids) > 3
    summary = _change(ws_root)
    assert not any(i in summary for i in ids)  # no patch rows by default
    assert "--all" in summary and "汇总" in summary
    assert "new_construction" not in summary and "新增建设用地" in summary
    every = _change(ws_root, "--all")
    assert all(i in every for i in ids)


def test_lang_en_reaches_the_console(ws_root: Path, tmp_path: Path) -> None:
    out = _change(ws_root, "--lang", "en")
    assert "change patches" in out and "New construction land" in out
    text = re.sub(r"“[^”]*”", "", out)
    assert not CJK.search(text), [line for line in text.splitlines() if CJK.search(line)]
    bad = runner.invoke(create_cli(), ["change", str(ws_root), "--from", "2019", "--to", "2020",
                                       "--lang", "fr"])
    assert bad.exit_code == 2


def test_search_partitions_are_warm_after_start(ws_root: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    ws = Workspace.open(ws_root)
    reader = WorkspaceReader(ws, cache=PartitionCache(ws.root))
    actor = Actor(username="op", role=Role.ADMIN, regions=[ws.root_region], origin="local")
    assert warm_search(reader.scoped(actor)) > 0

    def cold(*args: object, **kwargs: object) -> object:
        raise AssertionError("search read a partition from disk after the warm-up")

    monkeypatch.setattr("onemap.store.reader.read_partition", cold)
    hits = search(reader.scoped(actor), "3601")
    assert hits
    ws.close()


def test_make_demo_needs_no_browser_and_no_postgresql() -> None:
    def packages(target: str) -> str:
        out = subprocess.run(["make", "-n", "-C", str(ROOT), target, "DEMO_DIR=/nonexistent"],
                             capture_output=True, text=True, check=True).stdout
        return " ".join(re.findall(r"for p in ([^;]*);", out))

    demo, test = packages("demo"), packages("test")
    assert "fonts-noto-cjk" in demo and "libpango-1.0-0" in demo
    assert "chromium" not in demo and "postgresql" not in demo
    assert "chromium" in test and "postgresql-15-postgis-3" in test
