"""Read and write the files users really have (vector formats, coordinate TXT, CSV/XLSX).

Formats: Shapefile, GeoPackage, GeoJSON, FlatGeobuf, FileGDB, GeoParquet, the Ministry
coordinate TXT, CSV/XLSX.

Public entry points (other capabilities, e.g. site review, call these):

- :func:`read_features` ``(path, encoding=None, crs=None, layer=None) -> GeoDataFrame``:
  any supported file as features in EPSG:4490; ``gdf.attrs["source"]`` holds a
  :class:`~onemap.store.formats.models.SourceInfo` (format, source CRS, encoding).
- :func:`load_features`: the same with per-feature source line numbers.
- :func:`write_features`: a GeoDataFrame to any supported format, optionally in a
  Gauss–Krüger zone.
- :func:`read_coordinate_txt` ``(path, encoding=None) -> CoordinateTxt``: the parcels of
  a 部标 boundary-coordinate TXT, with rings, holes and header fields.
- :func:`measure_features`: the ellipsoidal area of every feature or parcel of a file.
"""

from onemap.store.formats.areas import measure_features
from onemap.store.formats.base import FileFormat, format_for_path, get_format, registered_formats
from onemap.store.formats.coordinate_txt import (
    parse_coordinate_txt,
    read_coordinate_txt,
    write_coordinate_txt,
)
from onemap.store.formats.features import load_features, read_features, write_features
from onemap.store.formats.models import CoordinateTxt, FeatureArea, SourceInfo, TxtParcel

__all__ = [
    "CoordinateTxt",
    "FeatureArea",
    "FileFormat",
    "SourceInfo",
    "TxtParcel",
    "format_for_path",
    "get_format",
    "load_features",
    "measure_features",
    "parse_coordinate_txt",
    "read_coordinate_txt",
    "read_features",
    "registered_formats",
    "write_coordinate_txt",
    "write_features",
]
