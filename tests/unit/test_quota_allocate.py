"""占优补优 and 先补后占 in the lot allocation of the quota ledger (pure)."""

from __future__ import annotations

from datetime import date

import pytest

from onemap.quota.allocate import account_keys, capacity_per_m2, plan_debit, plan_transfer
from onemap.store.accounts import AccountOverdrawn, AccountState, Lot, ValueDateViolation

C = "360111"


def states(lots_by_kind: dict[str, list[Lot]]) -> dict:
    keys = account_keys(C)
    return {keys[k]: AccountState(keys[k], i + 1, sum(x.remaining for x in lots_by_kind.get(k, [])),
                                  list(lots_by_kind.get(k, [])))
            for i, k in enumerate(("quantity", "paddy", "capacity"))}


def lot(i: int, grade: int, amount: float, when: date = date(2019, 1, 1)) -> Lot:
    return Lot(i, grade, when, amount, amount)


def test_equal_or_better_grade_first_keeping_the_best():
    st = states({"quantity": [lot(1, 2, 100.0), lot(2, 5, 100.0), lot(3, 9, 100.0)],
                 "capacity": [lot(4, 5, 1e6)]})
    plan = plan_debit(st, C, date(2020, 1, 1), {6: 150.0}, 0.0, 10.0, "d")
    drawn = {d.lot: d.amount for d in plan.draws if d.kind == "quantity"}
    assert drawn == {2: 100.0, 1: 50.0}  # grade 5 (closest acceptable) before grade 2
    assert plan.grade_matched and plan.capacity_shortfall_kg == 0


def test_worse_grade_is_used_only_when_needed_and_the_capacity_shortfall_shown():
    st = states({"quantity": [lot(1, 3, 40.0), lot(2, 9, 100.0)], "capacity": [lot(4, 5, 1e6)]})
    plan = plan_debit(st, C, date(2020, 1, 1), {3: 100.0}, 0.0, 10.0, "d")
    assert not plan.grade_matched
    assert plan.capacity_shortfall_kg == pytest.approx(60.0 * (capacity_per_m2(3)
                                                               - capacity_per_m2(9)))


def test_overdraw_names_the_account_and_the_shortfall():
    st = states({"quantity": [lot(1, 5, 40.0)], "capacity": [lot(4, 5, 1e6)]})
    with pytest.raises(AccountOverdrawn) as err:
        plan_debit(st, C, date(2020, 1, 1), {5: 100.0}, 0.0, 1.0, "d")
    assert err.value.extra["account"] == f"{C}/quantity"
    assert err.value.extra["shortfall"] == pytest.approx(60.0)


def test_quota_accepted_after_the_debit_is_refused_as_first_supplement():
    st = states({"quantity": [lot(1, 5, 40.0), lot(2, 5, 100.0, date(2021, 1, 1))],
                 "capacity": [lot(4, 5, 1e6)]})
    with pytest.raises(ValueDateViolation, match="先补后占"):
        plan_debit(st, C, date(2020, 1, 1), {5: 100.0}, 0.0, 1.0, "d")


def test_paddy_needs_paddy_quota():
    st = states({"quantity": [lot(1, 5, 400.0)], "capacity": [lot(4, 5, 1e6)]})
    with pytest.raises(AccountOverdrawn) as err:
        plan_debit(st, C, date(2020, 1, 1), {5: 100.0}, 50.0, 1.0, "d")
    assert err.value.extra["account"] == f"{C}/paddy"


def test_transfer_mirrors_lots_with_their_grade_and_date():
    src = states({"quantity": [lot(1, 7, 100.0), lot(2, 3, 50.0, date(2018, 5, 1))],
                  "capacity": [lot(4, 5, 1e6)]})
    dst_keys = account_keys("360121")
    both = {**src, **{k: AccountState(k, 10 + i, 0.0, []) for i, k in enumerate(dst_keys.values())}}
    legs = plan_transfer(both, C, "360121", date(2020, 1, 1), 80.0, 0.0, None)
    incoming = [leg for leg in legs if leg.account == dst_keys["quantity"]]
    assert [(leg.amount, leg.grade, leg.value_date) for leg in incoming] == [
        (50.0, 3, date(2018, 5, 1)), (30.0, 7, date(2019, 1, 1))]
    cap = sum(leg.amount for leg in legs if leg.account == dst_keys["capacity"])
    assert cap == pytest.approx(50 * capacity_per_m2(3) + 30 * capacity_per_m2(7))
