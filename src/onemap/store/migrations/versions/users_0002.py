"""Sessions stored as hashes, API tokens with an expiry (branch ``users``).

``web_sessions`` is recreated with ``id_hash`` (sha256 of the random id) as its key:
the plain-text ids of the old table are dropped, which logs every browser out once.
Existing API tokens get ``expires_at`` = migration time + 90 days, so scripts keep
working while their owners replace them.
"""

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

revision = "users_0002"
down_revision = "users_0001"
branch_labels = None
depends_on = None

TOKEN_DAYS = 90


def _sessions_table(key: sa.Column) -> None:  # type: ignore[type-arg]
    op.create_table(
        "web_sessions",
        key,
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"),
                  nullable=False, index=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("expires_at", sa.DateTime, nullable=False),
        sa.Column("revoked", sa.Boolean, nullable=False, server_default=sa.false()),
    )


def upgrade() -> None:
    op.drop_table("web_sessions")
    _sessions_table(sa.Column("id_hash", sa.String(64), primary_key=True))
    with op.batch_alter_table("api_tokens") as batch:
        batch.add_column(sa.Column("expires_at", sa.DateTime, nullable=True))
    until = datetime.now(UTC).replace(tzinfo=None) + timedelta(days=TOKEN_DAYS)
    tokens = sa.table("api_tokens", sa.column("expires_at", sa.DateTime))
    op.execute(tokens.update().values(expires_at=until))
    with op.batch_alter_table("api_tokens") as batch:
        batch.alter_column("expires_at", existing_type=sa.DateTime, nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("api_tokens") as batch:
        batch.drop_column("expires_at")
    op.drop_table("web_sessions")
    _sessions_table(sa.Column("id", sa.String(64), primary_key=True))
