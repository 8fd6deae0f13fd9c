"""Helpers for API tests: a small multi-county workspace, users with tokens, a live server."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import httpx
import numpy as np
import shapely

from onemap.store.access import Role
from onemap.store.workspace import Workspace
from onemap.users.models import UserCreate
from onemap.users.service import UserService

if TYPE_CHECKING:
    from collections.abc import Iterator

# county → (lon0, lat0) of its 0.1° × 0.1° block of test polygons
COUNTIES = {"360111": (115.90, 28.60), "360121": (116.00, 28.60), "360203": (117.20, 29.30)}
CODES = ["0101", "0102", "0201", "0301", "0404", "0702", "1001", "1101"]
PASSWORD = "secret-pw-0001"


def dltb_frame(per_side: int = 6, seed: int = 1) -> gpd.GeoDataFrame:
    """A grid of land-use polygons in each test county (per_side² each)."""
    rng = np.random.default_rng(seed)
    rows, geoms = [], []
    step = 0.1 / per_side
    for county, (x0, y0) in COUNTIES.items():
        for i in range(per_side):
            for j in range(per_side):
                geoms.append(shapely.box(x0 + i * step, y0 + j * step,
                                         x0 + (i + 1) * step, y0 + (j + 1) * step))
                code = CODES[int(rng.integers(len(CODES)))]
                rows.append({"BSM": f"{county}{i:03d}{j:03d}", "DLBM": code,
                             "DLMC": {"0101": "水田", "0102": "水浇地", "0201": "果园",
                                      "0301": "乔木林地", "0404": "其他草地",
                                      "0702": "农村宅基地", "1001": "铁路用地",
                                      "1101": "河流水面"}[code],
                             "QSXZ": "30", "QSDWDM": f"{county}001001", "QSDWMC": "某村民委员会",
                             "ZLDWDM": f"{county}001001", "ZLDWMC": "某村", "TBMJ": 1000.0,
                             "KCDLBM": "1203" if code.startswith("01") else None,
                             "KCXS": 0.05 if code.startswith("01") else 0.0,
                             "KCMJ": 50.0 if code.startswith("01") else 0.0,
                             "TBDLMJ": 950.0 if code.startswith("01") else 1000.0,
                             "GDLX": "TT" if code.startswith("01") else None,
                             "GDPDJB": "2" if code.startswith("01") else None,
                             "GDDB": 5 if code.startswith("01") else None,
                             "CZCSXM": None, "SJNF": 2020})
    return gpd.GeoDataFrame(rows, geometry=geoms, crs=4490)


def admin_frame() -> gpd.GeoDataFrame:
    """County outlines of the test counties."""
    names = {"360111": "青山湖区", "360121": "南昌县", "360203": "珠山区"}
    return gpd.GeoDataFrame(
        {"XZQDM": list(COUNTIES), "XZQMC": [names[c] for c in COUNTIES]},
        geometry=[shapely.box(x, y, x + 0.1, y + 0.1) for x, y in COUNTIES.values()], crs=4490)


def hazard_points() -> gpd.GeoDataFrame:
    """One geohazard point per county with sensitive attributes (WXRK, WXCC)."""
    return gpd.GeoDataFrame(
        {"ZHDBH": [f"H{c}" for c in COUNTIES], "ZHLX": "landslide", "WXRK": 120, "WXCC": 55.5,
         "XZQDM": list(COUNTIES)},
        geometry=[shapely.Point(x + 0.0512345, y + 0.0512345) for x, y in COUNTIES.values()],
        crs=4490)


def build_workspace(root: Path) -> Workspace:
    """Create the test workspace: layers of three counties in two cities, and users."""
    ws = Workspace.create(root)
    ws.write_layer("dltb", 2020, dltb_frame())
    ws.write_layer("admin_county", None, admin_frame())
    ws.write_layer("hazard_point", 2023, hazard_points())
    ws.set_layer_access("hazard_point", 2023, classification="public")
    mining = admin_frame().rename(columns={"XZQMC": "KQMC"})
    mining["XKZH"] = ["C1", "C2", "C3"]
    ws.write_layer("mining_right", 2023, mining)
    ws.set_layer_access("mining_right", 2023, classification="secret")
    patches = admin_frame().rename(columns={"XZQMC": "JCBH"})
    ws.write_layer("monitoring_patch", 2023, patches)
    ws.set_layer_access("monitoring_patch", 2023, published=False)
    users = UserService(ws)
    for name, role, regions in USERS:
        users.add_user(UserCreate(username=name, password=PASSWORD, role=role, regions=regions))
    return ws


USERS = [
    ("admin", Role.ADMIN, ["360000"]),
    ("nanchang", Role.ANALYST, ["360100"]),       # city 3601: counties 360111, 360121
    ("qingshanhu", Role.ANALYST, ["360111"]),     # one county
    ("viewer121", Role.READONLY, ["360121"]),
    ("inspector203", Role.INSPECTOR, ["360203"]),
]


def token_for(ws: Workspace, username: str) -> dict[str, str]:
    """Return an Authorization header with a fresh API token of ``username``."""
    return {"Authorization": f"Bearer {UserService(ws).create_token(username).token}"}


def free_port() -> int:
    """Return a free TCP port on the loopback interface."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def live_server(ws_root: Path, log: Path) -> Iterator[str]:
    """Run ``onemap serve`` in a subprocess on a free loopback port; yield its base URL."""
    port = free_port()
    exe = Path(sys.executable).with_name("onemap")
    cmd = [str(exe), "serve", str(ws_root), "--port", str(port)]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env)
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 180
            while True:
                if proc.poll() is not None:
                    raise RuntimeError(f"server exited: {log.read_text(errors='replace')}")
                try:
                    if httpx.get(url + "/conformance", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    tail = log.read_text(errors="replace")[-2000:]
                    raise RuntimeError(f"server did not start within 180 s: {tail}")
                time.sleep(0.2)
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()


def workspace_copy(base: Path, tmp_path: Path) -> Workspace:
    """Open a copy of the workspace ``base`` under ``tmp_path`` (for one test to change)."""
    import shutil

    shutil.copytree(base, tmp_path / "ws")
    return Workspace.open(tmp_path / "ws")
