"""Route probes of the 占补平衡 quota ledger (/quota): a county user sees and writes only its
county; transfers are the province admin's."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from route_probes import MINE, OTHER, json_has, ok, probe, xlsx_has
from shapely.geometry import mapping

if TYPE_CHECKING:
    import shapely
    from route_probes import World


def _farmland(w: World) -> shapely.Geometry:
    d = w.ws.read_layer("dltb", 2020, counties=[OTHER])
    return d[d.DLBM == "0101"].geometry.iloc[0]


def _site(ids: dict[str, Any]) -> dict[str, Any]:
    return ids["quota_site"]


def seed(w: World) -> None:
    """The province admin credited a project in the other county."""
    geom = _farmland(w)
    c, h = w.client, w.headers["prov"]
    projects = ok(c.post("/quota/projects", headers=h, json=[{
        "project_no": "PROBE-1", "name": "补充耕地", "county": OTHER,
        "accepted_on": "2020-06-01", "area_m2": 1000.0, "paddy_m2": 0.0, "grade": 6,
        "geometry": mapping(geom)}]))
    w.ids.update(quota_txn=projects[0]["txn_id"], quota_site=mapping(geom))
    import geopandas as gpd
    import pandas as pd

    vintage = w.ws.latest_vintage("approval")
    held = w.ws.read_layer("approval", vintage, counties=[OTHER])
    extra = gpd.GeoDataFrame({"PZWH": ["PROBE-PZ"], "PZRQ": ["2021-01-01"], "XZQDM": [OTHER],
                              "county": [OTHER]}, geometry=[geom], crs=4490)
    w.ws.write_layer("approval", vintage, gpd.GeoDataFrame(
        pd.concat([held, extra], ignore_index=True), geometry="geometry", crs=4490))


PROBES = dict([
    probe("GET", "/quota/balance", "list", leak=json_has(f'"county":"{OTHER}"')),
    probe("GET", "/quota/balance.xlsx", "list", leak=xlsx_has(OTHER)),
    probe("GET", "/quota/history", "list", leak=json_has(f'{OTHER}/')),
    probe("GET", "/quota/projects", "list", leak=json_has(f'"county":"{OTHER}"')),
    probe("GET", "/quota/debits", "list", leak=json_has(f'"county":"{OTHER}"')),
    probe("POST", "/quota/projects", "write", json=lambda ids: [{
        "project_no": "PROBE-2", "county": OTHER, "accepted_on": "2020-06-01",
        "area_m2": 10.0, "grade": 6, "geometry": _site(ids)}]),
    probe("POST", "/quota/debits", "write", json=lambda ids: {
        "ref": "PROBE-D", "county": OTHER, "value_date": "2021-01-01",
        "geometry": _site(ids)}),
    probe("POST", "/quota/debits/approval", "write", json={"pzwh": "PROBE-PZ"}),
    probe("POST", "/quota/transfers", "province", json={
        "ref": "PROBE-T", "from_county": OTHER, "to_county": MINE,
        "value_date": "2021-01-01", "quantity_m2": 100.0}),
    probe("POST", "/quota/postings/{quota_txn}/reversal", "write", json={"reason": "probe"},
          template="/quota/postings/{txn_id}/reversal"),
])
