"""Quality checks: qc_runs and qc_findings (branch ``quality``)."""

import sqlalchemy as sa
from alembic import op

revision = "quality_0001"
down_revision = None
branch_labels = ("quality",)
depends_on = "core_0001"


def upgrade() -> None:
    """Create qc_runs and qc_findings."""
    op.create_table(
        "qc_runs",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("kind", sa.String(64), nullable=False, index=True),
        sa.Column("vintage", sa.Integer, nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("started_at", sa.DateTime, nullable=False),
        sa.Column("finished_at", sa.DateTime, nullable=True),
        sa.Column("counties", sa.JSON, nullable=False),
        sa.Column("features", sa.Integer, nullable=False, server_default="0"),
        sa.Column("errors", sa.Integer, nullable=False, server_default="0"),
        sa.Column("warnings", sa.Integer, nullable=False, server_default="0"),
        sa.Column("counts", sa.JSON, nullable=False),
        sa.Column("options", sa.JSON, nullable=False),
    )
    op.create_table(
        "qc_findings",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("run_id", sa.Integer, sa.ForeignKey("qc_runs.id", ondelete="CASCADE"),
                  nullable=False, index=True),
        sa.Column("rule", sa.String(64), nullable=False, index=True),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("county", sa.String(6), nullable=False, index=True),
        sa.Column("feature_id", sa.String(200), nullable=True),
        sa.Column("message_zh", sa.Text, nullable=False),
        sa.Column("message_en", sa.Text, nullable=False),
        sa.Column("area_m2", sa.Float, nullable=True),
        sa.Column("x", sa.Float, nullable=True),
        sa.Column("y", sa.Float, nullable=True),
        sa.Column("wkt", sa.Text, nullable=True),
    )


def downgrade() -> None:
    """Drop the quality tables."""
    op.drop_table("qc_findings")
    op.drop_table("qc_runs")
