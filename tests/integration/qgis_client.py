"""A stock QGIS (PyQGIS, headless) as a client of a live ``onemap serve`` (run by the system
Python: ``/usr/bin/python3 qgis_client.py URL USER PASSWORD OUT_DIR``).

It stores a QGIS "Basic" authentication configuration (QGIS 3.22 has no custom-header
method), loads an OGC API – Features layer and a vector-tile layer through it, counts the
features, renders each layer to a PNG and prints one JSON line with what it saw. Not a test
module: ``test_qgis_client.py`` runs it in a subprocess.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path


def _non_background(image: object) -> int:
    """Count pixels that are not the white background (QImage, any format)."""
    count = 0
    white = 0xFFFFFFFF
    for y in range(0, image.height(), 2):  # type: ignore[attr-defined]
        for x in range(0, image.width(), 2):  # type: ignore[attr-defined]
            if image.pixel(x, y) != white:  # type: ignore[attr-defined]
                count += 1
    return count


def main(url: str, user: str, password: str, out: Path, qml: str = "") -> dict[str, object]:
    """Run the client and return what it saw."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ["QGIS_AUTH_DB_DIR_PATH"] = str(out)
    from qgis.core import (
        QgsApplication,
        QgsAuthMethodConfig,
        QgsDataSourceUri,
        QgsMapRendererSequentialJob,
        QgsMapSettings,
        QgsRectangle,
        QgsVectorLayer,
        QgsVectorTileLayer,
    )
    from qgis.PyQt.QtCore import QSize
    from qgis.PyQt.QtGui import QColor

    app = QgsApplication([], False, str(out / "profile"))
    app.initQgis()
    auth = QgsApplication.authManager()
    auth.setPasswordHelperEnabled(False)
    auth.setMasterPassword("onemap-test-master", True)
    cfg = QgsAuthMethodConfig("Basic")
    cfg.setName("onemap")
    cfg.setConfig("username", user)
    cfg.setConfig("password", password)
    stored = auth.storeAuthenticationConfig(cfg)  # bool, or (bool, config) in some builds
    if isinstance(stored, tuple):
        stored, cfg = stored
    authcfg = cfg.id() if stored else ""

    features = QgsVectorLayer(f"url='{url}' typename='dltb_2020' authcfg={authcfg}",
                              "dltb_2020", "OAPIF")
    n_features = sum(1 for _ in features.getFeatures()) if features.isValid() else -1
    if qml and features.isValid():  # the server's QML style (/collections/{id}/styles)
        _message, loaded = features.loadNamedStyle(qml)
        renderer = features.renderer()
        seen_style = {"qml_loaded": bool(loaded), "renderer": renderer.type(),
                      "categories": len(renderer.categories())
                      if renderer.type() == "categorizedSymbol" else 0}
    else:
        seen_style = {}

    tiles_uri = QgsDataSourceUri()
    tiles_uri.setParam("type", "xyz")
    tiles_uri.setParam("url", f"{url}/collections/dltb_2020/tiles/WebMercatorQuad/"
                              "{z}/{y}/{x}")
    tiles_uri.setParam("zmin", "0")
    tiles_uri.setParam("zmax", "14")
    tiles_uri.setAuthConfigId(authcfg)
    tiles = QgsVectorTileLayer(bytes(tiles_uri.encodedUri()).decode(), "dltb_2020 tiles")

    seen: dict[str, object] = {"authcfg": bool(authcfg), "features_valid": features.isValid(),
                               "features": n_features, "tiles_valid": tiles.isValid(),
                               **seen_style}
    for name, layer in (("features", features), ("tiles", tiles)):
        settings = QgsMapSettings()
        settings.setLayers([layer])
        settings.setDestinationCrs(features.crs() if name == "features" else tiles.crs())
        extent = QgsRectangle(115.88, 28.58, 116.12, 28.72)  # two test counties
        if name == "tiles":
            from qgis.core import (
                QgsCoordinateReferenceSystem,
                QgsCoordinateTransform,
                QgsProject,
            )

            to_merc = QgsCoordinateTransform(QgsCoordinateReferenceSystem("EPSG:4326"),
                                             tiles.crs(), QgsProject.instance())
            extent = to_merc.transformBoundingBox(extent)
        settings.setExtent(extent)
        settings.setOutputSize(QSize(400, 240))
        settings.setBackgroundColor(QColor(255, 255, 255))
        job = QgsMapRendererSequentialJob(settings)
        job.start()
        job.waitForFinished()
        image = job.renderedImage()
        png = out / f"qgis-{name}.png"
        image.save(str(png), "PNG")
        seen[f"{name}_png"] = str(png)
        seen[f"{name}_pixels"] = _non_background(image)
    seen["_app"] = app  # kept alive until the process exits (exitQgis crashes headless 3.22)
    return seen


if __name__ == "__main__":
    result = main(sys.argv[1], sys.argv[2], sys.argv[3], Path(sys.argv[4]),
                  sys.argv[5] if len(sys.argv) > 5 else "")
    result.pop("_app")
    print("QGIS-RESULT " + json.dumps(result), flush=True)
    os._exit(0)  # skip Qt's teardown, which segfaults in offscreen QGIS 3.22
