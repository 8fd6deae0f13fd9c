"""Demo restoration projects (生态保护修复项目) with known outcomes, from the demo's truth table.

Projects placed exactly on truth changes toward farmland or forest are achieved in the
2020 vintage (土地整治, 水土流失治理); a mine project on 2019 采矿用地 that did not change
is missed (未达成) and carries an abandoned-mine number; a wetland project ending after
the last vintage waits for its check (待核验).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import geopandas as gpd

from onemap.demo.truth import TRUTH_DIR, TRUTH_FILE, load_ground_truth

if TYPE_CHECKING:
    from onemap.store.workspace import Workspace

KIND = "restoration_project"
UNIT_COST_WAN_PER_HA = {"土地整治": 4.0, "水土流失治理": 3.0, "矿山修复": 15.0, "湿地修复": 8.0}
RESTORED = {"0103": "土地整治", "0101": "土地整治", "0301": "水土流失治理"}


def _row(county: str, n: int, kind: str, name: str, expected: str, geom: object, area_m2: float,
         start: int, end: int, mine: str = "") -> dict[str, object]:
    return {"XMBH": f"XF{county}{n:03d}", "XMMC": name, "XMLX": kind,
            "TZJE": round(area_m2 / 1e4 * UNIT_COST_WAN_PER_HA[kind], 1), "KSNF": start,
            "JSNF": end, "YQDL": expected, "FQKSBH": mine, "XZQDM": county, "geometry": geom}


def demo_projects(ws: Workspace) -> gpd.GeoDataFrame:
    """Return the demo's projects (standard fields of the restoration_project kind)."""
    rows: list[dict[str, object]] = []
    counts: dict[str, int] = {}

    def nxt(county: str) -> int:
        counts[county] = counts.get(county, 0) + 1
        return counts[county]

    if (ws.root / TRUTH_DIR / TRUTH_FILE).is_file():
        truth = load_ground_truth(ws.root)
        for r in truth[truth["to_code"].isin(list(RESTORED))].itertuples():
            kind = RESTORED[r.to_code]
            rows.append(_row(r.county, nxt(r.county), kind, f"{r.county} {kind} {r.patch_id}",
                             r.to_code, r.geometry, float(r.area_m2), 2019, 2020))
    counties = sorted({p.county for p in ws.partitions("dltb", 2019)})
    for county in counties[::5]:  # a mine and a wetland project in every fifth county
        dltb = ws.read_layer("dltb", 2019, counties=[county], columns=["BSM", "DLBM", "TBMJ"])
        mines = dltb[dltb["DLBM"] == "0602"].sort_values(["TBMJ", "BSM"])
        if len(mines):
            m = mines.iloc[0]
            rows.append(_row(county, nxt(county), "矿山修复", f"{county} 废弃矿山复绿", "0301",
                             m.geometry, float(m.TBMJ), 2019, 2020, mine=f"FK{county}001"))
        ponds = dltb[dltb["DLBM"].isin(["1104", "1101"])].sort_values(["TBMJ", "BSM"])
        if len(ponds):
            p = ponds.iloc[0]
            rows.append(_row(county, nxt(county), "湿地修复", f"{county} 滨水湿地修复", "1106",
                             p.geometry, float(p.TBMJ), 2021, 2023))
    if not rows:
        return gpd.GeoDataFrame({"XMBH": []}, geometry=gpd.GeoSeries([], crs="EPSG:4490"))
    return gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4490")


def write_demo_projects(ws: Workspace) -> int:
    """Store the demo projects as the restoration_project layer; return how many."""
    frame = demo_projects(ws)
    if len(frame):
        ws.write_layer(KIND, None, frame, source_path="onemap demo", replace=True)
    return len(frame)
