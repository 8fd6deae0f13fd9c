"""GeoParquet read/write (GeoPandas + pyarrow; the bundled GDAL has no Parquet driver)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import geopandas as gpd
import pyarrow.parquet as pq

from onemap.errors import ImportRejected
from onemap.store.formats.base import FileFormat, RawFeatures

if TYPE_CHECKING:
    from pathlib import Path


class GeoParquetFormat(FileFormat):
    """GeoParquet 1.0/1.1 (.parquet/.geoparquet), written with a bbox covering column."""

    name = "geoparquet"
    title = "GeoParquet"
    suffixes = (".parquet", ".geoparquet")

    def read(self, path: Path, *, encoding: str | None = None,
             layer: str | None = None) -> RawFeatures:
        """Read a GeoParquet file; a plain Parquet file without ``geo`` metadata is refused."""
        if not path.is_file():
            raise ImportRejected("file not found", path=str(path))
        try:
            meta = pq.read_schema(path).metadata or {}
        except Exception as exc:  # pyarrow raises ArrowInvalid on a broken footer
            raise ImportRejected(f"not a readable Parquet file: {exc}", path=str(path)) from None
        if b"geo" not in meta:
            raise ImportRejected("a Parquet file without GeoParquet 'geo' metadata: no "
                                 "geometry column to import", path=str(path))
        try:
            frame = gpd.read_parquet(path)
        except Exception as exc:
            raise ImportRejected(f"cannot read GeoParquet: {exc}", path=str(path)) from None
        if "bbox" in frame.columns and frame["bbox"].dtype == object:
            frame = frame.drop(columns="bbox")
        return RawFeatures(frame, encoding="UTF-8", encoding_origin="format")

    def write(self, frame: gpd.GeoDataFrame, path: Path, *, encoding: str | None = None,
              layer: str | None = None) -> list[Path]:
        """Write GeoParquet 1.1 with zstd compression and a bbox covering column."""
        path.parent.mkdir(parents=True, exist_ok=True)
        frame.to_parquet(path, index=False, compression="zstd", write_covering_bbox=True,
                         schema_version="1.1.0")
        return [path]
