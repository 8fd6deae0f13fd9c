"""Picklable partition tasks for the executors: inputs travel as WKB, results as tables."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
import shapely

from onemap.geometry.overlay import area_by_class

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class AreaByClassTask:
    """One partition (county) of an overlay: left polygons with classes, right with keys.

    Geometries are WKB (``shapely.to_wkb``) in lon/lat degrees (EPSG:4490): one
    buffer per geometry pickles and decodes much faster than shapely objects.
    """

    left_wkb: npt.NDArray[np.object_]
    left_class: npt.NDArray[np.object_] | npt.NDArray[np.str_]
    right_wkb: npt.NDArray[np.object_]
    right_key: npt.NDArray[np.object_] | npt.NDArray[np.str_]
    left_area: npt.NDArray[np.float64] | None = None

    @classmethod
    def from_geometries(
        cls,
        left: npt.ArrayLike,
        left_class: npt.ArrayLike,
        right: npt.ArrayLike,
        right_key: npt.ArrayLike,
    ) -> AreaByClassTask:
        """Build a task from shapely geometries (encodes them as WKB)."""
        return cls(
            shapely.to_wkb(np.asarray(left, dtype=object)),
            np.asarray(left_class),
            shapely.to_wkb(np.asarray(right, dtype=object)),
            np.asarray(right_key),
        )


def run_area_by_class(task: AreaByClassTask) -> pd.DataFrame:
    """Kernel: decode the partition and return its ``area_by_class`` table (m², CGCS2000).

    Examples
    --------
    >>> sq = shapely.box(115.0, 28.0, 115.001, 28.001)
    >>> task = AreaByClassTask.from_geometries([sq], ["0101"], [sq.buffer(0.001)], ["k"])
    >>> run_area_by_class(task)[["class", "key", "pairs"]].values.tolist()
    [['0101', 'k', 1]]
    """
    return area_by_class(
        shapely.from_wkb(task.left_wkb),
        task.left_class,
        shapely.from_wkb(task.right_wkb),
        task.right_key,
        left_area=task.left_area,
    )
