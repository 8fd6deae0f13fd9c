"""Reference facts as code: land-use classes, CRS, units, admin codes."""
