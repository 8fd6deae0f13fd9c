"""Test helpers shipped with onemap: equality rules, a workspace factory, a Dask cluster."""

from onemap.testing.asserts import assert_areas_close, assert_layers_equal

__all__ = ["assert_areas_close", "assert_layers_equal"]
