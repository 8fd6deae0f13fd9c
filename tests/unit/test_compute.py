"""Executors: registry, in-process, process pool (real worker processes), Dask extra."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest
import shapely

import zoo
from onemap.compute import EXECUTORS, get_executor
from onemap.compute.local import InProcessExecutor, ProcessExecutor
from onemap.errors import InvalidInput, MissingDependency
from onemap.geometry.area import ellipsoidal_area

PARTITIONS = [[zoo.SQUARE, zoo.HOLED], [zoo.MULTI], [], [zoo.TRIANGLE, None, zoo.SLIVER]]


def test_registry_names_resolve() -> None:
    assert set(EXECUTORS) == {"inprocess", "processes", "dask"}
    assert isinstance(get_executor("inprocess"), InProcessExecutor)
    with get_executor("processes", workers=1) as ex:
        assert isinstance(ex, ProcessExecutor) and ex.workers == 1
    with pytest.raises(InvalidInput, match="unknown executor 'gpu'"):
        get_executor("gpu")


def test_inprocess_map_keeps_order_and_reports_progress() -> None:
    seen: list[tuple[int, int]] = []
    out = InProcessExecutor().map(ellipsoidal_area, PARTITIONS,
                                  progress=lambda d, t: seen.append((d, t)))
    assert [len(o) for o in out] == [2, 1, 0, 3]
    assert seen == [(1, 4), (2, 4), (3, 4), (4, 4)]


def test_process_pool_matches_in_process() -> None:
    expected = InProcessExecutor().map(ellipsoidal_area, PARTITIONS)
    seen: list[tuple[int, int]] = []
    with ProcessExecutor(workers=2) as ex:
        out = ex.map(ellipsoidal_area, PARTITIONS, progress=lambda d, t: seen.append((d, t)))
        again = ex.map(shapely.get_num_coordinates, PARTITIONS)  # the pool is reused
    for a, b in zip(out, expected, strict=True):
        np.testing.assert_array_equal(a, b)
    assert sorted(seen) == [(1, 4), (2, 4), (3, 4), (4, 4)]
    assert [a.tolist() for a in again] == [shapely.get_num_coordinates(p).tolist()
                                           for p in PARTITIONS]


def test_process_pool_propagates_kernel_errors() -> None:
    with ProcessExecutor(workers=1) as ex, pytest.raises(ValueError, match="invalid literal"):
        ex.map(int, ["1", "x", "3"])


def test_dask_executor_needs_the_extra() -> None:
    if importlib.util.find_spec("distributed") is None:
        with pytest.raises(MissingDependency) as info:
            get_executor("dask")
        assert info.value.extra["extra"] == "dask"
        assert "onemap[dask]" in str(info.value)
    else:  # the extra is installed: run a real local (threaded) cluster
        with get_executor("dask", processes=False) as ex:
            out = ex.map(ellipsoidal_area, PARTITIONS)
        assert [len(o) for o in out] == [2, 1, 0, 3]
