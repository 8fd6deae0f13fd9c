"""Change detection: the ``change_batches`` table (检测批次)."""

import sqlalchemy as sa
from alembic import op

revision = "change_0001"
down_revision = None
branch_labels = ("change",)
depends_on = "core_0001"


def upgrade() -> None:
    op.create_table(
        "change_batches",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("created_at", sa.DateTime, nullable=False, index=True),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("from_year", sa.Integer, nullable=False),
        sa.Column("to_year", sa.Integer, nullable=False, index=True),
        sa.Column("counties", sa.JSON, nullable=False),
        sa.Column("sliver", sa.JSON, nullable=False),
        sa.Column("rules_name", sa.Text, nullable=False, server_default=""),
        sa.Column("rules_checksum", sa.String(64), nullable=False, server_default=""),
        sa.Column("patches", sa.Integer, nullable=False, server_default="0"),
        sa.Column("by_legality", sa.JSON, nullable=False),
        sa.Column("by_class", sa.JSON, nullable=False),
        sa.Column("seconds", sa.Float, nullable=False, server_default="0"),
        sa.Column("scores", sa.JSON, nullable=True),
        sa.Column("path", sa.Text, nullable=False, server_default=""),
    )


def downgrade() -> None:
    op.drop_table("change_batches")
