"""Every command answers usage errors with its usage and one error line, exit 2, no traceback.

The commands are enumerated from the Typer app, so a new capability's commands are covered
as soon as they are registered in ``COMMAND_MODULES``.
"""

from __future__ import annotations

import datetime
import enum
import types
import typing
from pathlib import Path

import pytest
import typer.main

from onemap.cli.main import create_cli, main


def _leaf_commands() -> list[tuple[list[str], typing.Any]]:
    found: list[tuple[list[str], typing.Any]] = []

    def walk(command: typing.Any, path: list[str]) -> None:
        subs = getattr(command, "commands", None)
        if subs:
            for name, sub in subs.items():
                walk(sub, [*path, name])
        else:
            found.append((path, command))

    walk(typer.main.get_command(create_cli()), [])
    return found


LEAVES = _leaf_commands()
IDS = [" ".join(path) for path, _ in LEAVES]


def _ids(leaves: list[tuple[list[str], typing.Any]]) -> list[str]:
    return [" ".join(path) for path, _ in leaves]


def _annotation(param: typing.Any) -> typing.Any:
    ann = param.type_descriptor.annotation
    if isinstance(ann, types.UnionType) or typing.get_origin(ann) is typing.Union:
        ann = next(a for a in typing.get_args(ann) if a is not type(None))
    if typing.get_origin(ann) in (list, tuple):  # repeatable options: their item type
        ann = typing.get_args(ann)[0]
    return ann


DUMMIES: dict[object, str] = {int: "1", float: "1.5", datetime.date: "2020-01-01",
                              datetime.datetime: "2020-01-01"}


def _dummy(param: typing.Any, tmp: Path) -> str:
    ann = _annotation(param)
    if ann is Path:
        return str(tmp)
    if typing.get_origin(ann) is typing.Literal:
        return str(typing.get_args(ann)[0])
    if isinstance(ann, type) and issubclass(ann, enum.Enum):
        return str(next(iter(ann)).value)
    return DUMMIES.get(ann, "x")


def _required_args(command: typing.Any, tmp: Path, *, bad: typing.Any = None) -> list[str]:
    args: list[str] = []
    for param in command.params:
        value = "not-a-number" if param is bad else _dummy(param, tmp)
        if param.param_type_name == "argument":
            args.append(value)
        elif param.required or param is bad:
            args += [param.opts[0], value]
    return args


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    with pytest.raises(SystemExit) as exited:
        main(argv)
    err = capsys.readouterr().err
    assert exited.value.code == 2, err
    assert "Traceback" not in err
    assert err.lstrip().startswith("Usage:"), err
    errors = [line for line in err.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1, err
    return errors[0]


WITH_REQUIRED = [(p, c) for p, c in LEAVES if any(x.required for x in c.params)]
WITH_NUMBER = [(p, c) for p, c in LEAVES if any(_annotation(x) in (int, float) for x in c.params)]


def test_every_command_is_enumerated() -> None:
    assert len(LEAVES) >= 40
    assert len(WITH_REQUIRED) >= len(LEAVES) - 2
    assert len(WITH_NUMBER) >= 10


@pytest.mark.parametrize(("path", "command"), WITH_REQUIRED, ids=_ids(WITH_REQUIRED))
def test_missing_argument(path: list[str], command: typing.Any,
                          capsys: pytest.CaptureFixture[str]) -> None:
    line = _run(path, capsys)
    assert "Missing" in line


@pytest.mark.parametrize(("path", "command"), LEAVES, ids=IDS)
def test_unknown_option(path: list[str], command: typing.Any, tmp_path: Path,
                        capsys: pytest.CaptureFixture[str]) -> None:
    line = _run([*path, *_required_args(command, tmp_path), "--no-such-option"], capsys)
    assert "--no-such-option" in line


@pytest.mark.parametrize(("path", "command"), WITH_NUMBER, ids=_ids(WITH_NUMBER))
def test_wrong_type(path: list[str], command: typing.Any, tmp_path: Path,
                    capsys: pytest.CaptureFixture[str]) -> None:
    for param in (p for p in command.params if _annotation(p) in (int, float)):
        line = _run([*path, *_required_args(command, tmp_path, bad=param)], capsys)
        assert param.opts[0] in line or param.name in line, line


@pytest.mark.parametrize("argv", [["nosuch"], ["users", "nosuch"], ["cases", "nosuch"]])
def test_unknown_command(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert "No such command" in _run(argv, capsys)
