"""Parallel demo generation: same seed → same bytes whatever the number of workers."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest

from onemap.demo.models import DemoOptions, DemoResult
from onemap.demo.service import build_demo
from onemap.demo.truth import load_ground_truth
from onemap.store.workspace import Workspace

COUNTIES = ["360111", "360121", "360722"]


def _layer_bytes(root: Path) -> dict[tuple[str, int, str], str]:
    """(kind, vintage, county) → sha256 of the partition file, from the catalog and the disk."""
    ws = Workspace.open(root)
    try:
        out = {}
        for info in ws.list_layers():
            for p in ws.partitions(info.kind, info.vintage):
                digest = hashlib.sha256((root / p.path).read_bytes()).hexdigest()
                assert digest == p.checksum
                out[(info.kind, info.vintage, p.county)] = digest
        on_disk = {f.relative_to(root).as_posix() for f in (root / "layers").rglob("*.parquet")}
        parts = [p for i in ws.list_layers() for p in ws.partitions(i.kind, i.vintage)]
        listed = {p.path for p in parts} | {p.overview.path for p in parts if p.overview}
        assert on_disk == listed  # no orphan files (partitions and their overviews)
        return out
    finally:
        ws.close()


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> tuple[DemoResult, DemoResult]:
    base = tmp_path_factory.mktemp("par")
    one = build_demo(base / "w1", DemoOptions(scale="tiny", seed=11, counties=COUNTIES,
                                              workers=1))
    two = build_demo(base / "w2", DemoOptions(scale="tiny", seed=11, counties=COUNTIES,
                                              workers=2))
    return one, two


def test_same_bytes_with_one_and_two_workers(pair: tuple[DemoResult, DemoResult]) -> None:
    one, two = pair
    assert (one.workers, two.workers) == (1, 2)
    a, b = _layer_bytes(Path(one.workspace)), _layer_bytes(Path(two.workspace))
    assert len(a) >= 3 * 12 and a == b
    assert {k[2] for k in a} >= set(COUNTIES)
    for name in ("changes.parquet", "changes.csv"):
        assert (Path(one.workspace) / "truth" / name).read_bytes() == \
               (Path(two.workspace) / "truth" / name).read_bytes()
    assert load_ground_truth(one.workspace).equals(load_ground_truth(two.workspace))
    assert one.model_dump(exclude={"workspace", "truth_path", "seconds", "workers", "bytes"}) \
        == two.model_dump(exclude={"workspace", "truth_path", "seconds", "workers", "bytes"})


def test_catalog_counts_match_the_files(pair: tuple[DemoResult, DemoResult]) -> None:
    _, two = pair
    ws = Workspace.open(two.workspace)
    try:
        dltb = ws.layer("dltb", 2019)
        assert dltb.features == two.polygons_2019 and dltb.counties == len(COUNTIES)
        assert len(ws.read_layer("dltb", 2020)) == two.polygons_2020
        assert ws.layer("dltb", 2020).revision == 1  # one catalog switch per layer
    finally:
        ws.close()


def test_failed_county_leaves_no_orphan_files(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from onemap.demo import service

    real = service.build_county

    def boom(ctx: Any, code: str, scale: str) -> Any:
        if code == "360111":  # the smallest: generated last
            raise RuntimeError("planted failure")
        return real(ctx, code, scale)

    monkeypatch.setattr(service, "build_county", boom)
    with pytest.raises(RuntimeError, match="planted"):
        build_demo(tmp_path / "w", DemoOptions(scale="tiny", seed=11, workers=1,
                                               counties=COUNTIES))
    left = list((tmp_path / "w" / "layers").rglob("*.parquet"))
    assert left and all(p.parts[-3].startswith("admin_") and p.parts[-3] != "admin_township"
                        for p in left)
