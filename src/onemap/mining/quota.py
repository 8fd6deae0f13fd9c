"""Total extraction control (开采总量控制): judge a production report, compute balances.

A quota is allocated province → city → mine per mineral and year; a monthly report
must fit what is left at every level that has a quota. Exceeding a level gets the rule
file's action: ``refuse`` (the report is not recorded) or ``warn`` (recorded, flagged).
Pure module: numbers in, a judgement out; the service runs it inside the transaction
that holds the quota rows locked.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from onemap.mining.models import QuotaBalance

if TYPE_CHECKING:
    from onemap.mining.models import QuotaLevel, QuotaRules

EPS = 1e-9
LEVEL_ZH = {"province": "省", "city": "市", "mine": "矿山"}


@dataclass(frozen=True)
class Standing:
    """One level's quota and what was produced against it before the report."""

    level: QuotaLevel
    holder: str
    quota: float
    produced: float

    @property
    def remaining(self) -> float:
        """What is left (may be negative after warned overdraws)."""
        return self.quota - self.produced


@dataclass
class Judgement:
    """The verdict on one report: refused (with the quota and shortfall) or recorded."""

    refused_by: Standing | None = None
    shortfall: float = 0.0
    warnings: list[str] = field(default_factory=list)


def judge_report(amount: float, standings: list[Standing], rules: QuotaRules, *,
                 mineral: str, year: int) -> Judgement:
    """Judge a report of ``amount`` against each level's standing (mine first).

    Examples
    --------
    >>> from onemap.mining.models import QuotaRules
    >>> s = [Standing("mine", "C1", 100.0, 90.0), Standing("province", "360000", 1e4, 10.0)]
    >>> j = judge_report(15.0, s, QuotaRules(), mineral="钨精矿", year=2023)
    >>> j.refused_by.holder, j.shortfall
    ('C1', 5.0)
    """
    out = Judgement()
    for st in standings:
        left = st.remaining
        name = f"{year} 年{mineral}{LEVEL_ZH[st.level]}级指标 {st.holder}"
        if amount > left + EPS:
            short = amount - left
            action = rules.mine if st.level == "mine" else rules.region
            if action == "refuse":
                return Judgement(refused_by=st, shortfall=short, warnings=out.warnings)
            out.warnings.append(f"超出{name} {short:,.3f}（指标 {st.quota:,.3f}）")
        elif st.quota > 0 and (st.produced + amount) / st.quota >= rules.warn_share:
            share = (st.produced + amount) / st.quota
            out.warnings.append(f"{name}已使用 {share:.1%}")
    return out


def balance_row(mineral: str, year: int, level: QuotaLevel, holder: str, quota: float,
                produced: float, *, name: str = "", unit: str = "") -> QuotaBalance:
    """Return the balance of one holder."""
    return QuotaBalance(mineral=mineral, year=year, level=level, holder=holder, name=name,
                        unit=unit, quota=quota, produced=produced, remaining=quota - produced,
                        used_share=produced / quota if quota > 0 else 0.0,
                        over=produced > quota + EPS)
