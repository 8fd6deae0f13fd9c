"""Name a user's file as the user knows it in errors, never by where the server keeps it.

Readers build their errors from the path they open, and GDAL's messages quote it. An
upload is opened from a temporary folder (``/tmp/onemap-import-…/dltb.shp``) and a
``.zip`` is unpacked into another one, so an error would show the server's folders.
:func:`named_source` re-labels every :class:`~onemap.errors.OnemapError` raised while a
file is read: the file's path becomes the name the user gave it, and its folder is
dropped from its sidecars (``.dbf``, ``.prj``) and unpacked members.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from onemap.errors import OnemapError

if TYPE_CHECKING:
    from collections.abc import Iterator


def relabel(text: str, path: Path, name: str) -> str:
    """Return ``text`` with ``path`` written as ``name`` and its folder left out.

    Examples
    --------
    >>> relabel("cannot open '/tmp/up-1/a.shp' (see /tmp/up-1/a.dbf)", Path("/tmp/up-1/a.shp"),
    ...         "a.shp")
    "cannot open 'a.shp' (see a.dbf)"
    """
    if name == str(path):
        return text
    for p in dict.fromkeys((path, path.absolute())):
        text = text.replace(str(p), name)
        folder = str(p.parent)
        if folder not in ("", ".", os.sep):
            text = text.replace(folder + os.sep, "").replace(folder, ".")
    return text


def _relabel_value(value: object, path: Path, name: str) -> object:
    if isinstance(value, str):
        return relabel(value, path, name)
    if isinstance(value, list | tuple):
        return [_relabel_value(v, path, name) for v in value]
    if isinstance(value, dict):
        return {k: _relabel_value(v, path, name) for k, v in value.items()}
    return value


def relabel_error(exc: OnemapError, path: Path, name: str) -> OnemapError:
    """Re-label ``exc`` in place (path, reason, user message, structured extras); return it."""
    if name == str(path):
        return exc
    exc.reason = relabel(exc.reason, path, name)
    exc.user_message = relabel(exc.user_message, path, name)
    if exc.path is not None:
        exc.path = relabel(exc.path, path, name)
    exc.extra = {k: _relabel_value(v, path, name) for k, v in exc.extra.items()}
    exc.args = (exc.user_message,)
    return exc


@contextmanager
def named_source(path: str | Path, name: str | None) -> Iterator[None]:
    """Within the block, errors about ``path`` name it ``name`` (no-op when ``name`` is None).

    Examples
    --------
    >>> from onemap.errors import ImportRejected
    >>> try:
    ...     with named_source("/tmp/up-2/x.gpkg", "x.gpkg"):
    ...         raise ImportRejected("'/tmp/up-2/x.gpkg' is not a GeoPackage",
    ...                              path="/tmp/up-2/x.gpkg")
    ... except ImportRejected as exc:
    ...     print(exc.to_dict()["reason"], "|", exc.user_message)
    'x.gpkg' is not a GeoPackage | x.gpkg: 'x.gpkg' is not a GeoPackage
    """
    try:
        yield
    except OnemapError as exc:
        if name is not None:
            relabel_error(exc, Path(path), name)
        raise
