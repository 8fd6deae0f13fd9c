"""onemap: one-map platform for provincial natural-resources governance (一张图)."""

__version__ = "0.1.0"
