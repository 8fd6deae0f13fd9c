"""Rendering helpers: JSON on stdout, Rich tables and progress on stderr."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from pydantic import BaseModel
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

stderr = Console(stderr=True)
stdout = Console()


def emit_json(data: BaseModel | Sequence[BaseModel] | dict[str, Any] | list[Any]) -> None:
    """Print a model, a list of models or plain data as JSON on stdout."""
    if isinstance(data, BaseModel):
        text = data.model_dump_json(indent=2)
    elif isinstance(data, list | tuple) and data and isinstance(data[0], BaseModel):
        rows = [m.model_dump(mode="json") for m in data]
        text = json.dumps(rows, ensure_ascii=False, indent=2)
    else:
        text = json.dumps(data, ensure_ascii=False, indent=2, default=str)
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


@contextmanager
def progress_bar(
    description: str, enabled: bool = True
) -> Iterator[Callable[[int, int, str], None]]:
    """Yield a ``progress(done, total, label)`` callback drawing a Rich bar on stderr."""
    if not enabled:
        yield lambda done, total, label: None
        return
    bar = Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                   TextColumn("{task.fields[label]}"), TimeElapsedColumn(), console=stderr,
                   transient=False)
    with bar:
        task = bar.add_task(description, total=None, label="")

        def update(done: int, total: int, label: str) -> None:
            bar.update(task, completed=done, total=total, label=label)

        yield update
