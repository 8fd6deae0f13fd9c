"""The CLI and settings reference (docs/cli.md) is generated and must not be stale."""

from __future__ import annotations

from pathlib import Path

from onemap.api.deps import ApiSettings
from onemap.cli.reference import render_reference
from onemap.store.config import Thresholds, WorkspaceConfig

DOC = Path(__file__).resolve().parents[2] / "docs" / "cli.md"


def test_cli_reference_is_current() -> None:
    assert DOC.read_text(encoding="utf-8") == render_reference(), (
        "docs/cli.md is stale: run `python -m onemap.cli.reference > docs/cli.md`")


def test_every_setting_is_documented() -> None:
    for model in (WorkspaceConfig, Thresholds, ApiSettings):
        for name, field in model.model_fields.items():
            if model is not ApiSettings:
                assert field.description, f"{model.__name__}.{name} has no description"
            assert f"`{name}`" in DOC.read_text(encoding="utf-8")
