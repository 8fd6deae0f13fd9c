"""Errors of the farmland ledgers (耕地台账)."""

from __future__ import annotations

from onemap.errors import Conflict


class AlreadyPosted(Conflict):
    """A detection batch was already posted to the ledger (每批次只入账一次)."""

    code = "ledger_already_posted"
