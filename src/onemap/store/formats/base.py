"""The file-format contract (reader/writer) and the registry of format name → dotted path.

A format is a :class:`FileFormat` subclass. Built-in formats register through the same
registry as third-party ones (entry-point group ``onemap.formats``), so every test run
exercises the contract.
"""

from __future__ import annotations

import importlib
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from functools import cache
from importlib.metadata import entry_points
from pathlib import Path
from typing import TYPE_CHECKING

from onemap.errors import InvalidInput

if TYPE_CHECKING:
    import geopandas as gpd

ENTRY_POINT_GROUP = "onemap.formats"

# name → "module:Class". Order matters for suffix lookup (first match wins).
BUILTIN_FORMATS: dict[str, str] = {
    "shapefile": "onemap.store.formats.shapefile:ShapefileFormat",
    "gpkg": "onemap.store.formats.vector:GeoPackageFormat",
    "geojson": "onemap.store.formats.vector:GeoJSONFormat",
    "flatgeobuf": "onemap.store.formats.vector:FlatGeobufFormat",
    "filegdb": "onemap.store.formats.vector:FileGDBFormat",
    "geoparquet": "onemap.store.formats.geoparquet:GeoParquetFormat",
    "coordinate_txt": "onemap.store.formats.coordinate_txt:CoordinateTxtFormat",
    "csv": "onemap.store.formats.sheets:CsvFormat",
    "xlsx": "onemap.store.formats.sheets:XlsxFormat",
}

# Short names users type on the command line (--format).
FORMAT_ALIASES: dict[str, str] = {
    "shp": "shapefile", "esri shapefile": "shapefile",
    "geopackage": "gpkg",
    "json": "geojson",
    "fgb": "flatgeobuf",
    "gdb": "filegdb", "openfilegdb": "filegdb", "fgdb": "filegdb",
    "parquet": "geoparquet",
    "txt": "coordinate_txt", "coordinates": "coordinate_txt", "部标": "coordinate_txt",
    "excel": "xlsx",
}


@dataclass
class RawFeatures:
    """What a reader returns: features in the file's own CRS, before any reprojection.

    ``lines`` gives the 1-based source line of each feature where the format has lines
    (coordinate TXT parcel headers, CSV rows); ``crs`` is None when the file declares none.
    """

    frame: gpd.GeoDataFrame
    encoding: str = ""
    encoding_origin: str = ""
    layer: str = ""
    lines: list[int] | None = None
    crs_origin: str = "file"
    notes: list[str] = field(default_factory=list)


class FileFormat(ABC):
    """Contract of a file format: read features from a path, write features to a path.

    Subclasses set ``name``, ``title``, ``suffixes`` and ``can_write`` and implement
    :meth:`read` (and :meth:`write` when writable). Readers raise
    :class:`onemap.errors.ImportRejected` (or a subclass) naming the file, line or
    feature; they never reproject (the caller does, see ``features.py``).
    """

    name: str = ""
    title: str = ""
    suffixes: tuple[str, ...] = ()
    can_write: bool = True
    is_directory: bool = False

    @abstractmethod
    def read(self, path: Path, *, encoding: str | None = None,
             layer: str | None = None) -> RawFeatures:
        """Read ``path`` into features in the file's own CRS."""

    def write(self, frame: gpd.GeoDataFrame, path: Path, *, encoding: str | None = None,
              layer: str | None = None) -> list[Path]:
        """Write ``frame`` (already in the wanted CRS) to ``path``; return the files written."""
        raise InvalidInput(f"format {self.name} is read-only")

    supports_chunks: bool = False

    def count(self, path: Path, *, layer: str | None = None) -> int:
        """Return the number of features (formats with ``supports_chunks``)."""
        raise InvalidInput(f"format {self.name} cannot be read in chunks")

    def read_chunk(self, path: Path, *, start: int, size: int, encoding: str | None = None,
                   layer: str | None = None) -> RawFeatures:
        """Read features ``start`` … ``start + size - 1`` (formats with ``supports_chunks``)."""
        raise InvalidInput(f"format {self.name} cannot be read in chunks")

    def matches(self, path: Path) -> bool:
        """Tell whether ``path`` looks like a file of this format (by suffix)."""
        name = path.name.lower().rstrip("/")
        return any(name.endswith(s) for s in self.suffixes)


@cache
def _entry_point_formats() -> dict[str, str]:
    found: dict[str, str] = {}
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        found[ep.name] = ep.value
    return found


def registered_formats() -> dict[str, str]:
    """Return every format name → dotted path (built-ins first, then entry points)."""
    return {**BUILTIN_FORMATS, **_entry_point_formats()}


@cache
def _load(dotted: str) -> FileFormat:
    module, _, attr = dotted.partition(":")
    cls = getattr(importlib.import_module(module), attr)
    instance = cls()
    if not isinstance(instance, FileFormat):
        raise TypeError(f"{dotted} is not a FileFormat")
    return instance


def get_format(name: str) -> FileFormat:
    """Return the format called ``name`` (or one of its short aliases such as ``shp``)."""
    key = name.strip().lower()
    key = FORMAT_ALIASES.get(key, key)
    formats = registered_formats()
    if key not in formats:
        known = ", ".join(sorted({*formats, *FORMAT_ALIASES}))
        raise InvalidInput(f"unknown file format {name!r}; known formats: {known}")
    return _load(formats[key])


def format_for_path(path: str | Path) -> FileFormat:
    """Guess the format of ``path`` from its suffix (``.shp``, ``.gpkg``, ``.gdb``, ``.txt``...)."""
    p = Path(path)
    for dotted in registered_formats().values():
        fmt = _load(dotted)
        if fmt.matches(p):
            return fmt
    raise InvalidInput(
        f"cannot tell the format of {p.name!r} from its suffix; supported suffixes: "
        + ", ".join(s for d in registered_formats().values() for s in _load(d).suffixes),
        path=str(p),
    )
