"""The audit log's hash chain: entry hashes and the check of a chain (pure, no database).

Each entry stores ``prev_hash`` (the hash of the entry before it, :data:`GENESIS` for the
first) and ``hash = sha256(prev_hash || canonical JSON of (id, at, actor, action, target,
detail))``. Canonical JSON has sorted keys, no whitespace and ASCII escapes; ``at`` is ISO 8601
with microseconds (naive UTC, as every catalog timestamp). Editing, deleting or reordering an
entry breaks a link that :func:`check_chain` finds; the head (last id and hash, kept in the
catalog's ``audit_head`` row) also catches a truncated tail.
"""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING, Any, NamedTuple

from onemap.store.models import AuditBreak, AuditVerification

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from datetime import datetime

GENESIS = "0" * 64


class ChainRecord(NamedTuple):
    """The fields of one audit entry that the chain covers, plus its two hashes."""

    id: int
    at: datetime
    actor: str
    action: str
    target: str
    detail: Any
    prev_hash: str
    hash: str


class ChainHead(NamedTuple):
    """The recorded head of the chain: id and hash of the last entry (0 and GENESIS if empty)."""

    last_id: int
    hash: str


def normalise_detail(detail: Any) -> Any:
    """Return ``detail`` as it reads back from a JSON column (tuples → lists, int keys → str)."""
    return json.loads(json.dumps(detail))


def canonical_entry(entry_id: int, at: datetime, actor: str, action: str, target: str,
                    detail: Any) -> bytes:
    """Return the canonical JSON bytes of one entry (what its hash covers)."""
    doc = {"id": entry_id, "at": at.isoformat(timespec="microseconds"), "actor": actor,
           "action": action, "target": target, "detail": detail}
    return json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def entry_hash(prev_hash: str, entry_id: int, at: datetime, actor: str, action: str,
               target: str, detail: Any) -> str:
    """Return ``sha256(prev_hash || canonical JSON)`` as 64 hex digits."""
    body = canonical_entry(entry_id, at, actor, action, target, detail)
    return hashlib.sha256(prev_hash.encode("ascii") + body).hexdigest()


def record_hash(r: ChainRecord) -> str:
    """Recompute the hash of a stored record from its own fields and ``prev_hash``."""
    return entry_hash(r.prev_hash, r.id, r.at, r.actor, r.action, r.target, r.detail)


def check_chain(records: Iterable[ChainRecord], head: ChainHead | None,
                locate: Callable[[str], int | None], beyond_head: int | None = None,
                ) -> AuditVerification:
    """Walk ``records`` (in id order, up to ``head.last_id``) and report the first break.

    Parameters
    ----------
    records
        The stored entries with ``id <= head.last_id``, ordered by id.
    head
        The recorded chain head, or None when the head row is missing.
    locate
        Returns the id of the stored entry whose hash is the given one (None if none);
        asked only at a break, to tell a reordering from a deletion.
    beyond_head
        The smallest id stored after the head (an entry not appended through the chain).
    """
    if head is None:
        return _broken(0, None, "deleted", "the chain head (audit_head) is missing")
    checked, prev_id, prev_hash = 0, 0, GENESIS
    for r in records:
        linked = r.prev_hash == prev_hash
        sealed = record_hash(r) == r.hash
        if not (linked and sealed):
            reason, broken_id, why = _classify(r, prev_id, linked, locate)
            return _broken(checked, broken_id, reason, why)
        checked, prev_id, prev_hash = checked + 1, r.id, r.hash
    if head.last_id > prev_id:
        return _broken(checked, prev_id + 1, "deleted",
                       f"entries {prev_id + 1}–{head.last_id} are missing from the tail")
    if head.last_id != prev_id or head.hash != prev_hash:
        return _broken(checked, prev_id, "changed",
                       f"entry {prev_id} does not match the recorded chain head")
    if beyond_head is not None:
        return _broken(checked, beyond_head, "inserted",
                       f"entry {beyond_head} lies after the chain head (not appended through "
                       "the chain)")
    return AuditVerification(ok=True, rows_checked=checked, last_id=prev_id, head_hash=prev_hash)


def _classify(r: ChainRecord, prev_id: int, linked: bool,
              locate: Callable[[str], int | None]) -> tuple[AuditBreak, int, str]:
    if linked:
        return "changed", r.id, f"entry {r.id} was changed after it was written (hash mismatch)"
    other = locate(r.prev_hash)
    if other is not None and other != prev_id:
        return "reordered", r.id, (f"entry {r.id} follows entry {other} in the chain, "
                                   f"not entry {prev_id or 'none'}")
    if r.id > prev_id + 1:
        return "deleted", prev_id + 1, (f"entries {prev_id + 1}–{r.id - 1} are missing "
                                        f"(entry {r.id} does not link to entry {prev_id})")
    if prev_id == 0:
        return "changed", r.id, f"entry {r.id} does not start the chain"
    return "changed", prev_id, (f"entry {prev_id} was rewritten with a new hash (entry {r.id} "
                                "links to its old hash)")


def _broken(checked: int, broken_id: int | None, reason: AuditBreak,
            message: str) -> AuditVerification:
    return AuditVerification(ok=False, rows_checked=checked, broken_id=broken_id, reason=reason,
                             message=message)
