"""Farmland ledgers: append-only ``ledger_postings``, one row per (ledger, batch, county) posted.

Posting a detection batch is per county, so a county user's post leaves the other
counties of the batch to be posted; the unique key refuses a county posted twice, also
between two concurrent posts. Counties posted before this revision are filled in from
their ``change_batch`` entries.
"""

import sqlalchemy as sa
from alembic import op

revision = "ledgers_0002"
down_revision = "ledgers_0001"
branch_labels = None
depends_on = None

_PG_GUARD = """
CREATE OR REPLACE FUNCTION onemap_append_only() RETURNS trigger AS $$
BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END; $$ LANGUAGE plpgsql;
"""


def upgrade() -> None:
    op.create_table(
        "ledger_postings",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("ledger", sa.String(16), nullable=False),
        sa.Column("batch_id", sa.Integer, nullable=False, index=True),
        sa.Column("county", sa.String(6), nullable=False),
        sa.Column("entries", sa.Integer, nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("ledger", "batch_id", "county",
                            name="uq_ledger_postings_ledger_batch_county"),
    )
    op.execute("INSERT INTO ledger_postings (ledger, batch_id, county, entries, actor, at) "
               "SELECT ledger, batch_id, county, COUNT(*), MIN(actor), MIN(at) "
               "FROM ledger_entries WHERE source = 'change_batch' AND batch_id IS NOT NULL "
               "GROUP BY ledger, batch_id, county")
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for what in ("UPDATE", "DELETE"):
            op.execute(f"CREATE TRIGGER ledger_postings_no_{what.lower()} BEFORE {what} ON "
                       "ledger_postings BEGIN SELECT RAISE(ABORT, 'ledger_postings is "
                       "append-only'); END")
    elif dialect == "postgresql":
        op.execute(_PG_GUARD)
        op.execute("CREATE TRIGGER ledger_postings_append_only BEFORE UPDATE OR DELETE OR "
                   "TRUNCATE ON ledger_postings FOR EACH STATEMENT "
                   "EXECUTE FUNCTION onemap_append_only()")


def downgrade() -> None:
    op.drop_table("ledger_postings")
