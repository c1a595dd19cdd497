"""A bad setting stops every command with one line naming where each value came from."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gateway.cli import app
from gateway.config import settings_toml
from gateway.node import Node

runner = CliRunner()


@pytest.fixture
def config(make_node: Callable[..., Node], tmp_path: Path) -> Path:
    path = tmp_path / "node.toml"
    path.write_text(settings_toml(make_node("FR:CNAV").settings))
    return path


@pytest.mark.parametrize(
    ("variable", "value", "line"),
    [
        (
            "GATEWAY_ENCRYPTION_KEYS",
            "{bad",
            "error: environment variable GATEWAY_ENCRYPTION_KEYS: encryption_keys: not valid JSON",
        ),
        (
            "GATEWAY_REPLY_DUE_DAYS",
            "[1,",
            "error: environment variable GATEWAY_REPLY_DUE_DAYS: reply_due_days: not valid JSON",
        ),
        (
            "GATEWAY_API_PORT",
            "99999",
            "error: environment variable GATEWAY_API_PORT: api_port: Input should be less than",
        ),
    ],
)
@pytest.mark.parametrize("command", [["audit", "verify"], ["message", "retry", "x"]])
def test_a_bad_variable_is_one_line_and_exit_2(
    config: Path, command: list[str], variable: str, value: str, line: str
) -> None:
    result = runner.invoke(app, [*command, "--config", str(config)], env={variable: value})
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    [printed] = result.output.splitlines()
    assert printed.startswith(line)
    assert str(config) not in printed


def test_doctor_names_the_variable_in_one_line(config: Path) -> None:
    result = runner.invoke(
        app, ["doctor", "--config", str(config)], env={"GATEWAY_ENCRYPTION_KEYS": "{bad"}
    )
    assert result.exit_code == 1
    [line] = result.stdout.splitlines()
    assert line.startswith(
        "FAIL  settings: environment variable GATEWAY_ENCRYPTION_KEYS: encryption_keys: "
        "not valid JSON ("
    )


def test_every_bad_setting_of_the_file_is_named_in_the_one_line(config: Path) -> None:
    text = config.read_text().replace("prefetch = 64", "prefetch = 0")
    config.write_text(text.replace("max_attempts = 3", "max_attempts = 0"))
    result = runner.invoke(app, ["audit", "verify", "--config", str(config)])
    assert result.exit_code == 2
    assert result.output.splitlines() == [
        f"error: {config}: prefetch: Input should be greater than or equal to 1; "
        f"{config}: max_attempts: Input should be greater than or equal to 1"
    ]
