"""Generate the CLI reference page (docs/cli.md) from the commands' own ``--help``."""

from __future__ import annotations

import sys
from typing import Any

import typer

from onemap.cli.main import create_cli


def _walk(cmd: Any, path: list[str]) -> list[tuple[list[str], Any]]:
    out = [(path, cmd)]
    if hasattr(cmd, "commands"):
        for name in sorted(cmd.commands):
            out.extend(_walk(cmd.commands[name], [*path, name]))
    return out


def _plain_help(cmd: Any, path: list[str]) -> str:
    ctx = cmd.context_class(cmd, info_name=" ".join(path))
    pieces = " ".join(cmd.collect_usage_pieces(ctx))
    out = [f"Usage: {' '.join(path)} {pieces}".rstrip(), "", (cmd.help or "").strip(), ""]
    for param in cmd.params:
        if param.param_type_name == "argument":
            out.append(f"  {(param.name or '').upper()}  {getattr(param, 'help', '') or ''}")
    for param in cmd.params:
        if param.param_type_name == "option":
            names = ", ".join([*param.opts, *param.secondary_opts])
            default = "" if param.default in (None, False, "") or param.is_flag else (
                f" [default: {getattr(param.default, 'value', param.default)}]")
            out.append(f"  {names}  {param.help or ''}{default}")
    if hasattr(cmd, "commands"):
        out += ["", "Commands:"]
        out += [f"  {n}  {(c.help or '').strip().splitlines()[0] if c.help else ''}"
                for n, c in sorted(cmd.commands.items())]
    return "\n".join(out)


def render_reference() -> str:
    """Return the Markdown reference of every command, in a stable order."""
    root = typer.main.get_command(create_cli())
    lines = ["# onemap command reference", "",
             "Generated from `--help` by `python -m onemap.cli.reference > docs/cli.md`;",
             "a test fails when this page is stale.", ""]
    for path, cmd in _walk(root, ["onemap"]):
        if hasattr(cmd, "commands") and len(path) > 1 and not cmd.params:
            lines += [f"## {' '.join(path)}", "", (cmd.help or "").strip(), ""]
            continue
        text = _plain_help(cmd, path)
        lines += [f"## {' '.join(path)}", "", "```text", text.rstrip(), "```", ""]
    lines += _settings_reference()
    lines += _exit_codes()
    return "\n".join(lines)


def _exit_codes() -> list[str]:
    """Document the one table of exit codes (cli/errors.py), first matching class wins."""
    from onemap.cli.errors import EXIT_CODES

    lines = ["# Exit codes", "",
             "0 success, 1 unexpected failure, 2 usage error; domain errors:", "",
             "| code | error | meaning |", "|---|---|---|"]
    for cls, code in EXIT_CODES:
        doc = (cls.__doc__ or "").strip().splitlines()[0] if cls.__doc__ else ""
        lines.append(f"| {code} | `{cls.code}` | {doc.replace('|', '/')} |")
    lines.append("")
    return lines


def _settings_reference() -> list[str]:
    """Document every setting of onemap.toml and of the web service from their models."""
    from pydantic import BaseModel

    from onemap.api.deps import ApiSettings
    from onemap.store.config import Thresholds, WorkspaceConfig

    models: list[tuple[str, type[BaseModel]]] = [
        ("onemap.toml", WorkspaceConfig), ("onemap.toml [thresholds]", Thresholds),
        ("web service (environment ONEMAP_…)", ApiSettings)]
    lines = ["# Settings", ""]
    for title, model in models:
        lines += [f"## {title}", "", "| setting | default | description |", "|---|---|---|"]
        for name, field in model.model_fields.items():
            default = "" if field.default_factory else repr(field.default)
            lines.append(f"| `{name}` | {default} | {field.description or ''} |")
        lines.append("")
    return lines


if __name__ == "__main__":
    sys.stdout.write(render_reference())
