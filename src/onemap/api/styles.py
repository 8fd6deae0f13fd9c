"""Land-use colours for the web map (地类配色), from :mod:`onemap.standards.colors`."""

from __future__ import annotations

from functools import lru_cache

from onemap.standards.colors import LANDUSE_COLORS, LEVEL1_COLORS, color_for
from onemap.standards.landuse import land_classes


@lru_cache(maxsize=1)
def landuse_colors() -> dict[str, str]:
    """Return land-class code → ``#RRGGBB`` for every 三调 code and first-level group."""
    out = {code: color_for(code) for code in land_classes()}
    out.update(LANDUSE_COLORS)
    out.update({f"{k}": v for k, v in LEVEL1_COLORS.items() if k not in out})
    return out
