"""Test helpers shipped with onemap: equality rules and a workspace factory."""

from onemap.testing.asserts import assert_areas_close, assert_layers_equal

__all__ = ["assert_areas_close", "assert_layers_equal"]
