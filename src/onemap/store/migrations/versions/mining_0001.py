"""Mining supervision: rights, abandoned and green mines, append-only quotas and production."""

from typing import Any

import sqlalchemy as sa
from alembic import op

from onemap.store.migrations.guards import append_only

revision = "mining_0001"
down_revision = None
branch_labels = ("mining",)
depends_on = "core_0001"

APPEND_ONLY = ("mining_quotas", "mining_production")


def _c(name: str, type_: Any, **kw: Any) -> sa.Column[Any]:
    kw.setdefault("nullable", False)
    return sa.Column(name, type_, **kw)


def upgrade() -> None:
    op.create_table(
        "mining_rights",
        _c("id", sa.Integer, primary_key=True),
        _c("right_no", sa.String(64), unique=True),
        _c("right_type", sa.String(16), index=True),
        _c("name", sa.String(200), server_default=""),
        _c("holder", sa.String(200), server_default=""),
        _c("holder_code", sa.String(32), server_default=""),
        _c("minerals", sa.JSON),
        _c("method", sa.String(16), server_default=""),
        _c("scale", sa.String(16), server_default=""),
        _c("capacity", sa.Float, nullable=True),
        _c("valid_from", sa.Date, nullable=True),
        _c("valid_to", sa.Date, nullable=True),
        _c("status", sa.String(16), index=True),
        _c("county", sa.String(6), index=True),
        _c("depth_top", sa.Float, nullable=True),
        _c("depth_bottom", sa.Float, nullable=True),
        _c("area_m2", sa.Float),
        _c("blocks", sa.Integer),
        _c("source", sa.String(200), server_default=""),
        _c("geometry", sa.LargeBinary),
        _c("updated_at", sa.DateTime),
    )
    op.create_table(
        "mining_abandoned",
        _c("id", sa.Integer, primary_key=True),
        _c("mine_id", sa.String(64), unique=True),
        _c("county", sa.String(6), index=True),
        _c("name", sa.String(200), server_default=""),
        _c("mineral", sa.String(64), server_default=""),
        _c("open_pit", sa.Boolean),
        _c("damaged_area_m2", sa.Float),
        _c("ownership", sa.String(16)),
        _c("responsible", sa.String(200), server_default=""),
        _c("restoration", sa.String(16)),
        _c("restored_year", sa.Integer, nullable=True),
        _c("restored_area_m2", sa.Float),
        _c("target_class", sa.String(8), server_default=""),
        _c("area_m2", sa.Float),
        _c("geometry", sa.LargeBinary),
        _c("updated_at", sa.DateTime),
    )
    op.create_table(
        "mining_green",
        _c("id", sa.Integer, primary_key=True),
        _c("right_no", sa.String(64), index=True),
        _c("county", sa.String(6), index=True),
        _c("level", sa.String(16)),
        _c("year", sa.Integer),
        _c("review", sa.String(16)),
        _c("note", sa.Text, server_default=""),
        _c("updated_at", sa.DateTime),
        sa.UniqueConstraint("right_no", "level", name="uq_mining_green_right_level"),
    )
    op.create_table(
        "mining_quotas",
        _c("id", sa.Integer, primary_key=True),
        _c("mineral", sa.String(32), index=True),
        _c("year", sa.Integer, index=True),
        _c("level", sa.String(16)),
        _c("holder", sa.String(64), index=True),
        _c("region", sa.String(6), index=True),
        _c("amount", sa.Float),
        _c("unit", sa.String(16), server_default=""),
        _c("note", sa.Text, server_default=""),
        _c("actor", sa.String(64)),
        _c("at", sa.DateTime),
    )
    op.create_table(
        "mining_production",
        _c("id", sa.Integer, primary_key=True),
        _c("right_no", sa.String(64), index=True),
        _c("county", sa.String(6), index=True),
        _c("city", sa.String(6), index=True),
        _c("mineral", sa.String(32), index=True),
        _c("year", sa.Integer, index=True),
        _c("month", sa.Integer),
        _c("amount", sa.Float),
        _c("kind", sa.String(16)),
        _c("reverses", sa.Integer, nullable=True),
        _c("warning", sa.Text, server_default=""),
        _c("note", sa.Text, server_default=""),
        _c("actor", sa.String(64)),
        _c("at", sa.DateTime),
        sa.UniqueConstraint("reverses", name="uq_mining_production_reverses"),
    )
    for table in APPEND_ONLY:
        append_only(table)


def downgrade() -> None:
    for name in ("mining_production", "mining_quotas", "mining_green", "mining_abandoned",
                 "mining_rights"):
        op.drop_table(name)
