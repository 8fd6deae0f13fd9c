"""Enforcement cases: ``cases``, append-only ``case_events``, ``case_attachments``."""

import sqlalchemy as sa
from alembic import op

from onemap.store.migrations.guards import append_only

revision = "cases_0001"
down_revision = None
branch_labels = ("cases",)
depends_on = "core_0001"


def upgrade() -> None:
    op.create_table(
        "cases",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("case_no", sa.String(64), nullable=False, unique=True),
        sa.Column("county", sa.String(6), nullable=False, index=True),
        sa.Column("township", sa.String(12), nullable=False, server_default=""),
        sa.Column("batch_id", sa.Integer, nullable=True),
        sa.Column("patch_id", sa.String(64), nullable=False, unique=True),
        sa.Column("status", sa.String(16), nullable=False, index=True),
        sa.Column("suspected", sa.Boolean, nullable=False),
        sa.Column("pre_judgement", sa.String(16), nullable=False),
        sa.Column("classes", sa.JSON, nullable=False),
        sa.Column("from_code", sa.String(8), nullable=False, server_default=""),
        sa.Column("to_code", sa.String(8), nullable=False, server_default=""),
        sa.Column("area_m2", sa.Float, nullable=False),
        sa.Column("approval_share", sa.Float, nullable=False, server_default="0"),
        sa.Column("verdict", sa.String(8), nullable=True),
        sa.Column("verdict_stands", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("detection_source", sa.String(16), nullable=False),
        sa.Column("detected_on", sa.Date, nullable=False),
        sa.Column("event_date", sa.Date, nullable=True),
        sa.Column("due_date", sa.Date, nullable=True),
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.Column("patch", sa.JSON, nullable=False),
        sa.Column("geometry", sa.LargeBinary, nullable=False),
    )
    op.create_table(
        "case_events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id"), nullable=False, index=True),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("from_status", sa.String(16), nullable=True),
        sa.Column("to_status", sa.String(16), nullable=False),
        sa.Column("verdict", sa.String(8), nullable=True),
        sa.Column("reason_code", sa.String(16), nullable=True),
        sa.Column("comment", sa.Text, nullable=False, server_default=""),
        sa.Column("detail", sa.JSON, nullable=False),
        sa.UniqueConstraint("case_id", "seq", name="uq_case_events_case_seq"),
    )
    op.create_table(
        "case_attachments",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id"), nullable=False, index=True),
        sa.Column("event_seq", sa.Integer, nullable=False),
        sa.Column("filename", sa.Text, nullable=False),
        sa.Column("path", sa.Text, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("media_type", sa.String(128), nullable=False),
        sa.Column("uploaded_by", sa.String(64), nullable=False),
        sa.Column("uploaded_at", sa.DateTime, nullable=False),
    )
    for table in ("case_events", "case_attachments"):
        append_only(table)


def downgrade() -> None:
    for name in ("case_attachments", "case_events", "cases"):
        op.drop_table(name)
