"""The ``onemap`` command: builds the Typer app from one module per capability."""

from __future__ import annotations

import importlib
import sys
from typing import TYPE_CHECKING, cast

import typer

from onemap.cli.errors import USAGE_ERRORS, exit_code_for
from onemap.errors import OnemapError

if TYPE_CHECKING:
    from onemap.cli.errors import UsageError

# Each module defines ``register(app: typer.Typer) -> None``. Add yours here (one line).
COMMAND_MODULES = [
    "onemap.cli.workspace",
    "onemap.cli.serve",
    "onemap.cli.tiles",
    "onemap.cli.stats",
    "onemap.cli.quality",
    "onemap.cli.config",
    "onemap.cli.io",
    "onemap.cli.review",
    "onemap.cli.indicators",
    "onemap.cli.demo",
    "onemap.cli.change",
    "onemap.cli.cases",
    "onemap.cli.ledgers",
    "onemap.cli.carbon",
    "onemap.cli.mining",
    "onemap.cli.quota",
    "onemap.cli.supply",
    "onemap.cli.audit",
    "onemap.cli.registry",
    "onemap.cli.hazards",
]


def create_cli() -> typer.Typer:
    """Build the Typer application with every capability's commands."""
    app = typer.Typer(
        name="onemap",
        help="onemap 国土空间一张图: workspace, statistics, review, change, web.",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
    )
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(app)
    return app


def main(argv: list[str] | None = None) -> None:
    """Run the CLI; domain errors become a message on stderr and a stable exit code."""
    app = create_cli()
    try:
        result = app(args=argv, standalone_mode=False)
    except OnemapError as exc:
        as_json = "--json" in (argv if argv is not None else sys.argv)
        if as_json:
            import json

            sys.stdout.write(json.dumps({"error": exc.to_dict()}, ensure_ascii=False) + "\n")
        sys.stderr.write(f"错误 error [{exc.code}]: {exc.user_message}\n")
        sys.exit(exit_code_for(exc))
    except USAGE_ERRORS as exc:
        # Missing argument, unknown option, wrong type, unknown command: the command's usage
        # and one line of error on stderr, exit 2 (click's convention), never a traceback.
        usage = cast("UsageError", exc)
        usage.show()
        sys.exit(usage.exit_code)
    except typer.Abort:
        sys.stderr.write("aborted\n")
        sys.exit(1)
    # Outside standalone mode ``typer.Exit(code)`` comes back as the return value.
    if isinstance(result, int) and not isinstance(result, bool) and result != 0:
        sys.exit(result)

if __name__ == "__main__":
    main()
