"""Never-overdrawn accounts (onemap.store.accounts): balances, append-only txns and entries."""

import sqlalchemy as sa
from alembic import op

from onemap.store.migrations.guards import append_only

revision = "accounts_0001"
down_revision = None
branch_labels = ("accounts",)
depends_on = "core_0001"


def upgrade() -> None:
    op.create_table(
        "account_balances",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("book", sa.String(32), nullable=False),
        sa.Column("owner", sa.String(12), nullable=False, index=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("unit", sa.String(16), nullable=False),
        sa.Column("balance", sa.Float, nullable=False),
        sa.Column("entries", sa.Integer, nullable=False),
        sa.UniqueConstraint("book", "owner", "kind", name="uq_account_balances_book_owner_kind"),
        sa.CheckConstraint("balance >= -0.000001", name="ck_account_balances_not_negative"),
    )
    op.create_table(
        "account_txns",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("book", sa.String(32), nullable=False, index=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("ref", sa.String(128), nullable=False, index=True),
        sa.Column("reverses", sa.Integer, nullable=True, unique=True),
        sa.Column("value_date", sa.Date, nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("memo", sa.Text, nullable=False, server_default=""),
        sa.Column("detail", sa.JSON, nullable=False),
    )
    op.create_table(
        "account_entries",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("txn_id", sa.Integer, sa.ForeignKey("account_txns.id"), nullable=False,
                  index=True),
        sa.Column("account_id", sa.Integer, sa.ForeignKey("account_balances.id"),
                  nullable=False, index=True),
        sa.Column("amount", sa.Float, nullable=False),
        sa.Column("value_date", sa.Date, nullable=False),
        sa.Column("grade", sa.Integer, nullable=True),
        sa.Column("lot_id", sa.Integer, nullable=True, index=True),
        sa.Column("memo", sa.Text, nullable=False, server_default=""),
    )
    for table in ("account_txns", "account_entries"):
        append_only(table)


def downgrade() -> None:
    for name in ("account_entries", "account_txns", "account_balances"):
        op.drop_table(name)
