"""Farmland ledgers: append-only ``ledger_entries`` (进出平衡; room for 占补平衡)."""

import sqlalchemy as sa
from alembic import op

revision = "ledgers_0001"
down_revision = None
branch_labels = ("ledgers",)
depends_on = "core_0001"

_PG_GUARD = """
CREATE OR REPLACE FUNCTION onemap_append_only() RETURNS trigger AS $$
BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END; $$ LANGUAGE plpgsql;
"""


def upgrade() -> None:
    op.create_table(
        "ledger_entries",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("ledger", sa.String(16), nullable=False, index=True),
        sa.Column("county", sa.String(6), nullable=False, index=True),
        sa.Column("year", sa.Integer, nullable=False, index=True),
        sa.Column("direction", sa.String(8), nullable=False),
        sa.Column("area_m2", sa.Float, nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("source_ref", sa.String(128), nullable=False, server_default=""),
        sa.Column("batch_id", sa.Integer, nullable=True, index=True),
        sa.Column("corrects", sa.Integer, nullable=True),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("at", sa.DateTime, nullable=False),
    )
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for what in ("UPDATE", "DELETE"):
            op.execute(f"CREATE TRIGGER ledger_entries_no_{what.lower()} BEFORE {what} ON "
                       "ledger_entries BEGIN SELECT RAISE(ABORT, 'ledger_entries is "
                       "append-only'); END")
    elif dialect == "postgresql":
        op.execute(_PG_GUARD)
        op.execute("CREATE TRIGGER ledger_entries_append_only BEFORE UPDATE OR DELETE OR "
                   "TRUNCATE ON ledger_entries FOR EACH STATEMENT "
                   "EXECUTE FUNCTION onemap_append_only()")


def downgrade() -> None:
    op.drop_table("ledger_entries")
