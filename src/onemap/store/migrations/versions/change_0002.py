"""Change detection: ``change_batches.by_county``, the per-county totals of a batch.

A county user's view of a batch adds up the totals of their counties (patches, area,
legality, classes, verified-sample counts) instead of showing the province's. Batches
stored before this revision have none; their scoped views are read from the patch files.
"""

import sqlalchemy as sa
from alembic import op

revision = "change_0002"
down_revision = "change_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("change_batches") as batch:
        batch.add_column(sa.Column("by_county", sa.JSON, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("change_batches") as batch:
        batch.drop_column("by_county")
