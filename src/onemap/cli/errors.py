"""The one table from error class to CLI exit code (stable, documented)."""

from __future__ import annotations

from typing import Protocol

import click
import typer.core

from onemap import errors as e
from onemap.quality.errors import QualityGateFailed

# Exit codes: 0 ok, 1 unexpected failure, 2 usage (Typer), 3+ domain errors.
EXIT_CODES: list[tuple[type[e.OnemapError], int]] = [
    (e.CoordinateFileError, 5),
    (e.ImportRejected, 4),
    (e.CrsError, 6),
    (e.UnknownLandClass, 7),
    (e.NotFound, 8),
    (e.WorkspaceError, 9),
    (e.Conflict, 10),
    (e.TransitionRefused, 11),
    (e.ScopeViolation, 12),
    (e.AuthenticationFailed, 13),
    (e.MissingDependency, 14),
    (QualityGateFailed, 15),  # onemap qc --fail-on error|warning
    (e.AuditChainBroken, 16),  # onemap audit verify
    (e.ComputeFailed, 17),  # --cluster: scheduler unreachable, every worker lost
    (e.InvalidInput, 3),
    (e.OnemapError, 3),
]


def exit_code_for(exc: e.OnemapError) -> int:
    """Return the exit code for a domain error (first matching class wins)."""
    for cls, code in EXIT_CODES:
        if isinstance(exc, cls):
            return code
    return 1


def _usage_error_classes() -> tuple[type[Exception], ...]:
    """Click's usage-error base classes: typer ≥ 0.22 bundles its own click (``typer._click``).

    Commands raise ``typer.BadParameter`` (the bundled class) while the installed ``click``
    may still be imported by other code, so both roots are caught.
    """
    classes: list[type[Exception]] = [click.ClickException]
    bundled = getattr(typer.core, "_click", None)
    if bundled is not None:
        classes.append(bundled.exceptions.ClickException)
    return tuple(dict.fromkeys(classes))


USAGE_ERRORS = _usage_error_classes()


class UsageError(Protocol):
    """What the CLI uses of a click usage error (either click's or typer's bundled one)."""

    exit_code: int

    def show(self) -> None:
        """Print the command's usage and the error line on stderr."""
