"""Dependencies point inward: the import-linter contracts in pyproject.toml hold."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_import_contracts_are_kept() -> None:
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "broken" in result.stdout and "0 broken" in result.stdout


SRC = ROOT / "src" / "onemap"
LITERAL_FREE = [p for p in SRC.rglob("*.py")
                if p.relative_to(SRC).parts[0] not in ("standards", "demo", "testing")]


def _code_constants(path: Path) -> list[tuple[int, str]]:
    """String constants of a module that are not docstrings (doctest examples are allowed)."""
    import ast

    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef
                                | ast.AsyncFunctionDef)
                  and node.body and isinstance(node.body[0], ast.Expr)
                  and isinstance(node.body[0].value, ast.Constant)}
    return [(n.lineno, n.value) for n in ast.walk(tree)
            if isinstance(n, ast.Constant) and isinstance(n.value, str)
            and id(n) not in docstrings]


def test_no_region_code_literal_outside_standards_and_demo() -> None:
    """Region codes come from the workspace (root_region) or the data, never from the code."""
    import re

    code = re.compile(r"^\d{6}$|\b[1-6]\d0000\b")
    found = [f"{p.relative_to(ROOT)}:{line}: {value!r}" for p in LITERAL_FREE
             for line, value in _code_constants(p) if code.search(value)]
    assert not found, "literal region codes:\n" + "\n".join(found)


def test_one_of_each() -> None:
    """No twin of the read path or of identity resolution (issue 11)."""
    import re

    text = {p: p.read_text(encoding="utf-8") for p in SRC.rglob("*.py")}

    def defined(pattern: str) -> list[str]:
        return sorted(str(p.relative_to(SRC)) for p, t in text.items()
                      if re.search(pattern, t, re.M))

    assert defined(r"^class PartitionCache\b") == ["store/reader.py"]
    assert defined(r"^BBox = ") == ["geometry/bbox.py"]
    assert defined(r"\[2\] < \w+\[0\]") == ["geometry/bbox.py"]  # the scalar overlap test
    assert not defined(r"^SYSTEM = ")
    assert _actor_builders() == ["users/identity.py", "users/models.py"]  # resolved there


def _actor_builders() -> list[str]:
    """Modules that construct an ``Actor(...)`` in code (doctests aside)."""
    import ast

    out = set()
    for p in SRC.rglob("*.py"):
        for node in ast.walk(ast.parse(p.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                    and node.func.id == "Actor"):
                out.add(str(p.relative_to(SRC)))
    return sorted(out)
