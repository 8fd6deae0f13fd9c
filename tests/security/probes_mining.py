"""Route probes of mining supervision (/mining): the other county's rights, quotas, mines."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import shapely
from route_probes import OTHER, SITE, json_has, pdf_has, probe, xlsx_has

from onemap.mining import quota_service, restoration_service, service
from onemap.mining.models import AbandonedMineIn, GreenMineIn, QuotaIn, ReportIn, RightIn
from onemap.users.identity import Identity

if TYPE_CHECKING:
    from route_probes import World

RIGHT = f"C{OTHER}2020000001"
GEOM = json.loads(shapely.to_geojson(SITE))
OTHER_COUNTY = f'"county":"{OTHER}"'
RIGHT_BODY = {"right_no": f"C{OTHER}2024000009", "county": OTHER, "minerals": ["石灰岩"],
              "geometry": GEOM}


def seed(w: World) -> None:
    """The province admin registered a right, quotas, a report and mines in the other county."""
    prov = Identity(w.ws).for_username("prov")
    service.register_rights(w.ws, prov, [RightIn(right_no=RIGHT, county=OTHER,
                                                 minerals=["钨矿"], geometry=GEOM)])
    for level, holder, amount in (("province", "360000", 100.0), ("city", OTHER[:4] + "00", 50.0),
                                  ("mine", RIGHT, 20.0)):
        quota_service.allocate(w.ws, prov, QuotaIn(mineral="钨精矿", year=2023, level=level,
                                                   holder=holder, amount=amount))
    entry = quota_service.report_production(w.ws, prov, ReportIn(
        right_no=RIGHT, mineral="钨精矿", year=2023, month=1, amount=5.0))
    restoration_service.register_abandoned(w.ws, prov, [AbandonedMineIn(
        mine_id=f"LK{OTHER}0001", county=OTHER, damaged_area_m2=1000.0, ownership="ownerless",
        restoration="restored", restored_year=2019, geometry=GEOM)])
    restoration_service.register_green(w.ws, prov, [GreenMineIn(right_no=RIGHT,
                                                                level="provincial", year=2022)])
    w.ids.update(mright=RIGHT, mentry=entry.id)


PROBES = dict([
    probe("GET", "/mining/rights", "list", leak=json_has(OTHER_COUNTY)),
    probe("GET", "/mining/rights/{mright}", "read", template="/mining/rights/{right_no}"),
    probe("POST", "/mining/rights", "write", json=RIGHT_BODY),
    probe("GET", "/mining/check", "list", leak=json_has(OTHER_COUNTY)),
    probe("GET", "/mining/check.xlsx", "list", leak=xlsx_has(OTHER)),
    probe("POST", f"/mining/check/cases?county={OTHER}", "write"),
    probe("POST", "/mining/publish?vintage=2023", "write"),
    probe("POST", "/mining/quotas", "write", json={
        "mineral": "钨精矿", "year": 2023, "level": "mine", "holder": RIGHT, "amount": 1.0}),
    probe("GET", "/mining/quotas/balance?year=2023", "list", leak=json_has(RIGHT)),
    probe("POST", "/mining/reports", "write", json={
        "right_no": RIGHT, "mineral": "钨精矿", "year": 2023, "month": 2, "amount": 1.0}),
    probe("GET", "/mining/reports?year=2023", "list", leak=json_has(OTHER_COUNTY)),
    probe("POST", "/mining/reports/{mentry}/reversal", "write", json={"note": "x"},
          template="/mining/reports/{entry_id}/reversal"),
    probe("GET", "/mining/abandoned", "list", leak=json_has(OTHER_COUNTY)),
    probe("GET", "/mining/restoration", "list", leak=json_has(OTHER_COUNTY)),
    probe("GET", "/mining/green", "list", leak=json_has(OTHER_COUNTY)),
    probe("GET", "/mining/annual.pdf?year=2023", "list", leak=pdf_has(OTHER)),
    probe("GET", "/mining/annual.xlsx?year=2023", "list", leak=xlsx_has(OTHER)),
])
