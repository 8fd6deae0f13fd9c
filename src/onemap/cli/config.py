"""``onemap config schema`` and ``onemap config validate``: the workspace file's one model."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError

from onemap.cli.output import emit_json, stdout
from onemap.errors import InvalidInput
from onemap.store.config import WorkspaceConfig

config_app = typer.Typer(help="Workspace file (onemap.toml): JSON Schema and validation.",
                         no_args_is_help=True)


@config_app.command("schema")
def schema(
    json_: Annotated[bool, typer.Option("--json", help="(always JSON) accepted for uniformity")]
    = False,
) -> None:
    """Print the JSON Schema of onemap.toml (generated from the settings model)."""
    stdout.print_json(json.dumps(WorkspaceConfig.model_json_schema(), ensure_ascii=False))


@config_app.command("validate")
def validate(
    path: Annotated[Path, typer.Argument(help="onemap.toml or a workspace folder")],
    json_: Annotated[bool, typer.Option("--json", help="print the result as JSON")] = False,
) -> None:
    """Check a workspace file against the model; exit non-zero with the reasons if invalid."""
    file = path / "onemap.toml" if path.is_dir() else path
    try:
        WorkspaceConfig.model_validate(tomllib.loads(file.read_text(encoding="utf-8")))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise InvalidInput(f"cannot read workspace file: {exc}", path=str(file)) from None
    except ValidationError as exc:
        reasons = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise InvalidInput(reasons, path=str(file)) from None
    if json_:
        emit_json({"path": str(file), "valid": True})
    else:
        stdout.print(f"{file}: 有效 valid")


def register(app: typer.Typer) -> None:
    """Add the ``config`` command group to ``app``."""
    app.add_typer(config_app, name="config")
