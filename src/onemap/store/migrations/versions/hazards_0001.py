"""Geohazard warning tables (histories append-only).

Stations, rain, grids, status history, batches, warnings, notices, responses, events.
"""

import sqlalchemy as sa
from alembic import op

from onemap.store.migrations.guards import append_only

revision = "hazards_0001"
down_revision = None
branch_labels = ("hazards",)
depends_on = "core_0001"

APPEND_ONLY = ("hazard_status_events", "hazard_batch_log", "hazard_warnings", "hazard_notices",
               "hazard_responses", "hazard_events")

def _id() -> sa.Column[int]:
    return sa.Column("id", sa.Integer, primary_key=True)


def _batch() -> sa.Column[int]:
    return sa.Column("batch_id", sa.Integer, sa.ForeignKey("hazard_batches.id"),
                     nullable=False, index=True)


def upgrade() -> None:
    op.create_table(
        "hazard_stations",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("lon", sa.Float, nullable=False), sa.Column("lat", sa.Float, nullable=False),
        sa.Column("name", sa.String(64), nullable=False, server_default=""),
        sa.Column("created_at", sa.DateTime, nullable=False))
    op.create_table(
        "hazard_rain", _id(),
        sa.Column("station", sa.String(32), sa.ForeignKey("hazard_stations.id"),
                  nullable=False, index=True),
        sa.Column("day", sa.Date, nullable=False, index=True),
        sa.Column("mm", sa.Float, nullable=False),
        sa.Column("source", sa.Text, nullable=False, server_default=""),
        sa.UniqueConstraint("station", "day", name="uq_hazard_rain_station_day"))
    op.create_table(
        "hazard_grids", _id(),
        sa.Column("valid_on", sa.Date, nullable=False, index=True),
        sa.Column("lead_hours", sa.Integer, nullable=False),
        sa.Column("path", sa.Text, nullable=False),
        sa.Column("source_file", sa.Text, nullable=False),
        sa.Column("crs", sa.String(64), nullable=False),
        sa.Column("rows", sa.Integer, nullable=False),
        sa.Column("cols", sa.Integer, nullable=False),
        sa.Column("band", sa.Integer, nullable=False),
        sa.Column("max_mm", sa.Float, nullable=False),
        sa.Column("mean_mm", sa.Float, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("imported_by", sa.String(64), nullable=False),
        sa.Column("imported_at", sa.DateTime, nullable=False))
    op.create_table(
        "hazard_status_events", _id(),
        sa.Column("point_id", sa.String(32), nullable=False, index=True),
        sa.Column("county", sa.String(6), nullable=False, index=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text, nullable=False, server_default=""),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("at", sa.DateTime, nullable=False))
    op.create_table(
        "hazard_batches", _id(),
        sa.Column("batch_no", sa.String(64), nullable=False, unique=True),
        sa.Column("county", sa.String(6), nullable=False, index=True),
        sa.Column("status", sa.String(16), nullable=False, index=True),
        sa.Column("day", sa.Date, nullable=False, index=True),
        sa.Column("window_start", sa.DateTime, nullable=False),
        sa.Column("window_end", sa.DateTime, nullable=False),
        sa.Column("rules", sa.String(64), nullable=False),
        sa.Column("points", sa.Integer, nullable=False),
        sa.Column("zones", sa.Integer, nullable=False),
        sa.Column("max_level", sa.Integer, nullable=False),
        sa.Column("counts", sa.JSON, nullable=False),
        sa.Column("zone_area_m2", sa.Float, nullable=False, server_default="0"),
        sa.Column("issued_by", sa.String(64), nullable=False),
        sa.Column("issued_at", sa.DateTime, nullable=False),
        sa.Column("closed_by", sa.String(64), nullable=True),
        sa.Column("closed_at", sa.DateTime, nullable=True),
        sa.Column("summary", sa.JSON, nullable=False),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
        sa.Column("version", sa.Integer, nullable=False, server_default="1"))
    op.create_table(
        "hazard_batch_log", _id(), _batch(),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("to_status", sa.String(16), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("detail", sa.JSON, nullable=False),
        sa.UniqueConstraint("batch_id", "seq", name="uq_hazard_batch_log_seq"))
    op.create_table(
        "hazard_warnings", _id(), _batch(),
        sa.Column("site", sa.String(8), nullable=False),
        sa.Column("site_id", sa.String(32), nullable=False, index=True),
        sa.Column("county", sa.String(6), nullable=False),
        sa.Column("level", sa.Integer, nullable=False),
        sa.Column("detail", sa.JSON, nullable=False))
    op.create_table(
        "hazard_notices", _id(), _batch(),
        sa.Column("point_id", sa.String(32), nullable=False),
        sa.Column("county", sa.String(6), nullable=False),
        sa.Column("level", sa.Integer, nullable=False),
        sa.Column("responsible", sa.String(64), nullable=False, server_default=""),
        sa.Column("monitor", sa.String(64), nullable=False, server_default=""),
        sa.Column("phone", sa.String(32), nullable=False, server_default=""),
        sa.Column("people", sa.Integer, nullable=False, server_default="0"),
        sa.Column("sms", sa.Text, nullable=False))
    op.create_table(
        "hazard_responses", _id(), _batch(),
        sa.Column("point_id", sa.String(32), nullable=False),
        sa.Column("county", sa.String(6), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("people_moved", sa.Integer, nullable=False, server_default="0"),
        sa.Column("comment", sa.Text, nullable=False, server_default=""),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("at", sa.DateTime, nullable=False))
    op.create_table(
        "hazard_events", _id(),
        sa.Column("point_id", sa.String(32), nullable=False, index=True),
        sa.Column("county", sa.String(6), nullable=False, index=True),
        sa.Column("day", sa.Date, nullable=False, index=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("casualties", sa.Integer, nullable=False, server_default="0"),
        sa.Column("batch_id", sa.Integer, nullable=True),
        sa.Column("warned_level", sa.Integer, nullable=False, server_default="0"),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("comment", sa.Text, nullable=False, server_default=""))
    for table in APPEND_ONLY:
        append_only(table)


def downgrade() -> None:
    for name in (*reversed(APPEND_ONLY), "hazard_batches", "hazard_grids", "hazard_rain",
                 "hazard_stations"):
        op.drop_table(name)
