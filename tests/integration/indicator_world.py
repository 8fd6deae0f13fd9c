"""A small demo province for indicator tests: two counties of the Jiangxi demo, built once."""

from __future__ import annotations

import shutil
from typing import TYPE_CHECKING

from onemap.demo.models import DemoOptions
from onemap.demo.service import build_demo

if TYPE_CHECKING:
    from pathlib import Path

COUNTIES = ["360111", "360121", "360203"]  # two in 南昌市 (3601), one in 萍乡市 (3602)
SEED = 2019


def build_indicator_demo(root: Path) -> Path:
    """Build the tiny demo of :data:`COUNTIES` at ``root`` (about 6 s); return the folder."""
    build_demo(root, DemoOptions(scale="tiny", seed=SEED, counties=COUNTIES, picture=False))
    return root


def copy_demo(src: Path, dst: Path) -> Path:
    """Copy a built demo workspace (closed) so a test may change it freely."""
    shutil.copytree(src, dst)
    return dst
