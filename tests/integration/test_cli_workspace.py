from __future__ import annotations

import json

from typer.testing import CliRunner

from onemap.cli.main import create_cli

runner = CliRunner()


def test_init_layers_and_config_validate(tmp_path) -> None:
    app = create_cli()
    ws = tmp_path / "ws"
    res = runner.invoke(app, ["init", str(ws), "--json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["database"] == "sqlite"
    res = runner.invoke(app, ["layers", str(ws), "--json"])
    assert res.exit_code == 0 and json.loads(res.stdout) == []
    res = runner.invoke(app, ["config", "validate", str(ws), "--json"])
    assert json.loads(res.stdout)["valid"] is True
    schema = runner.invoke(app, ["config", "schema"])
    assert "root_region" in schema.stdout


def test_invalid_config_is_reported(tmp_path) -> None:
    bad = tmp_path / "onemap.toml"
    bad.write_text('root_region = "36"\n', encoding="utf-8")
    import pytest

    from onemap.cli.main import main

    with pytest.raises(SystemExit) as exc:
        main(["config", "validate", str(bad)])
    assert exc.value.code == 3
