"""Saving a multipart upload (one file, a .zip, or a Shapefile's parts) into a temporary folder."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from onemap.errors import InvalidInput

from fastapi import Request


async def save_upload(request: Request, folder: Path, *, max_bytes: int,
                      main_suffixes: Sequence[str], what: str) -> Path:
    """Write every uploaded file into ``folder``; return the one to open.

    The file to open is the first whose suffix comes earliest in ``main_suffixes``
    (so a Shapefile's ``.shp`` is chosen over its ``.dbf``). ``what`` names the
    expected files in the error when none is there.
    """
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise InvalidInput("upload the file as multipart/form-data")
    form = await request.form()
    saved: list[Path] = []
    for _, value in form.multi_items():
        if isinstance(value, str) or not getattr(value, "filename", None):
            continue
        name = Path(str(value.filename)).name
        data = await value.read()
        if len(data) > max_bytes:
            raise InvalidInput(f"upload {name} is larger than {max_bytes // 2**20} MB")
        (folder / name).write_bytes(data)
        saved.append(folder / name)
    for suffix in main_suffixes:
        for path in saved:
            if path.suffix.lower() == suffix:
                return path
    raise InvalidInput(f"no {what} in the upload")
