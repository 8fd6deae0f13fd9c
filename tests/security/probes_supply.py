"""Route probes of land supply supervision (/supply): only the caller's counties."""

from __future__ import annotations

from route_probes import OTHER, json_has, probe, xlsx_has

PROBES = dict([
    probe("GET", "/supply/status?year=2020", "list", leak=json_has(f'"county":"{OTHER}"')),
    probe("GET", "/supply/status.xlsx?year=2020", "list", leak=xlsx_has(OTHER)),
    probe("GET", "/supply/idle?year=2020", "list", leak=json_has(f'"county":"{OTHER}"')),
    probe("POST", "/supply/cases", "write", json={"year": 2020, "gdbh": f"{OTHER}-IDLE"}),
])
