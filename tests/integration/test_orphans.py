"""A killed layer write leaves nothing in layers/; open and ``onemap qc`` clean older leftovers."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from onemap.cli.main import create_cli
from onemap.store.staging import STAGING_DIR
from onemap.store.workspace import Workspace

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from api_helpers import admin_frame, dltb_frame  # noqa: E402

KILLED_WRITE = textwrap.dedent("""
    import os, signal, sys
    sys.path.insert(0, {here!r})
    from api_helpers import dltb_frame
    from onemap.store.workspace import Workspace

    def frames():
        yield dltb_frame(per_side=3)          # its counties' partitions get written ...
        os.kill(os.getpid(), signal.SIGKILL)  # ... then the process dies before the switch
        yield dltb_frame(per_side=3)

    Workspace.open({root!r}).write_layer("dltb", 2021, frames())
""")


def _parquet(root: Path) -> list[Path]:
    return sorted((root / "layers").rglob("*.parquet"))


@pytest.fixture
def ws_root(tmp_path: Path) -> Path:
    ws = Workspace.create(tmp_path / "ws")
    ws.write_layer("admin_county", None, admin_frame())
    ws.write_layer("dltb", 2020, dltb_frame(per_side=2))
    ws.close()
    return tmp_path / "ws"


def test_a_killed_write_leaves_no_partition_file(ws_root: Path) -> None:
    before = _parquet(ws_root)
    script = KILLED_WRITE.format(here=str(HERE), root=str(ws_root))
    proc = subprocess.run([sys.executable, "-c", script], env={**os.environ}, check=False,
                          capture_output=True, text=True)
    assert proc.returncode == -9, proc.stderr
    assert _parquet(ws_root) == before  # nothing of the killed write under layers/
    staged = list((ws_root / STAGING_DIR).iterdir())
    assert staged and any(staged[0].rglob("*.parquet"))  # it was staged ...
    ws = Workspace.open(ws_root)  # ... and the next open removes it (its process is gone)
    assert not any((ws_root / STAGING_DIR).iterdir())
    assert ws.swept is not None and len(ws.swept.staging) == 1
    assert not ws.has_layer("dltb", 2021) and ws.layer("dltb", 2020).features == 12
    assert ws.audit_log(limit=1)[0].action == "workspace.orphans_swept"


def _plant(ws_root: Path, name: str, age_s: float) -> Path:
    """A partition file no catalog row lists, as an older onemap left it ``age_s`` ago."""
    src = next(p for p in _parquet(ws_root) if "/dltb/" in p.as_posix())
    target = src.parent / name
    shutil.copyfile(src, target)
    stamp = time.time() - age_s
    os.utime(target, (stamp, stamp))
    return target


def test_open_and_qc_remove_unreferenced_partitions(ws_root: Path) -> None:
    old = _plant(ws_root, "360111-0123456789ab.parquet", 3 * 86400)
    recent = _plant(ws_root, "360121-0123456789ab.parquet", 2 * 3600)
    fresh = _plant(ws_root, "360203-0123456789ab.parquet", 10)
    ws = Workspace.open(ws_root)
    assert not old.exists() and recent.exists() and fresh.exists()
    assert ws.swept is not None and ws.swept.partitions == [old.relative_to(ws_root).as_posix()]
    assert ws.read_layer("dltb", 2020).shape[0] == 12  # the catalog's files untouched
    ws.close()
    result = CliRunner().invoke(create_cli(), ["qc", str(ws_root), "--kind", "dltb",
                                               "--vintage", "2020"])
    assert result.exit_code == 0, result.output
    assert "orphan partition" in result.output
    assert not recent.exists() and fresh.exists()  # a write may still commit a fresh file
    ws = Workspace.open(ws_root)
    assert ws.read_layer("dltb", 2020).shape[0] == 12
    assert any(e.action == "workspace.orphans_swept" for e in ws.audit_log(limit=20))
