"""GDAL vector formats through pyogrio: GeoPackage, GeoJSON, FlatGeobuf, Esri FileGDB.

These formats store text as UTF-8, so only Shapefile needs encoding detection
(``shapefile.py``). A multi-layer source (GeoPackage, FileGDB) needs ``layer=`` unless
it holds exactly one layer with geometry.
"""

from __future__ import annotations

import shutil
import warnings
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import pyogrio
from pyogrio.errors import (
    DataLayerError,
    DataSourceError,
    FeatureError,
    FieldError,
    GeometryError,
)

from onemap.errors import ImportRejected, InvalidInput
from onemap.store.formats.base import FileFormat, RawFeatures

if TYPE_CHECKING:
    from pathlib import Path

_GDAL_ERRORS = (DataSourceError, DataLayerError, FeatureError, FieldError, GeometryError,
                OSError)


def _pick_layer(path: Path, layer: str | None) -> str | None:
    try:
        layers = pyogrio.list_layers(path)
    except _GDAL_ERRORS as exc:
        raise ImportRejected(f"cannot open the file: {_gdal_reason(exc)}", path=str(path)) from None
    names = [str(n) for n, _ in layers]
    if layer is not None:
        if layer not in names:
            raise ImportRejected(f"no layer {layer!r}; layers: {', '.join(names)}",
                                 path=str(path))
        return layer
    spatial = [str(n) for n, g in layers if g not in (None, "None", "")]
    if len(names) <= 1:
        return names[0] if names else None
    if len(spatial) == 1:
        return spatial[0]
    raise ImportRejected(f"the file holds {len(names)} layers ({', '.join(names)}); "
                         "choose one with --layer", path=str(path))


def list_layer_names(path: Path) -> list[str]:
    """Return the layer names of a multi-layer source (empty if it cannot be listed)."""
    try:
        return [str(n) for n, _ in pyogrio.list_layers(path)]
    except _GDAL_ERRORS:
        return []


def _gdal_reason(exc: BaseException) -> str:
    return str(exc).replace("\n", " ").strip() or type(exc).__name__


def read_ogr(path: Path, *, layer: str | None = None, encoding: str | None = None,
             skip_features: int = 0, max_features: int | None = None) -> gpd.GeoDataFrame:
    """Read one layer (or a slice of it) through GDAL; GDAL errors become ImportRejected."""
    if not path.exists():
        raise ImportRejected("file not found", path=str(path))
    chosen = _pick_layer(path, layer)
    kwargs: dict[str, Any] = {"use_arrow": True, "skip_features": skip_features}
    if max_features is not None:
        kwargs["max_features"] = max_features
    if encoding:
        kwargs["encoding"] = encoding
    if chosen is not None:
        kwargs["layer"] = chosen
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            frame = pyogrio.read_dataframe(path, **kwargs)
    except _GDAL_ERRORS as exc:
        raise ImportRejected(f"cannot read the file: {_gdal_reason(exc)}", path=str(path)) from None
    except Exception as exc:  # arrow/GEOS errors on corrupt geometry blobs
        raise ImportRejected(f"cannot read the file: {type(exc).__name__}: {exc}",
                             path=str(path)) from None
    if not isinstance(frame, gpd.GeoDataFrame):
        raise ImportRejected("the layer has no geometry column", path=str(path))
    return frame


def write_ogr(frame: gpd.GeoDataFrame, path: Path, *, driver: str, layer: str | None = None,
              encoding: str | None = None, **options: Any) -> None:
    """Write ``frame`` with GDAL ``driver``, replacing an existing file of the same name."""
    if path.exists() and driver != "OpenFileGDB":
        path.unlink()
    kwargs: dict[str, Any] = {"driver": driver, **options}
    if layer:
        kwargs["layer"] = layer
    if encoding:
        kwargs["encoding"] = encoding
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            pyogrio.write_dataframe(frame, path, **kwargs)
    except _GDAL_ERRORS as exc:
        raise InvalidInput(f"cannot write {driver}: {_gdal_reason(exc)}", path=str(path)) from None


def count_ogr(path: Path, *, layer: str | None = None) -> int:
    """Return the feature count of one layer."""
    if not path.exists():
        raise ImportRejected("file not found", path=str(path))
    chosen = _pick_layer(path, layer)
    try:
        info = pyogrio.read_info(path, layer=chosen) if chosen else pyogrio.read_info(path)
    except _GDAL_ERRORS as exc:
        raise ImportRejected(f"cannot open the file: {_gdal_reason(exc)}", path=str(path)) from None
    return int(info["features"])


class _OgrFormat(FileFormat):
    driver = ""
    write_options: dict[str, Any] = {}  # noqa: RUF012 - read-only class constant
    supports_chunks = True

    def count(self, path: Path, *, layer: str | None = None) -> int:
        """Return the number of features of the layer."""
        return count_ogr(path, layer=layer)

    def read_chunk(self, path: Path, *, start: int, size: int, encoding: str | None = None,
                   layer: str | None = None) -> RawFeatures:
        """Read ``size`` features from ``start``."""
        frame = read_ogr(path, layer=layer, skip_features=start, max_features=size)
        return RawFeatures(frame, encoding="UTF-8", encoding_origin="format",
                           layer=layer or "")

    def read(self, path: Path, *, encoding: str | None = None,
             layer: str | None = None) -> RawFeatures:
        """Read one layer (text is UTF-8 in these formats)."""
        frame = read_ogr(path, layer=layer)
        return RawFeatures(frame, encoding="UTF-8", encoding_origin="format",
                           layer=layer or "")

    def write(self, frame: gpd.GeoDataFrame, path: Path, *, encoding: str | None = None,
              layer: str | None = None) -> list[Path]:
        """Write ``frame`` as one layer (named ``layer`` or after the file)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        write_ogr(frame, path, driver=self.driver, layer=layer or path.stem,
                  **self.write_options)
        return [path]


class GeoPackageFormat(_OgrFormat):
    """OGC GeoPackage (.gpkg)."""

    name, title, suffixes, driver = "gpkg", "GeoPackage", (".gpkg",), "GPKG"


class GeoJSONFormat(_OgrFormat):
    """GeoJSON (.geojson/.json); a non-WGS84 CRS is written as a ``crs`` member."""

    name, title, suffixes, driver = "geojson", "GeoJSON", (".geojson", ".json"), "GeoJSON"


class FlatGeobufFormat(_OgrFormat):
    """FlatGeobuf (.fgb) with a packed spatial index."""

    name, title, suffixes, driver = "flatgeobuf", "FlatGeobuf", (".fgb",), "FlatGeobuf"


class FileGDBFormat(_OgrFormat):
    """Esri File Geodatabase (.gdb folder), read and write through GDAL's OpenFileGDB."""

    name, title, suffixes, driver = "filegdb", "Esri FileGDB", (".gdb",), "OpenFileGDB"
    is_directory = True
    write_options = {"TARGET_ARCGIS_VERSION": "ARCGIS_PRO_3_2_OR_LATER"}  # noqa: RUF012

    def write(self, frame: gpd.GeoDataFrame, path: Path, *, encoding: str | None = None,
              layer: str | None = None) -> list[Path]:
        """Write one feature class into a fresh ``.gdb`` folder."""
        if path.exists():
            if path.is_file() or (any(path.iterdir()) and not any(path.glob("*.gdbtable"))):
                raise InvalidInput("refusing to replace a folder that is not a FileGDB",
                                   path=str(path))
            shutil.rmtree(path)
        return super().write(frame, path, layer=layer or "layer")
