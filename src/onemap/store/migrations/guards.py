"""Shared DDL of the migrations: append-only tables (histories that must never change).

``append_only(table)`` installs triggers refusing UPDATE and DELETE on SQLite, and UPDATE, DELETE
and TRUNCATE on PostgreSQL (one shared plpgsql function). Cases, ledgers of quotas, hazard and
registry histories use it.
"""

from __future__ import annotations

from alembic import op

PG_GUARD = """
CREATE OR REPLACE FUNCTION onemap_append_only() RETURNS trigger AS $$
BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END; $$ LANGUAGE plpgsql;
"""


def append_only(table: str) -> None:
    """Refuse UPDATE and DELETE on ``table`` (SQLite and PostgreSQL triggers)."""
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for what in ("UPDATE", "DELETE"):
            op.execute(f"CREATE TRIGGER {table}_no_{what.lower()} BEFORE {what} ON {table} "
                       f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END")
    elif dialect == "postgresql":
        op.execute(PG_GUARD)
        op.execute(f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE OR "
                   f"TRUNCATE ON {table} FOR EACH STATEMENT "
                   "EXECUTE FUNCTION onemap_append_only()")
