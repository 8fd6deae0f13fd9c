"""占补平衡 quota ledger: append-only ``quota_projects`` and ``quota_debits``.

The balances and entries are the generic ``account_*`` tables (branch ``accounts``);
land supply supervision (``onemap.supply``) computes from layers and needs no table.
"""

import sqlalchemy as sa
from alembic import op

revision = "quota_0001"
down_revision = None
branch_labels = ("quota",)
depends_on = ("core_0001", "accounts_0001")

_PG_GUARD = """
CREATE OR REPLACE FUNCTION onemap_append_only() RETURNS trigger AS $$
BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END; $$ LANGUAGE plpgsql;
"""


def upgrade() -> None:
    op.create_table(
        "quota_projects",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("project_no", sa.String(64), nullable=False, unique=True),
        sa.Column("name", sa.Text, nullable=False, server_default=""),
        sa.Column("county", sa.String(6), nullable=False, index=True),
        sa.Column("accepted_on", sa.Date, nullable=False),
        sa.Column("area_m2", sa.Float, nullable=False),
        sa.Column("paddy_m2", sa.Float, nullable=False),
        sa.Column("grade", sa.Integer, nullable=False),
        sa.Column("capacity_kg", sa.Float, nullable=False),
        sa.Column("txn_id", sa.Integer, nullable=False, unique=True),
        sa.Column("measured", sa.JSON, nullable=False),
        sa.Column("geometry", sa.LargeBinary, nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "quota_debits",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("ref", sa.String(128), nullable=False, unique=True),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("county", sa.String(6), nullable=False, index=True),
        sa.Column("value_date", sa.Date, nullable=False),
        sa.Column("txn_id", sa.Integer, nullable=False, unique=True),
        sa.Column("result", sa.JSON, nullable=False),
        sa.Column("geometry", sa.LargeBinary, nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("at", sa.DateTime, nullable=False),
    )
    dialect = op.get_bind().dialect.name
    for table in ("quota_projects", "quota_debits"):
        if dialect == "sqlite":
            for what in ("UPDATE", "DELETE"):
                op.execute(f"CREATE TRIGGER {table}_no_{what.lower()} BEFORE {what} ON {table} "
                           f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END")
        elif dialect == "postgresql":
            op.execute(_PG_GUARD)
            op.execute(f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE OR "
                       f"TRUNCATE ON {table} FOR EACH STATEMENT "
                       "EXECUTE FUNCTION onemap_append_only()")


def downgrade() -> None:
    for name in ("quota_debits", "quota_projects"):
        op.drop_table(name)
