"""Review rule engine: parse rule files and evaluate conditions with a whitelisted evaluator.

Conditions are small Python-like expressions over the analysis figures
(``eco_redline_m2 > 0 and not national_key_project``). They are parsed with
:mod:`ast` and only a whitelist of nodes is evaluated (comparisons, ``and`` /
``or`` / ``not``, ``+ - * /``, numbers, booleans, figure names and the
functions ``min``, ``max``, ``abs``); nothing is ever passed to ``eval``.
"""

from __future__ import annotations

import ast
import hashlib
import operator
import tomllib
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from onemap.review.errors import RuleFileError
from onemap.review.models import Rule, RuleSet, TriggeredRule, Verdict

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

MAX_CONDITION_CHARS = 500

_BINOPS: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
}
_CMPOPS: dict[type[ast.cmpop], Callable[[Any, Any], bool]] = {
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
}
_FUNCS: dict[str, Callable[..., Any]] = {"min": min, "max": max, "abs": abs}


class Condition:
    """A compiled, validated rule condition.

    Examples
    --------
    >>> c = Condition("eco_redline_m2 > 0 and not national_key_project")
    >>> sorted(c.names)
    ['eco_redline_m2', 'national_key_project']
    >>> c.evaluate({"eco_redline_m2": 12.5, "national_key_project": False})
    True
    >>> Condition("__import__('os')")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    onemap.review.errors.RuleFileError: condition "__import__('os')": function __import__ is not ...
    """

    def __init__(self, text: str) -> None:
        self.text = text.strip()
        if not self.text:
            raise RuleFileError("empty condition")
        if len(self.text) > MAX_CONDITION_CHARS:
            raise RuleFileError(f"condition longer than {MAX_CONDITION_CHARS} characters")
        try:
            tree = ast.parse(self.text, mode="eval")
        except SyntaxError as exc:
            raise RuleFileError(f"condition {self.text!r} is not an expression: {exc.msg}") \
                from None
        self._tree = tree.body
        self.names: set[str] = set()
        self._check(self._tree)

    def _fail(self, what: str) -> RuleFileError:
        return RuleFileError(f"condition {self.text!r}: {what}")

    # PLR0912: one branch per allowed AST node type
    def _check(self, node: ast.AST) -> None:  # noqa: PLR0912
        if isinstance(node, ast.BoolOp):
            for v in node.values:
                self._check(v)
        elif isinstance(node, ast.UnaryOp):
            if not isinstance(node.op, ast.Not | ast.USub | ast.UAdd):
                raise self._fail(f"operator {type(node.op).__name__} is not allowed")
            self._check(node.operand)
        elif isinstance(node, ast.BinOp):
            if type(node.op) not in _BINOPS:
                raise self._fail(f"operator {type(node.op).__name__} is not allowed")
            self._check(node.left)
            self._check(node.right)
        elif isinstance(node, ast.Compare):
            for op in node.ops:
                if type(op) not in _CMPOPS:
                    raise self._fail(f"comparison {type(op).__name__} is not allowed")
            for v in (node.left, *node.comparators):
                self._check(v)
        elif isinstance(node, ast.Call):
            name = node.func.id if isinstance(node.func, ast.Name) else "?"
            if name not in _FUNCS or node.keywords:
                raise self._fail(f"function {name} is not allowed (allowed: min, max, abs)")
            for a in node.args:
                self._check(a)
        elif isinstance(node, ast.Name):
            self.names.add(node.id)
        elif isinstance(node, ast.Constant):
            if not isinstance(node.value, int | float | bool):
                raise self._fail(f"constant {node.value!r} is not a number or boolean")
        else:
            raise self._fail(f"{type(node).__name__} is not allowed")

    def evaluate(self, figures: Mapping[str, float | bool]) -> bool:
        """Evaluate against ``figures``; an unknown name raises :class:`RuleFileError`."""
        return bool(self._eval(self._tree, figures))

    # PLR0911: one return per allowed AST node type
    def _eval(self, node: ast.AST, env: Mapping[str, float | bool]) -> Any:  # noqa: PLR0911
        if isinstance(node, ast.BoolOp):
            if isinstance(node.op, ast.And):
                return all(self._eval(v, env) for v in node.values)
            return any(self._eval(v, env) for v in node.values)
        if isinstance(node, ast.UnaryOp):
            value = self._eval(node.operand, env)
            if isinstance(node.op, ast.Not):
                return not value
            return -value if isinstance(node.op, ast.USub) else +value
        if isinstance(node, ast.BinOp):
            left, right = self._eval(node.left, env), self._eval(node.right, env)
            if isinstance(node.op, ast.Div) and right == 0:
                return 0.0
            return _BINOPS[type(node.op)](left, right)
        if isinstance(node, ast.Compare):
            left = self._eval(node.left, env)
            for op, comp in zip(node.ops, node.comparators, strict=True):
                right = self._eval(comp, env)
                if not _CMPOPS[type(op)](left, right):
                    return False
                left = right
            return True
        if isinstance(node, ast.Call):
            assert isinstance(node.func, ast.Name)
            return _FUNCS[node.func.id](*(self._eval(a, env) for a in node.args))
        if isinstance(node, ast.Name):
            if node.id not in env:
                raise self._fail(f"unknown figure {node.id!r}")
            return env[node.id]
        assert isinstance(node, ast.Constant)
        return node.value


def parse_rules(text: str, fmt: str = "toml", *, known: set[str] | None = None) -> RuleSet:
    """Parse a rule file's text (``toml`` or ``yaml``) into a validated :class:`RuleSet`.

    ``known`` is the set of figure names conditions may read; a condition naming
    anything else is rejected here, when the file is loaded, with the rule id.
    """
    try:
        if fmt == "toml":
            data: Any = tomllib.loads(text)
        elif fmt in ("yaml", "yml"):
            import yaml

            data = yaml.safe_load(text)
        else:
            raise RuleFileError(f"rule files are TOML or YAML, not {fmt!r}")
    except (tomllib.TOMLDecodeError, ValueError) as exc:
        raise RuleFileError(f"rule file is not valid {fmt.upper()}: {exc}") from None
    except Exception as exc:  # yaml.YAMLError without importing yaml at module level
        if type(exc).__module__.startswith("yaml"):
            raise RuleFileError(f"rule file is not valid YAML: {exc}") from None
        raise
    if not isinstance(data, dict) or not isinstance(data.get("rules"), list):
        raise RuleFileError("a rule file needs a list of rules (TOML [[rules]] / YAML rules:)")
    try:
        rules = RuleSet(name=str(data.get("name", "rules")), version=str(data.get("version", "1")),
                        rules=[Rule.model_validate(r) for r in data["rules"]],
                        checksum=hashlib.sha256(text.encode("utf-8")).hexdigest())
    except ValidationError as exc:
        raise RuleFileError(f"invalid rule: {exc.errors()[0]['loc']} {exc.errors()[0]['msg']}") \
            from None
    seen: set[str] = set()
    for rule in rules.rules:
        if rule.id in seen:
            raise RuleFileError(f"rule id {rule.id!r} appears twice")
        seen.add(rule.id)
        try:
            cond = Condition(rule.condition)
        except RuleFileError as exc:
            raise RuleFileError(f"rule {rule.id}: {exc.reason}") from None
        unknown = cond.names - known if known is not None else set()
        if unknown:
            raise RuleFileError(f"rule {rule.id}: unknown figure(s) {', '.join(sorted(unknown))}"
                                f"; known: {', '.join(sorted(known or ()))}")
    return rules


def evaluate_rules(rules: RuleSet, figures: Mapping[str, float | bool]) -> list[TriggeredRule]:
    """Return the rules whose condition holds, in file order, with the figures they read."""
    out: list[TriggeredRule] = []
    for rule in rules.rules:
        cond = Condition(rule.condition)
        try:
            hit = cond.evaluate(figures)
        except RuleFileError as exc:
            raise RuleFileError(f"rule {rule.id}: {exc.reason}") from None
        if hit:
            out.append(TriggeredRule(
                id=rule.id, severity=rule.severity, text=rule.text, text_en=rule.text_en,
                reference=rule.reference, condition=rule.condition,
                values={n: float(figures[n]) for n in sorted(cond.names)}))
    return out


def decide_verdict(triggered: list[TriggeredRule]) -> Verdict:
    """Return 不通过 if any prohibited rule fired, 有条件通过 if any needs approval, else 通过.

    Examples
    --------
    >>> decide_verdict([])
    '通过'
    """
    severities = {t.severity for t in triggered}
    if "prohibited" in severities:
        return "不通过"
    if "needs_approval" in severities:
        return "有条件通过"
    return "通过"
