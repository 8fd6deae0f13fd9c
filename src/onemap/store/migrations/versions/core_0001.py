"""Core catalog: layers, partitions, jobs, audit log.

Each capability owns a migration branch of its own (``branch_labels``) that
``depends_on`` this revision, so capabilities evolve their tables independently.
"""

import sqlalchemy as sa
from alembic import op

revision = "core_0001"
down_revision = None
branch_labels = ("core",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "layers",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("kind", sa.String(64), nullable=False, index=True),
        sa.Column("vintage", sa.Integer, nullable=False),
        sa.Column("title", sa.String(200), nullable=False, server_default=""),
        sa.Column("source_path", sa.Text, nullable=False, server_default=""),
        sa.Column("source_crs", sa.String(64), nullable=False, server_default="EPSG:4490"),
        sa.Column("source_encoding", sa.String(32), nullable=False, server_default=""),
        sa.Column("source_checksum", sa.String(64), nullable=False, server_default=""),
        sa.Column("classification", sa.String(16), nullable=False, server_default="internal"),
        sa.Column("published", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("features", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("area_m2", sa.Float, nullable=False, server_default="0"),
        sa.Column("revision", sa.Integer, nullable=False, server_default="1"),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("kind", "vintage", name="uq_layers_kind_vintage"),
    )
    op.create_table(
        "partitions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "layer_id",
            sa.Integer,
            sa.ForeignKey("layers.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column("county", sa.String(6), nullable=False, index=True),
        sa.Column("path", sa.Text, nullable=False),
        sa.Column("rows", sa.BigInteger, nullable=False),
        sa.Column("area_m2", sa.Float, nullable=False, server_default="0"),
        sa.Column("minx", sa.Float, nullable=False),
        sa.Column("miny", sa.Float, nullable=False),
        sa.Column("maxx", sa.Float, nullable=False),
        sa.Column("maxy", sa.Float, nullable=False),
        sa.Column("checksum", sa.String(64), nullable=False),
        sa.UniqueConstraint("layer_id", "county", name="uq_partitions_layer_county"),
    )
    op.create_table(
        "jobs",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("started_at", sa.DateTime, nullable=False),
        sa.Column("finished_at", sa.DateTime, nullable=True),
        sa.Column("params", sa.JSON, nullable=False),
        sa.Column("result", sa.JSON, nullable=False),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", sa.DateTime, nullable=False, index=True),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("action", sa.String(64), nullable=False, index=True),
        sa.Column("target", sa.Text, nullable=False, server_default=""),
        sa.Column("detail", sa.JSON, nullable=False),
    )


def downgrade() -> None:
    for name in ("audit_log", "jobs", "partitions", "layers"):
        op.drop_table(name)
