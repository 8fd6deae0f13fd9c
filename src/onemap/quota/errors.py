"""Errors of the 占补平衡 quota ledger (耕地占补平衡指标)."""

from __future__ import annotations

from onemap.errors import Conflict, InvalidInput


class FarmlandMismatch(InvalidInput):
    """A supplementary project's land is not (all) farmland in DLTB of its acceptance year."""

    code = "quota_farmland_mismatch"


class NoFarmlandOccupied(InvalidInput):
    """A debit's land occupies no farmland in DLTB: nothing to debit."""

    code = "quota_no_farmland"


class DuplicatePosting(Conflict):
    """A project number or a debit reference is in the ledger already (每项只记一次)."""

    code = "quota_duplicate"
