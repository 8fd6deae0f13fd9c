"""Registration (自然资源确权登记): append-only stage events and register snapshots."""

import sqlalchemy as sa
from alembic import op

from onemap.store.migrations.guards import append_only

revision = "registry_0001"
down_revision = None
branch_labels = ("registry",)
depends_on = "core_0001"

_TABLES = ("registry_stage_events", "registry_registers")


def upgrade() -> None:
    op.create_table(
        "registry_stage_events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("unit", sa.String(32), nullable=False, index=True),
        sa.Column("county", sa.String(6), nullable=False, index=True),
        sa.Column("stage", sa.String(8), nullable=False),
        sa.Column("stage_date", sa.Date, nullable=True),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "registry_registers",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("unit", sa.String(32), nullable=False, index=True),
        sa.Column("county", sa.String(6), nullable=False, index=True),
        sa.Column("vintage", sa.Integer, nullable=False, index=True),
        sa.Column("total_m2", sa.Float, nullable=False),
        sa.Column("data", sa.JSON, nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("at", sa.DateTime, nullable=False),
    )
    for table in _TABLES:
        append_only(table)


def downgrade() -> None:
    for table in _TABLES:
        op.drop_table(table)
