"""Audit log: append-only (triggers) and hash-chained (``prev_hash``, ``hash``, ``audit_head``).

Entries written before this revision are chained here, in id order, with the same formula
the workspace uses (:mod:`onemap.store.audit_chain`), so an upgraded workspace verifies.
"""

from typing import Any

import sqlalchemy as sa
from alembic import op

from onemap.store.audit_chain import GENESIS, entry_hash

revision = "core_0002"
down_revision = "core_0001"
branch_labels = None
depends_on = None

# the same guard cases_0001 installs (CREATE OR REPLACE: whichever branch runs first)
_PG_GUARD = """
CREATE OR REPLACE FUNCTION onemap_append_only() RETURNS trigger AS $$
BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END; $$ LANGUAGE plpgsql;
"""
_PG_HEAD_FORWARD = """
CREATE OR REPLACE FUNCTION onemap_audit_head_forward() RETURNS trigger AS $$
BEGIN
  IF NEW.id <> OLD.id OR NEW.last_id < OLD.last_id THEN
    RAISE EXCEPTION 'audit_head only moves forward';
  END IF;
  RETURN NEW;
END; $$ LANGUAGE plpgsql;
"""
_SQLITE_TRIGGERS = {
    "audit_log_no_update": "BEFORE UPDATE ON audit_log BEGIN "
                           "SELECT RAISE(ABORT, 'audit_log is append-only'); END",
    "audit_log_no_delete": "BEFORE DELETE ON audit_log BEGIN "
                           "SELECT RAISE(ABORT, 'audit_log is append-only'); END",
    "audit_head_no_delete": "BEFORE DELETE ON audit_head BEGIN "
                            "SELECT RAISE(ABORT, 'audit_head cannot be deleted'); END",
    "audit_head_forward": "BEFORE UPDATE ON audit_head WHEN NEW.id <> OLD.id OR "
                          "NEW.last_id < OLD.last_id BEGIN "
                          "SELECT RAISE(ABORT, 'audit_head only moves forward'); END",
}
_PG_TRIGGERS = {
    "audit_log_append_only": "BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_log "
                             "FOR EACH STATEMENT EXECUTE FUNCTION onemap_append_only()",
    "audit_head_no_delete": "BEFORE DELETE OR TRUNCATE ON audit_head "
                            "FOR EACH STATEMENT EXECUTE FUNCTION onemap_append_only()",
    "audit_head_forward": "BEFORE UPDATE ON audit_head "
                          "FOR EACH ROW EXECUTE FUNCTION onemap_audit_head_forward()",
}

_log = sa.table("audit_log", sa.column("id", sa.Integer), sa.column("at", sa.DateTime),
                sa.column("actor", sa.String), sa.column("action", sa.String),
                sa.column("target", sa.Text), sa.column("detail", sa.JSON),
                sa.column("prev_hash", sa.String), sa.column("hash", sa.String))
_head = sa.table("audit_head", sa.column("id", sa.Integer), sa.column("last_id", sa.Integer),
                 sa.column("hash", sa.String))


def upgrade() -> None:
    op.add_column("audit_log", sa.Column("prev_hash", sa.String(64), nullable=False,
                                         server_default=""))
    op.add_column("audit_log", sa.Column("hash", sa.String(64), nullable=False,
                                         server_default=""))
    op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("last_id", sa.Integer, nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.CheckConstraint("id = 1", name="one_row"),
    )
    last_id, last_hash = _chain_existing()
    op.execute(_head.insert().values(id=1, last_id=last_id, hash=last_hash))
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for name, body in _SQLITE_TRIGGERS.items():
            op.execute(f"CREATE TRIGGER {name} {body}")
    elif dialect == "postgresql":
        op.execute(_PG_GUARD)
        op.execute(_PG_HEAD_FORWARD)
        for name, body in _PG_TRIGGERS.items():
            op.execute(f"CREATE TRIGGER {name} {body}")


def _chain_existing(batch: int = 2000) -> tuple[int, str]:
    """Hash the entries already in the log, in id order; return the new head."""
    conn = op.get_bind()
    rows = conn.execute(sa.select(_log.c.id, _log.c.at, _log.c.actor, _log.c.action,
                                  _log.c.target, _log.c.detail).order_by(_log.c.id)).all()
    last_id, prev = 0, GENESIS
    pending: list[dict[str, Any]] = []
    stmt = (_log.update().where(_log.c.id == sa.bindparam("row_id"))
            .values(prev_hash=sa.bindparam("p"), hash=sa.bindparam("h")))
    for r in rows:
        digest = entry_hash(prev, r.id, r.at, r.actor, r.action, r.target, r.detail)
        pending.append({"row_id": r.id, "p": prev, "h": digest})
        last_id, prev = r.id, digest
        if len(pending) >= batch:
            conn.execute(stmt, pending)
            pending = []
    if pending:
        conn.execute(stmt, pending)
    return last_id, prev


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    names = _SQLITE_TRIGGERS if dialect == "sqlite" else _PG_TRIGGERS
    for name in names:
        table = "audit_log" if name.startswith("audit_log") else "audit_head"
        on = f" ON {table}" if dialect == "postgresql" else ""
        op.execute(f"DROP TRIGGER IF EXISTS {name}{on}")
    op.drop_table("audit_head")
    with op.batch_alter_table("audit_log") as batch:
        batch.drop_column("hash")
        batch.drop_column("prev_hash")
