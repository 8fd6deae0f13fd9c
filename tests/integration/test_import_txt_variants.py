"""Importing a county office's coordinate TXT with unclosed rings: read, with warnings in the
import report; refused with ``strict`` (request or workspace setting), nothing written."""

from __future__ import annotations

from pathlib import Path

import pytest

from onemap.errors import CoordinateFileError
from onemap.store.formats.models import ImportRequest
from onemap.store.importer.pipeline import import_file
from onemap.store.workspace import Workspace
from onemap.users.identity import local_operator

UNCLOSED = Path(__file__).resolve().parents[1] / "data" / "txt_variants" / "unclosed_rings.txt"


def test_unclosed_rings_import_with_warnings_or_are_refused_when_strict(tmp_path) -> None:
    ws = Workspace.create(tmp_path / "ws")
    actor = local_operator(ws)
    strict = ImportRequest(path=UNCLOSED, kind="generic", vintage=2024, strict=True)
    with pytest.raises(CoordinateFileError, match="not closed"):
        import_file(ws, strict, actor=actor)
    ws.config.strict_coordinate_files = True  # the workspace setting does the same
    with pytest.raises(CoordinateFileError, match="not closed"):
        import_file(ws, ImportRequest(path=UNCLOSED, kind="generic", vintage=2024),
                    actor=actor)
    assert ws.list_layers() == []  # refused: nothing written
    ws.config.strict_coordinate_files = False
    report = import_file(ws, ImportRequest(path=UNCLOSED, kind="generic", vintage=2024),
                         actor=actor)
    assert report.features_imported == 2
    notes = [n for n in report.source.notes if "closed on read" in n]
    assert len(notes) == 3 and all("unclosed_rings.txt" in n for n in notes)
    assert "line 17" in notes[0] and "DK01" in notes[0] and "圈号 1" in notes[0]
    ws.close()
