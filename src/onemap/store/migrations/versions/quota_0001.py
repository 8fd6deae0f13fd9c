"""占补平衡 quota ledger: append-only ``quota_projects`` and ``quota_debits``.

The balances and entries are the generic ``account_*`` tables (branch ``accounts``);
land supply supervision (``onemap.supply``) computes from layers and needs no table.
"""

import sqlalchemy as sa
from alembic import op

from onemap.store.migrations.guards import append_only

revision = "quota_0001"
down_revision = None
branch_labels = ("quota",)
depends_on = ("core_0001", "accounts_0001")


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
    for table in ("quota_projects", "quota_debits"):
        append_only(table)


def downgrade() -> None:
    for name in ("quota_debits", "quota_projects"):
        op.drop_table(name)
