"""Plan indicators: editable catalog, append-only values with history, regional quotas."""

import sqlalchemy as sa
from alembic import op

revision = "indicators_0001"
down_revision = None
branch_labels = ("indicators",)
depends_on = "core_0001"


def upgrade() -> None:
    op.create_table(
        "indicator_catalog",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("data", sa.JSON, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.Column("updated_by", sa.String(64), nullable=False),
    )
    op.create_table(
        "indicator_values",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("series", sa.String(64), nullable=False, index=True),
        sa.Column("region", sa.String(12), nullable=False, index=True),
        sa.Column("year", sa.Integer, nullable=False, index=True),
        sa.Column("value", sa.Float, nullable=True),
        sa.Column("source", sa.JSON, nullable=False),
        sa.Column("recorded_at", sa.DateTime, nullable=False),
        sa.Column("recorded_by", sa.String(64), nullable=False),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
    )
    op.create_table(
        "indicator_quotas",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("indicator", sa.String(64), nullable=False, index=True),
        sa.Column("region", sa.String(12), nullable=False, index=True),
        sa.Column("value", sa.Float, nullable=False),
        sa.Column("recorded_at", sa.DateTime, nullable=False),
        sa.Column("recorded_by", sa.String(64), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("indicator_quotas")
    op.drop_table("indicator_values")
    op.drop_table("indicator_catalog")
