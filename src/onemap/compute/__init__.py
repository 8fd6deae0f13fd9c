"""Executors that map a kernel over county partitions."""
