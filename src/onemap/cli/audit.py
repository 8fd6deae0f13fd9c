"""``onemap audit``: read the audit log and verify its hash chain (审计日志)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from onemap.cli.errors import exit_code_for
from onemap.cli.identity import UserOpt, actor_for
from onemap.cli.output import emit_json, stderr, stdout
from onemap.errors import AuditChainBroken
from onemap.store.models import AuditVerification
from onemap.store.policy import Action
from onemap.store.workspace import Workspace

app = typer.Typer(help="审计日志 audit log: read it and verify its hash chain.",
                  no_args_is_help=True)
JsonOpt = Annotated[bool, typer.Option("--json", help="print the result as JSON")]
Dir = Annotated[Path, typer.Argument(help="workspace folder")]


def _open_as_admin(directory: Path, user: str) -> Workspace:
    """Open the workspace; refuse (and audit) unless the actor administers the root region."""
    ws = Workspace.open(directory)
    ws.authorize(actor_for(ws, user), Action.ADMINISTER, ws.root_region, what="the audit log")
    return ws


def chain_failure(result: AuditVerification) -> AuditChainBroken | None:
    """Return the error to exit with when the chain is broken (None when it checks out)."""
    if result.ok:
        return None
    return AuditChainBroken(
        result.message, broken_id=result.broken_id, break_reason=result.reason,
        rows_checked=result.rows_checked,
        user_message=f"审计链断裂 audit chain broken at entry {result.broken_id} "
                     f"({result.reason}): {result.message}")


@app.command("verify")
def verify_cmd(directory: Dir, user: UserOpt = "", json_: JsonOpt = False) -> None:
    """Check the hash chain of the audit log; exit 16 at a changed, deleted or moved entry.

    Reads the chain head, then every entry up to it: recomputes each entry's hash and checks
    that it links to the one before. Prints the entries checked and the head hash (record it
    elsewhere to anchor the chain), or the first broken entry and why: changed, deleted,
    reordered, or inserted after the head. The check itself writes nothing.
    """
    ws = _open_as_admin(directory, user)
    try:
        result = ws.verify_audit()
    finally:
        ws.close()
    if json_:
        emit_json(result)
    elif result.ok:
        stdout.print(f"审计链完好 chain intact: {result.rows_checked} 条 entries, "
                     f"last {result.last_id}, head {result.head_hash}")
    failure = chain_failure(result)
    if failure is not None:
        stderr.print(f"错误 error [{failure.code}]: {failure.user_message}", markup=False)
        raise typer.Exit(exit_code_for(failure))


@app.command("log")
def log_cmd(directory: Dir,
            limit: Annotated[int, typer.Option(min=1, max=100_000,
                                               help="newest N entries")] = 50,
            action: Annotated[str | None, typer.Option(
                help="only this action, e.g. layer.write or access.denied")] = None,
            user: UserOpt = "", json_: JsonOpt = False) -> None:
    """List the newest audit entries (newest first): who did what, when."""
    ws = _open_as_admin(directory, user)
    try:
        entries = ws.audit_log(limit=limit, action=action)
    finally:
        ws.close()
    if json_:
        emit_json(entries)
        return
    table = Table(title=f"审计日志 Audit log ({len(entries)})")
    for col in ("id", "时间 at (UTC)", "actor", "action", "target", "detail", "hash"):
        table.add_column(col, no_wrap=col in ("id", "action", "hash"))
    for e in entries:
        detail = json.dumps(e.detail, ensure_ascii=False, sort_keys=True)
        cells = (e.actor, e.action, e.target, detail if len(detail) <= 60 else detail[:59] + "…")
        table.add_row(str(e.id), e.at.isoformat(sep=" ", timespec="seconds"),
                      *(Text(c) for c in cells), e.hash[:12])  # Text: no Rich markup
    stdout.print(table)


def register(root: typer.Typer) -> None:
    """Add ``onemap audit`` to the root app."""
    root.add_typer(app, name="audit")
