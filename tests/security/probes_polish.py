"""Route probes of the polish work: packaged API-docs assets, labels, layer removal."""

from __future__ import annotations

from route_probes import Probe, probe

PROBES: dict[tuple[str, str], Probe] = dict([
    probe("GET", "/api-assets/swagger-ui.css", "public", template="/api-assets/{name}"),
    probe("DELETE", "/admin/layers/dltb_2020", "province"),
    probe("GET", "/labels?lang=en", "public"),
])
