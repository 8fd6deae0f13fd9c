"""Site compliance review: the ``reviews`` table (审查记录)."""

import sqlalchemy as sa
from alembic import op

revision = "review_0001"
down_revision = None
branch_labels = ("review",)
depends_on = "core_0001"


def upgrade() -> None:
    op.create_table(
        "reviews",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("review_id", sa.String(64), nullable=False, index=True),
        sa.Column("at", sa.DateTime, nullable=False, index=True),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("site_name", sa.Text, nullable=False, server_default=""),
        sa.Column("source", sa.Text, nullable=False, server_default=""),
        sa.Column("verdict", sa.String(16), nullable=False),
        sa.Column("area_m2", sa.Float, nullable=False),
        sa.Column("counties", sa.Text, nullable=False, server_default=""),
        sa.Column("inputs", sa.JSON, nullable=False),
        sa.Column("result", sa.JSON, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("reviews")
