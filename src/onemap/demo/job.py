"""What the demo's main job adds to a freshly built province before the capabilities run on it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import BaseModel, Field

from onemap.demo.carbon import write_demo_projects
from onemap.demo.hazards import write_hazard_demo
from onemap.demo.indicator_inputs import load_demo_statistics
from onemap.demo.mining import load_demo_mining
from onemap.demo.quota import write_quota_demo
from onemap.demo.registry import build_demo_registry
from onemap.demo.sites import write_sample_sites
from onemap.store.workspace import Workspace
from onemap.users.identity import local_operator

if TYPE_CHECKING:
    from pathlib import Path


class MainJobInputs(BaseModel):
    """Inputs the main job prepared: sample sites and synthetic statistics."""

    sites: list[str] = Field(description="sample site coordinate TXT files (GBK)")
    statistics: str = Field(description="what was recorded for the plan indicators")


def prepare_main_job(directory: str | Path, seed: int) -> MainJobInputs:
    """Record demo statistics for the plan indicators and write sample sites to review."""
    ws = Workspace.open(directory)
    try:
        stats = load_demo_statistics(ws, seed, actor=local_operator(ws))
        load_demo_mining(ws, seed, actor=local_operator(ws))  # registers, quotas, restoration
        sites = write_sample_sites(ws, ws.root / "outputs" / "sites")
        write_demo_projects(ws)  # the restoration project library (onemap carbon projects)
        write_quota_demo(ws, seed, ws.root / "outputs" / "sites")  # 占补平衡 and 批供用 data
        build_demo_registry(ws, seed, actor=local_operator(ws))  # 确权登记 units
        write_hazard_demo(ws, seed, local_operator(ws))  # geohazard season (onemap.hazards)
    finally:
        ws.close()
    return MainJobInputs(sites=[str(p) for p in sites], statistics=repr(stats)[:500])
