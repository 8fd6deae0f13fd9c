"""Alembic migrations of the catalog: one branch per capability."""
