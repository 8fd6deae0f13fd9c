"""Lint and types run in the test suite, as CI's single entry point: ruff and mypy."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def test_ruff_is_clean() -> None:
    result = subprocess.run([str(BIN / "ruff"), "check", "src", "tests", "bench"], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-4000:]


def test_mypy_is_clean() -> None:
    result = subprocess.run([str(BIN / "mypy"), "src"], cwd=ROOT, capture_output=True,
                            text=True)
    assert result.returncode == 0, result.stdout[-4000:]
