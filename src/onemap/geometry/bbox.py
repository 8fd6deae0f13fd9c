"""Bounding boxes (外包矩形): the one ``BBox`` type, its overlap test and its parser.

A bounding box is ``(minx, miny, maxx, maxy)``; boxes that only touch on an edge
meet. Partitions, tiles, site searches and query parameters all use these.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from onemap.errors import InvalidInput

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

BBox = tuple[float, float, float, float]


def bboxes_meet(a: BBox, b: BBox) -> bool:
    """Tell whether two bounding boxes share at least one point.

    Examples
    --------
    >>> bboxes_meet((0, 0, 1, 1), (1, 1, 2, 2)), bboxes_meet((0, 0, 1, 1), (1.5, 0, 2, 1))
    (True, False)

    Notes
    -----
    Units are those of the boxes (degrees of EPSG:4490 in the store).
    """
    return not (a[2] < b[0] or a[0] > b[2] or a[3] < b[1] or a[1] > b[3])


def boxes_meeting(boxes: npt.NDArray[np.float64], bbox: BBox) -> npt.NDArray[np.bool_]:
    """Vectorised :func:`bboxes_meet` of an ``(n, 4)`` array of boxes against one box.

    Examples
    --------
    >>> import numpy as np
    >>> boxes_meeting(np.array([[0, 0, 1, 1], [3, 3, 4, 4]], dtype=float), (0.5, 0.5, 2, 2))
    array([ True, False])

    Notes
    -----
    Units are those of the boxes.
    """
    out: npt.NDArray[np.bool_] = ~((boxes[:, 2] < bbox[0]) | (boxes[:, 0] > bbox[2])
                                   | (boxes[:, 3] < bbox[1]) | (boxes[:, 1] > bbox[3]))
    return out


def expand_bbox(bbox: BBox, margin: float) -> BBox:
    """Grow a box by ``margin`` on every side.

    Examples
    --------
    >>> expand_bbox((0.0, 0.0, 1.0, 1.0), 0.5)
    (-0.5, -0.5, 1.5, 1.5)

    Notes
    -----
    ``margin`` is in the units of the box.
    """
    return (bbox[0] - margin, bbox[1] - margin, bbox[2] + margin, bbox[3] + margin)


def parse_bbox(text: str, *, allow_3d: bool = False) -> BBox:
    """Parse ``minx,miny,maxx,maxy`` (or the 6-number 3D form when ``allow_3d``).

    Raises :class:`~onemap.errors.InvalidInput` naming the text when it is not four
    finite, ordered numbers.

    Examples
    --------
    >>> parse_bbox("115.8,28.6,116.0,28.8")
    (115.8, 28.6, 116.0, 28.8)
    >>> parse_bbox("1,2,0,3,4,1", allow_3d=True)
    (1.0, 2.0, 3.0, 4.0)
    >>> parse_bbox("1,2,x,4")
    Traceback (most recent call last):
    ...
    onemap.errors.InvalidInput: bbox must be numbers, got '1,2,x,4'

    Notes
    -----
    The numbers are taken as given; reprojection is the caller's (OGC ``bbox-crs``).
    """
    try:
        values = [float(v) for v in text.split(",")]
    except ValueError:
        raise InvalidInput(f"bbox must be numbers, got {text!r}") from None
    if allow_3d and len(values) == 6:
        values = [values[0], values[1], values[3], values[4]]
    if (len(values) != 4 or not all(math.isfinite(v) for v in values)
            or values[0] > values[2] or values[1] > values[3]):
        raise InvalidInput(f"bbox must be minx,miny,maxx,maxy, got {text!r}")
    return values[0], values[1], values[2], values[3]
