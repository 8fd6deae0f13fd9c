"""Route probes of geohazard warning (/hazards): the other county's batches, points, events."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from route_probes import OTHER, OTHER_NAME, json_has, pdf_has, probe

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "integration"))
from hazard_world import DAY, write_hazard_world

if TYPE_CHECKING:
    from route_probes import World

ON = DAY.isoformat()
LEAK = json_has(f'"county":"{OTHER}"')


def seed(world: World) -> None:
    """The province admin issued the day's warnings for the other county."""
    from onemap.hazards import loop
    from onemap.hazards.models import IssueRequest
    from onemap.users.identity import Identity

    prov = Identity(world.ws).for_username("prov")
    with tempfile.TemporaryDirectory() as tmp:
        write_hazard_world(world.ws, prov, Path(tmp))
    issued = loop.issue(world.ws, prov, IssueRequest(on=DAY, counties=[OTHER]))
    world.ids["hazard_batch"] = issued.batches[0].id


B = "/hazards/batches/{hazard_batch}"
PROBES = dict([
    probe("GET", f"/hazards/warnings?on={ON}", "list", leak=LEAK),
    probe("GET", "/hazards/batches", "list", leak=LEAK),
    probe("POST", "/hazards/batches", "write", json={"on": ON, "counties": [OTHER]}),
    probe("GET", B, "read", template="/hazards/batches/{batch_id}"),
    probe("GET", B + "/notices.xlsx", "read", template="/hazards/batches/{batch_id}/notices.xlsx"),
    probe("POST", B + "/responses", "write", template="/hazards/batches/{batch_id}/responses",
          json={"point_id": f"{OTHER}000001", "kind": "notified"}),
    probe("POST", B + "/close", "write", template="/hazards/batches/{batch_id}/close",
          json={"comment": "probe"}),
    probe("GET", "/hazards/events", "list", leak=LEAK),
    probe("POST", "/hazards/events", "write", json={"point_id": f"{OTHER}000001", "on": ON}),
    probe("GET", f"/hazards/scores?start={ON}&end={ON}", "list", leak=LEAK),
    probe("GET", f"/hazards/bulletin.html?on={ON}", "list", leak=json_has(OTHER_NAME)),
    probe("GET", f"/hazards/bulletin.pdf?on={ON}", "list", leak=pdf_has(OTHER_NAME)),
])
