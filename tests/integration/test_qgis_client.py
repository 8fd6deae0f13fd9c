"""Stock QGIS 3.22 (Debian ``qgis`` + ``python3-qgis``, headless) logs in with a Basic auth
configuration and reads an OAPIF layer and a vector-tile layer from a live ``onemap serve``.

PyQGIS belongs to the system Python, so ``qgis_client.py`` runs under ``/usr/bin/python3``
in a subprocess. Where QGIS cannot be installed (``make system`` installs it where the
distribution has it) the test is skipped with the reason, never faked.

Wrong credentials are not run through QGIS here: headless QGIS 3.22 answers the server's
401 Basic challenge by asking for credentials from its network thread and waits forever
(no dialog offscreen). ``test_api_clients.py`` and ``test_gdal_clients.py`` check that wrong
credentials get 401 and nothing else.
"""

from __future__ import annotations

import json
import os
import struct
import subprocess
import zlib
from pathlib import Path

import httpx
import pytest
from api_helpers import PASSWORD, build_workspace, live_server

from onemap.api.styles import landuse_colors

SYSTEM_PYTHON = "/usr/bin/python3"
CLIENT = Path(__file__).with_name("qgis_client.py")


def _qgis_missing() -> str | None:
    if not Path(SYSTEM_PYTHON).exists():
        return f"{SYSTEM_PYTHON} not found (PyQGIS needs the system Python)"
    probe = subprocess.run([SYSTEM_PYTHON, "-c", "import qgis.core"], capture_output=True,
                           text=True, env={**os.environ, "QT_QPA_PLATFORM": "offscreen",
                                           "PYTHONPATH": ""}, timeout=120)
    if probe.returncode != 0:
        return ("PyQGIS is not installed (Debian packages qgis, python3-qgis; `make system` "
                f"installs them where available): {probe.stderr.strip()[-200:]}")
    return None


MISSING = _qgis_missing()
pytestmark = pytest.mark.skipif(MISSING is not None, reason=MISSING or "")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("qgis")
    build_workspace(root / "ws").close()  # dltb_2020 is internal: readable only logged in
    with live_server(root / "ws", root / "server.log") as url:
        yield url, root


def _run(url: str, user: str, password: str, out: Path, qml: str = "") -> dict[str, object]:
    out.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["QT_QPA_PLATFORM"] = "offscreen"
    # Qt's network disk cache (~/.cache) ignores "Vary: Authorization": a run of its own,
    # or one QGIS would draw another account's cached tiles
    env["XDG_CACHE_HOME"] = str(out / "cache")
    run = subprocess.run([SYSTEM_PYTHON, str(CLIENT), url, user, password, str(out), qml],
                         capture_output=True, text=True, env=env, timeout=300,
                         stdin=subprocess.DEVNULL)  # QGIS may ask the console for a password
    line = next((x for x in run.stdout.splitlines() if x.startswith("QGIS-RESULT ")), None)
    assert run.returncode == 0 and line, run.stderr[-3000:]
    return json.loads(line.removeprefix("QGIS-RESULT "))


def _png_colours(path: Path) -> set[tuple[int, ...]]:
    """Decode an 8-bit RGB(A) PNG (what QImage writes) and return its distinct colours."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, header = 8, b"", b""
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    width, height, depth, colour = struct.unpack(">IIBB", header[:10])
    assert depth == 8 and colour in (2, 6)
    channels = 3 if colour == 2 else 4
    raw, stride, prev = zlib.decompress(idat), width * channels, bytearray(width * channels)
    colours: set[tuple[int, ...]] = set()
    for y in range(height):
        f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - channels] if i >= channels else 0
            b, c = prev[i], prev[i - channels] if i >= channels else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        colours.update(tuple(line[x:x + channels]) for x in range(0, stride, channels))
        prev = line
    return colours


def test_qgis_basic_auth_reads_features_and_renders_tiles(server, tmp_path) -> None:
    url, _root = server
    style = httpx.get(f"{url}/collections/dltb_2020/styles/default?f=qml",
                      auth=("nanchang", PASSWORD), timeout=30)
    assert style.status_code == 200
    qml = tmp_path / "dltb.qml"
    qml.write_bytes(style.content)
    seen = _run(url, "nanchang", PASSWORD, tmp_path / "ok", str(qml))
    assert seen["authcfg"] and seen["features_valid"] and seen["tiles_valid"], seen
    assert seen["features"] == 72  # the two counties of 南昌市 (36 each), not 珠山区
    assert seen["qml_loaded"] and seen["renderer"] == "categorizedSymbol", seen
    assert int(seen["categories"]) > 30  # every land class of the served style
    for name in ("features", "tiles"):
        assert int(seen[f"{name}_pixels"]) > 2_000, seen  # drawn, not a blank map
        colours = _png_colours(Path(str(seen[f"{name}_png"])))
        assert len(colours - {(255, 255, 255), (255, 255, 255, 255)}) >= 1, name
    drawn = _png_colours(Path(str(seen["features_png"])))
    paddy = tuple(int(landuse_colors()["0101"][i:i + 2], 16) for i in (1, 3, 5))
    assert any(c[:3] == paddy for c in drawn), "the QML's 水田 colour is on the map"
