"""Fixtures of the deployment checks: the node's real routes and a check of ssgw commands."""

from __future__ import annotations

import shlex
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
import typer.core
import typer.main
from conftest import node_settings
from typer.testing import CliRunner

from gateway.cli import app
from gateway.node import open_node
from gateway.server import build_app


@pytest.fixture(scope="session")
def route_paths(
    pki_dir: Path, signed_directory_file: Path, tmp_path_factory: pytest.TempPathFactory
) -> set[str]:
    """Every path the node's HTTP app answers (API, probes, metrics), from the app itself."""
    store = tmp_path_factory.mktemp("routes") / "node.db"
    settings = node_settings(pki_dir, signed_directory_file, "DE:DRV70001", f"sqlite:///{store}")
    node = open_node(settings)
    try:
        return set(_paths(build_app(node).routes, ""))
    finally:
        node.database.dispose()


def _paths(routes: Sequence[Any], prefix: str) -> Iterator[str]:
    """The paths of routes, looking inside the routers FastAPI keeps included as one entry."""
    for route in routes:
        included = getattr(route, "original_router", None)
        if included is None:
            yield prefix + str(getattr(route, "path", ""))
        else:
            yield from _paths(included.routes, prefix + route.include_context.prefix)


def _command(words: Sequence[str]) -> tuple[Any, list[str]]:
    """The command an argument list names, and the words after its name."""
    command = typer.main.get_command(app)
    rest = list(words)
    while isinstance(command, typer.core.TyperGroup) and rest and not rest[0].startswith("-"):
        found = command.get_command(typer.Context(command), rest[0])
        assert found is not None, f"'ssgw {' '.join(words)}': no command {rest[0]!r}"
        command, rest = found, rest[1:]
    return command, rest


@pytest.fixture(scope="session")
def check_ssgw() -> Callable[[Sequence[str]], None]:
    """Fails unless ``ssgw <words>`` names a real command and uses only its options."""
    runner = CliRunner()

    def check(words: Sequence[str]) -> None:
        command, rest = _command(words)
        assert not isinstance(command, typer.core.TyperGroup), (
            f"'ssgw {shlex.join(words)}' is a group"
        )
        options = {name for param in command.params for name in param.opts}
        for word in rest:
            if word.startswith("--"):
                name = word.split("=", 1)[0]
                assert name in options, f"'ssgw {shlex.join(words)}': no option {name}"
        result = runner.invoke(app, [*words[: len(words) - len(rest)], "--help"])
        assert result.exit_code == 0, result.output

    return check


def ssgw_invocations(shell: str) -> list[list[str]]:
    """The argument lists of every ``ssgw`` command in a shell text (up to an operator)."""
    found = []
    for line in shell.replace("\\\n", " ").splitlines():
        code = line.split("#", 1)[0] if not line.lstrip().startswith("#") else ""
        try:
            words = shlex.split(code, posix=True)
        except ValueError:
            continue
        for index, word in enumerate(words):
            if word.endswith("ssgw") and (index == 0 or words[index - 1] in {"exec", "do", ";"}):
                args = []
                for arg in words[index + 1 :]:
                    if arg in {">", ">>", "|", "||", "&&", ";"} or arg.startswith(">"):
                        break
                    args.append(arg)
                found.append(args)
    return found


@pytest.fixture(scope="session")
def shell_ssgw() -> Callable[[str], list[list[str]]]:
    return ssgw_invocations
