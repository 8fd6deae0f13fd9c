"""Overviews: pre-generalised low-zoom versions of a partition, keyed by its checksum."""

import sqlalchemy as sa
from alembic import op

revision = "core_0003"
down_revision = "core_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "overviews",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("partition_id", sa.Integer,
                  sa.ForeignKey("partitions.id", ondelete="CASCADE",
                                name="fk_overviews_partition_id_partitions"),
                  nullable=False),
        sa.Column("source_checksum", sa.String(64), nullable=False),
        sa.Column("path", sa.Text, nullable=False),
        sa.Column("rows", sa.BigInteger, nullable=False),
        sa.Column("checksum", sa.String(64), nullable=False),
        sa.Column("tolerance", sa.Float, nullable=False, server_default="0"),
        sa.Column("area_error", sa.Float, nullable=False, server_default="0"),
        sa.UniqueConstraint("partition_id", name="uq_overviews_partition_id"),
    )


def downgrade() -> None:
    op.drop_table("overviews")
