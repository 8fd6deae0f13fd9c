"""Land-use colours for the web map, from :mod:`onemap.standards.colors` when present."""

from __future__ import annotations

from functools import lru_cache

from onemap.standards.landuse import land_classes

# Fallback by first two digits, close to the 三调 cartographic conventions.
_GROUP = {"00": "#7FD2FF", "01": "#FFFF64", "02": "#E6B450", "03": "#31A354", "04": "#A1D99B",
          "05": "#FF7F7F", "06": "#C8A0A0", "07": "#FF5A5A", "08": "#FFA0C8", "09": "#FF9BC8",
          "10": "#BEBEBE", "11": "#7FD2FF", "12": "#E6E6C8", "20": "#FF6464"}


@lru_cache(maxsize=1)
def landuse_colors() -> dict[str, str]:
    """Return land-class code → ``#RRGGBB`` for every known 三调 code."""
    try:
        from onemap.standards import colors  # written by the demo/report engineer

        table = getattr(colors, "LANDUSE_COLORS", None) or getattr(colors, "COLORS", None)
        if callable(getattr(colors, "landuse_colors", None)):
            table = colors.landuse_colors()
        if isinstance(table, dict) and table:
            return {str(k): str(v) for k, v in table.items()}
    except ImportError:
        pass
    return {code: _GROUP.get(code[:2], "#CCCCCC") for code in land_classes()}
