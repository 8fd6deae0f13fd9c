"""Never-overdrawn account postings (指标记账): balances checked inside the DB transaction.

A capability-agnostic book of accounts for anything that must never be overdrawn: the
耕地占补平衡 quotas (``onemap.quota``) now, mining or construction-land quotas later.

* ``account_balances`` — one row per (book, owner, kind): the running balance, the only
  mutable table, kept equal to the sum of its entries;
* ``account_txns`` — one row per posting (credit, debit, transfer, reversal), append-only;
* ``account_entries`` — the legs of a posting, append-only: a signed ``amount``, the
  ``value_date`` (记账日期), an optional quality ``grade`` and ``lot`` — the credit entry a
  leg draws from, so a credit is a lot whose remainder is its amount plus every leg drawn
  on it.

:func:`post` is the only writer. It locks the accounts it touches before reading them —
``SELECT … FOR UPDATE`` in id order on PostgreSQL, ``BEGIN IMMEDIATE`` (the one writer
lock) on SQLite — then hands their state to the caller's pure ``plan`` function, checks
that no account and no lot goes below zero and writes the legs with a guarded ``UPDATE
… WHERE balance + :delta >= 0``, all in one transaction. Concurrent postings therefore
queue on the account rows and cannot overdraw. A lot may not be drawn on before its
value date (先补后占, "supplement before you occupy"). A posting is reversed by a new
posting of the negated legs (:func:`reversal_legs`), never by an edit, once.

How to use it from a new capability: choose a ``book`` name, call :func:`post` with the
account keys and a ``plan(states) -> list[Leg]`` that decides the legs from the locked
balances and lots (raise to refuse), and add the capability's own records in the same
session (``on_posted``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from onemap.errors import Conflict, NotFound
from onemap.store.db import Base

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from onemap.store.workspace import Workspace

EPS = 1e-6  # amounts within this of zero count as zero (float dust of m² sums)


class AccountRow(Base):
    """One account: its owner (a region code), kind and running balance."""

    __tablename__ = "account_balances"
    __table_args__ = (UniqueConstraint("book", "owner", "kind",
                                       name="uq_account_balances_book_owner_kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    book: Mapped[str] = mapped_column(String(32))
    owner: Mapped[str] = mapped_column(String(12), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    unit: Mapped[str] = mapped_column(String(16))
    balance: Mapped[float] = mapped_column(Float, default=0.0)
    entries: Mapped[int] = mapped_column(Integer, default=0)


class AccountTxnRow(Base):
    """One posting (记账凭证); append-only."""

    __tablename__ = "account_txns"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    book: Mapped[str] = mapped_column(String(32), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    ref: Mapped[str] = mapped_column(String(128), index=True)
    reverses: Mapped[int | None] = mapped_column(Integer, nullable=True, unique=True)
    value_date: Mapped[date] = mapped_column(Date)
    actor: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(DateTime)
    memo: Mapped[str] = mapped_column(Text, default="")
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class AccountEntryRow(Base):
    """One leg of a posting (分录); append-only."""

    __tablename__ = "account_entries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    txn_id: Mapped[int] = mapped_column(Integer, ForeignKey("account_txns.id"), index=True)
    account_id: Mapped[int] = mapped_column(Integer, ForeignKey("account_balances.id"),
                                            index=True)
    amount: Mapped[float] = mapped_column(Float)
    value_date: Mapped[date] = mapped_column(Date)
    grade: Mapped[int | None] = mapped_column(Integer, nullable=True)
    lot_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    memo: Mapped[str] = mapped_column(Text, default="")


@dataclass(frozen=True)
class AccountKey:
    """Names one account: book, owner (region code) and kind, with its unit."""

    book: str
    owner: str
    kind: str
    unit: str = ""

    def __str__(self) -> str:
        return f"{self.owner}/{self.kind}"


@dataclass(frozen=True)
class Lot:
    """A credit entry with what remains of it (可用指标批次)."""

    entry_id: int
    grade: int | None
    value_date: date
    amount: float
    remaining: float


@dataclass
class AccountState:
    """An account as locked for a posting: balance and open lots (oldest first)."""

    key: AccountKey
    id: int
    balance: float
    lots: list[Lot] = field(default_factory=list)


@dataclass(frozen=True)
class Leg:
    """One leg to post: + credit (a new lot), − debit; ``lot`` = the credit drawn on."""

    account: AccountKey
    amount: float
    value_date: date
    grade: int | None = None
    lot: int | None = None
    memo: str = ""


@dataclass(frozen=True)
class Posted:
    """A written posting: its id and the entry ids of its legs, in order."""

    txn_id: int
    entry_ids: list[int]
    balances: dict[str, float]


class AccountOverdrawn(Conflict):
    """A posting would take an account or a lot below zero (指标不足); nothing is written."""

    code = "account_overdrawn"


class ValueDateViolation(Conflict):
    """A leg draws on a lot dated after it (先补后占: supplement before you occupy)."""

    code = "value_date_violation"


class AlreadyReversed(Conflict):
    """A posting was reversed before (冲销只能一次)."""

    code = "already_reversed"


Plan = Callable[[dict[AccountKey, AccountState]], list[Leg]]


def _create_missing(s: Session, keys: Sequence[AccountKey]) -> None:
    """Create the accounts of ``keys`` that do not exist, inside the posting's transaction.

    A savepoint absorbs a concurrent creation of the same account (unique key); a
    refused posting rolls the new accounts back with everything else.
    """
    held = {(b, o, k) for b, o, k in s.execute(
        select(AccountRow.book, AccountRow.owner, AccountRow.kind).where(
            AccountRow.owner.in_({k.owner for k in keys}),
            AccountRow.book.in_({k.book for k in keys})))}
    for key in keys:
        if (key.book, key.owner, key.kind) in held:
            continue
        try:
            with s.begin_nested():
                s.add(AccountRow(book=key.book, owner=key.owner, kind=key.kind,
                                 unit=key.unit, balance=0.0, entries=0))
        except IntegrityError:  # created concurrently: lock the other one
            pass


def _lock(s: Session, keys: Sequence[AccountKey]) -> dict[AccountKey, AccountState]:
    """Lock the accounts of ``keys`` (id order) and read balances and open lots."""
    if s.get_bind().dialect.name == "sqlite":
        s.connection().exec_driver_sql("BEGIN IMMEDIATE")  # the single writer lock
    _create_missing(s, keys)
    wanted = {(k.book, k.owner, k.kind): k for k in keys}
    q = select(AccountRow).where(AccountRow.owner.in_({k.owner for k in keys}),
                                 AccountRow.book.in_({k.book for k in keys}))
    q = q.order_by(AccountRow.id).with_for_update()
    states: dict[AccountKey, AccountState] = {}
    for row in s.scalars(q):
        key = wanted.get((row.book, row.owner, row.kind))
        if key is not None:
            states[key] = AccountState(key=key, id=row.id, balance=float(row.balance))
    missing = [str(k) for k in keys if k not in states]
    if missing:
        raise NotFound(f"no account {', '.join(missing)}")
    by_id = {st.id: st for st in states.values()}
    credits = select(AccountEntryRow).where(AccountEntryRow.account_id.in_(by_id),
                                            AccountEntryRow.lot_id.is_(None),
                                            AccountEntryRow.amount > 0)
    drawn = dict(s.execute(
        select(AccountEntryRow.lot_id, func.sum(AccountEntryRow.amount))
        .where(AccountEntryRow.account_id.in_(by_id), AccountEntryRow.lot_id.is_not(None))
        .group_by(AccountEntryRow.lot_id)).all())
    for e in s.scalars(credits.order_by(AccountEntryRow.value_date, AccountEntryRow.id)):
        remaining = float(e.amount) + float(drawn.get(e.id, 0.0) or 0.0)
        if remaining > EPS:
            by_id[e.account_id].lots.append(Lot(e.id, e.grade, e.value_date, float(e.amount),
                                                remaining))
    return states


def _check(states: dict[AccountKey, AccountState], legs: Sequence[Leg]) -> None:
    """Refuse legs that overdraw an account or a lot, or draw on a lot before its date."""
    delta: dict[AccountKey, float] = {}
    lot_delta: dict[int, float] = {}
    for leg in legs:
        if leg.account not in states:
            raise NotFound(f"no account {leg.account} was locked for this posting")
        if not math.isfinite(leg.amount):
            raise AccountOverdrawn(f"amount {leg.amount} on {leg.account} is not a number")
        delta[leg.account] = delta.get(leg.account, 0.0) + leg.amount
        if leg.lot is not None and leg.amount < 0:  # a reversal's give-back needs no check
            lot_delta[leg.lot] = lot_delta.get(leg.lot, 0.0) + leg.amount
            lot = next((x for x in states[leg.account].lots if x.entry_id == leg.lot), None)
            if lot is None:
                raise AccountOverdrawn(f"{leg.account}: lot {leg.lot} has nothing left",
                                       account=str(leg.account), lot=leg.lot,
                                       shortfall=-leg.amount)
            if lot.value_date > leg.value_date:
                raise ValueDateViolation(
                    f"{leg.account}: the debit of {leg.value_date} draws on quota credited "
                    f"on {lot.value_date} (先补后占)", account=str(leg.account), lot=leg.lot,
                    debit_date=str(leg.value_date), credit_date=str(lot.value_date))
    for key, d in delta.items():
        after = states[key].balance + d
        if after < -EPS:
            raise AccountOverdrawn(
                f"account {key} holds {states[key].balance:.2f} {key.unit}, the posting needs "
                f"{-d:.2f}: short by {-after:.2f} {key.unit}",
                user_message=f"指标不足：{key} 余额 {states[key].balance:.2f} {key.unit}，"
                             f"需 {-d:.2f}，缺 {-after:.2f} {key.unit}",
                account=str(key), balance=states[key].balance, requested=-d,
                shortfall=-after)
    lots = {x.entry_id: x for st in states.values() for x in st.lots}
    for lot_id, d in lot_delta.items():
        if lots[lot_id].remaining + d < -EPS:
            raise AccountOverdrawn(f"lot {lot_id} holds {lots[lot_id].remaining:.2f}, "
                                   f"short by {-(lots[lot_id].remaining + d):.2f}",
                                   lot=lot_id, shortfall=-(lots[lot_id].remaining + d))


def post(ws: Workspace, keys: Sequence[AccountKey], plan: Plan, *, book: str, kind: str,
         ref: str, value_date: date, actor: str, at: datetime, memo: str = "",
         detail: dict[str, Any] | None = None, reverses: int | None = None,
         on_posted: Callable[[Session, Posted], None] | None = None) -> Posted:
    """Lock ``keys``, let ``plan`` choose the legs, check and write them in one transaction.

    Raises :class:`AccountOverdrawn` (names the account and the shortfall),
    :class:`ValueDateViolation` or whatever ``plan`` raises; then nothing is written.
    ``on_posted`` adds the caller's own rows in the same transaction.
    """
    try:
        with ws.session() as s:
            states = _lock(s, keys)
            legs = plan(states)
            _check(states, legs)
            txn = AccountTxnRow(book=book, kind=kind, ref=ref, reverses=reverses,
                                value_date=value_date, actor=actor, at=at, memo=memo,
                                detail=detail or {})
            s.add(txn)
            s.flush()
            ids = _write_legs(s, states, legs, txn.id)
            after = {str(k): st.balance for k, st in states.items()}
            for leg in legs:
                after[str(leg.account)] += leg.amount
            posted = Posted(txn.id, ids, after)
            if on_posted is not None:
                on_posted(s, posted)
    except IntegrityError as exc:
        if reverses is not None and "reverses" in str(exc.orig):
            raise AlreadyReversed(f"posting {reverses} was reversed before",
                                  user_message=f"记账凭证 {reverses} 已冲销") from None
        raise
    return posted


def _write_legs(s: Session, states: dict[AccountKey, AccountState], legs: Sequence[Leg],
                txn_id: int) -> list[int]:
    rows: list[AccountEntryRow] = []
    for leg in legs:
        acc = states[leg.account].id
        res = s.execute(update(AccountRow).where(
            AccountRow.id == acc, AccountRow.balance + leg.amount >= -EPS).values(
            balance=AccountRow.balance + leg.amount, entries=AccountRow.entries + 1))
        if res.rowcount != 1:  # type: ignore[attr-defined]  # the lock makes this unreachable
            raise AccountOverdrawn(f"account {leg.account} would go below zero",
                                   account=str(leg.account))
        rows.append(AccountEntryRow(txn_id=txn_id, account_id=acc, amount=leg.amount,
                                    value_date=leg.value_date, grade=leg.grade,
                                    lot_id=leg.lot, memo=leg.memo))
    s.add_all(rows)
    s.flush()
    return [r.id for r in rows]


def reversal_legs(ws: Workspace, txn_id: int, book: str, value_date: date
                  ) -> tuple[list[Leg], AccountTxnRow]:
    """Return the negated legs of posting ``txn_id`` (a credit's reversal draws on its lot)."""
    with ws.session() as s:
        txn = s.get(AccountTxnRow, txn_id)
        if txn is None or txn.book != book:
            raise NotFound(f"no posting {txn_id} in book {book}")
        rows = s.execute(select(AccountEntryRow, AccountRow).join(
            AccountRow, AccountRow.id == AccountEntryRow.account_id).where(
            AccountEntryRow.txn_id == txn_id).order_by(AccountEntryRow.id)).all()
        s.expunge(txn)
    legs = []
    for e, acc in rows:
        key = AccountKey(acc.book, acc.owner, acc.kind, acc.unit)
        lot = e.lot_id if e.lot_id is not None else (e.id if e.amount > 0 else None)
        legs.append(Leg(key, -float(e.amount), value_date, grade=e.grade, lot=lot,
                        memo=f"冲销 reverses entry {e.id}"))
    return legs, txn


def account_balances(ws: Workspace, book: str) -> list[AccountRow]:
    """Every account of ``book`` (detached rows), by owner and kind."""
    with ws.session() as s:
        rows = list(s.scalars(select(AccountRow).where(AccountRow.book == book)
                              .order_by(AccountRow.owner, AccountRow.kind)))
        for r in rows:
            s.expunge(r)
    return rows


def entry_sums(ws: Workspace, book: str) -> dict[tuple[str, str], float]:
    """Σ entries per (owner, kind): the balances recomputed from the append-only legs."""
    with ws.session() as s:
        q = (select(AccountRow.owner, AccountRow.kind, func.sum(AccountEntryRow.amount))
             .join(AccountEntryRow, AccountEntryRow.account_id == AccountRow.id)
             .where(AccountRow.book == book).group_by(AccountRow.owner, AccountRow.kind))
        return {(o, k): float(v or 0.0) for o, k, v in s.execute(q)}
