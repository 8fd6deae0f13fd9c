"""Read the mining rule file (矿业权管控规则): conflict rules per control layer, quota actions.

Pure module: TOML text in, :class:`~onemap.mining.models.MiningRules` out.
"""

from __future__ import annotations

import tomllib

from pydantic import ValidationError

from onemap.errors import InvalidInput
from onemap.mining.models import ConflictRule, MiningRules

RULES_FILE = "mining_rules.toml"


def parse_rules(text: str, *, path: str = "") -> MiningRules:
    """Parse a rule file; a bad file is refused naming the file and the reason."""
    try:
        data = tomllib.loads(text)
        rules = MiningRules.model_validate(data)
    except tomllib.TOMLDecodeError as exc:
        raise InvalidInput(f"invalid mining rule file: {exc}", path=path) from None
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise InvalidInput(f"invalid mining rule file at {where}: {first['msg']}",
                           path=path) from None
    seen: set[tuple[str, str]] = set()
    for rule in rules.conflict:
        key = (rule.layer, rule.zone)
        if key in seen:
            raise InvalidInput(f"mining rule file names {rule.layer} {rule.zone} twice",
                               path=path)
        seen.add(key)
    return rules


def rule_for(rules: MiningRules, layer: str, zone: str = "") -> ConflictRule | None:
    """Return the rule of a control layer and zone (a zone-less rule covers every zone)."""
    exact = next((r for r in rules.conflict if r.layer == layer and r.zone == zone), None)
    return exact or next((r for r in rules.conflict if r.layer == layer and not r.zone), None)


def zone_of(value: object) -> str:
    """Normalise a nature-reserve 功能分区 value to ``core`` or ``general``.

    Examples
    --------
    >>> zone_of("核心保护区"), zone_of("core"), zone_of("一般控制区")
    ('core', 'core', 'general')
    """
    text = str(value or "").strip().lower()
    return "core" if text.startswith("core") or "核心" in text else "general"
