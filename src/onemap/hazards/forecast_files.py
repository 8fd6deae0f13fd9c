"""Read a gridded rainfall forecast (网格降雨预报): GeoTIFF with rasterio, NetCDF with xarray.

The grid is returned in EPSG:4490 degrees (reprojected with rasterio when the file is in
another known CRS). Rejected with the file, band and why: no CRS or one that cannot be
recognised, a missing band or variable, negative rain, a band with no data at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from onemap.hazards.errors import RainfallRejected

if TYPE_CHECKING:
    from affine import Affine

TARGET_CRS = "EPSG:4490"
NETCDF_SUFFIXES = (".nc", ".nc4", ".netcdf")


@dataclass
class Grid:
    """A checked grid: mm per cell (NaN for no data), its transform, source CRS and band."""

    values: npt.NDArray[np.float64]
    transform: Affine
    source_crs: str
    band: int


def read_forecast(path: str | Path, *, band: int = 1, variable: str | None = None,
                  name: str | None = None) -> Grid:
    """Read band ``band`` of a GeoTIFF, or ``variable`` (time step ``band``) of a NetCDF."""
    p = Path(path)
    shown = name or str(p)
    if not p.is_file():
        raise RainfallRejected("file not found", path=shown)
    if p.suffix.lower() in NETCDF_SUFFIXES:
        grid = _read_netcdf(p, shown, band, variable)
    else:
        grid = _read_geotiff(p, shown, band)
    _check_values(grid, shown)
    return grid


def _check_values(grid: Grid, shown: str) -> None:
    vals = grid.values
    where = f"band {grid.band}"
    if not np.isfinite(vals).any():
        raise RainfallRejected(f"{where}: no data in any cell", path=shown, band=grid.band)
    negative = np.isfinite(vals) & (vals < 0)
    if negative.any():
        r, c = np.argwhere(negative)[0]
        raise RainfallRejected(
            f"{where}: {int(negative.sum())} cell(s) of negative rain, first at row {r}, "
            f"column {c} ({vals[r, c]:g} mm)", path=shown, band=grid.band)


def _read_geotiff(p: Path, shown: str, band: int) -> Grid:
    import rasterio
    from rasterio.errors import CRSError, RasterioIOError

    try:
        src = rasterio.open(p)
    except RasterioIOError as exc:
        raise RainfallRejected(f"not a readable raster: {exc}", path=shown) from None
    with src:
        if band < 1 or band > src.count:
            raise RainfallRejected(f"band {band} does not exist (the file has {src.count})",
                                   path=shown, band=band)
        if src.crs is None:
            raise RainfallRejected(f"band {band}: the grid has no CRS (unknown CRS)",
                                   path=shown, band=band)
        try:
            epsg = src.crs.to_epsg()
            crs_text = f"EPSG:{epsg}" if epsg else src.crs.to_wkt()
        except CRSError:
            raise RainfallRejected(f"band {band}: unknown CRS", path=shown, band=band) from None
        data = src.read(band, masked=True).astype("float64").filled(np.nan)
        transform = src.transform
        if epsg not in (4490, 4326):
            if epsg is None and not src.crs.is_valid:
                raise RainfallRejected(f"band {band}: unknown CRS {src.crs}", path=shown,
                                       band=band)
            data, transform = _to_geographic(data, src, band, shown)
    return Grid(data, transform, crs_text, band)


def _to_geographic(data: npt.NDArray[np.float64], src: object, band: int,
                   shown: str) -> tuple[npt.NDArray[np.float64], Affine]:
    from rasterio.crs import CRS
    from rasterio.errors import CRSError
    from rasterio.warp import Resampling, calculate_default_transform, reproject

    s = src  # a rasterio dataset
    try:
        dst_crs = CRS.from_string(TARGET_CRS)
        transform, width, height = calculate_default_transform(
            s.crs, dst_crs, s.width, s.height, *s.bounds)  # type: ignore[attr-defined]
    except (CRSError, ValueError) as exc:
        raise RainfallRejected(f"band {band}: cannot use CRS: {exc}", path=shown,
                               band=band) from None
    out = np.full((height, width), np.nan)
    reproject(data, out, src_transform=s.transform, src_crs=s.crs,  # type: ignore[attr-defined]
              dst_transform=transform, dst_crs=dst_crs, src_nodata=np.nan, dst_nodata=np.nan,
              resampling=Resampling.bilinear)
    return out, transform


def _read_netcdf(p: Path, shown: str, band: int, variable: str | None) -> Grid:
    import xarray as xr
    from affine import Affine

    try:
        ds = xr.open_dataset(p, engine="netcdf4")
    except (OSError, ValueError) as exc:
        raise RainfallRejected(f"not a readable NetCDF: {exc}", path=shown) from None
    with ds:
        names = [str(v) for v in ds.data_vars if ds[v].ndim >= 2]
        var = variable or (names[0] if names else None)
        if var is None or var not in ds:
            raise RainfallRejected(f"no variable {variable or ''} (has {', '.join(names)})",
                                   path=shown, band=band)
        da = ds[var]
        lon_name = next((d for d in da.dims if str(d).lower() in ("lon", "longitude", "x")), None)
        lat_name = next((d for d in da.dims if str(d).lower() in ("lat", "latitude", "y")), None)
        units = str(ds[lon_name].attrs.get("units", "")) if lon_name else ""
        if lon_name is None or lat_name is None or "degree" not in units:
            raise RainfallRejected(f"band {band} ({var}): unknown CRS: needs lon/lat "
                                   "coordinates in degrees (CF units 'degrees_east')",
                                   path=shown, band=band)
        extra = [d for d in da.dims if d not in (lon_name, lat_name)]
        if extra:
            steps = da.sizes[extra[0]]
            if band < 1 or band > steps:
                raise RainfallRejected(f"band {band} does not exist ({extra[0]} has {steps})",
                                       path=shown, band=band)
            da = da.isel({extra[0]: band - 1})
        da = da.transpose(lat_name, lon_name)
        lon, lat = da[lon_name].to_numpy(), da[lat_name].to_numpy()
        values = da.to_numpy().astype("float64")
    if lat[0] < lat[-1]:
        values, lat = values[::-1], lat[::-1]
    dx, dy = float(lon[1] - lon[0]), float(lat[0] - lat[1])
    transform = Affine(dx, 0, float(lon[0]) - dx / 2, 0, -dy, float(lat[0]) + dy / 2)
    return Grid(values, transform, TARGET_CRS, band)


def write_geotiff(path: Path, grid: Grid) -> None:
    """Store a grid as a float32 GeoTIFF in EPSG:4490 (NaN nodata)."""
    import rasterio

    path.parent.mkdir(parents=True, exist_ok=True)
    with rasterio.open(path, "w", driver="GTiff", width=grid.values.shape[1],
                       height=grid.values.shape[0], count=1, dtype="float32",
                       crs=TARGET_CRS, transform=grid.transform, nodata=np.nan,
                       compress="deflate") as dst:
        dst.write(grid.values.astype("float32"), 1)


def read_stored(path: Path) -> Grid:
    """Read a grid written by :func:`write_geotiff`."""
    import rasterio

    with rasterio.open(path) as src:
        return Grid(src.read(1).astype("float64"), src.transform, TARGET_CRS, 1)
