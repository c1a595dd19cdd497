"""The deployment and integration guides name only routes, commands and options that exist."""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
import typer.core
import typer.main

from gateway.cli import app
from gateway.demo.backoffice.cli import app as backoffice_app
from ssgw_adapters.cli import app as adapter_app
from ssgw_adapters.client import GatewayClient

DOCS = Path(__file__).resolve().parents[2] / "docs"
GUIDES = ("integration.md", "deployment.md")
#: The guides whose code blocks run the adapters; the deployment guide names them in prose only.
ADAPTER_GUIDES = ("integration.md",)


def code_blocks(name: str, languages: Sequence[str] = ("sh", "python")) -> list[str]:
    text = (DOCS / name).read_text(encoding="utf-8")
    blocks = re.findall(r"^```(\w*)\n(.*?)^```", text, re.DOTALL | re.MULTILINE)
    return [body for language, body in blocks if language in languages]


def shell_commands(name: str) -> list[list[str]]:
    """Each shell command of the guide's code blocks, continuation lines joined."""
    commands = []
    for block in code_blocks(name, ("sh",)):
        for line in block.replace("\\\n", " ").splitlines():
            line = line.split(" #", 1)[0].strip()
            if line and not line.startswith(("#", "{", "}", '"', "'")):
                try:
                    commands.append(shlex.split(line))
                except ValueError:
                    continue
    return commands


def route_pattern(path: str) -> re.Pattern[str]:
    return re.compile(re.sub(r"\\\{\w+\\\}", r"[^/]+", re.escape(path)) + "$")


def curl_paths(name: str) -> list[str]:
    paths = []
    for words in shell_commands(name):
        if words[:1] == ["curl"]:
            (url,) = [w for w in words if w.startswith("http")]
            paths.append(re.sub(r"^https?://[^/]+", "", url).split("?", 1)[0])
    return paths


def test_every_curl_example_asks_a_route_the_node_serves(route_paths: set[str]) -> None:
    paths = curl_paths("integration.md")
    patterns = [route_pattern(p) for p in route_paths]
    assert len(paths) >= 7
    for path in paths:
        assert any(p.match(path) for p in patterns), f"no route answers {path}"
    assert {"/api/v1/messages", "/api/v1/inbox"} <= set(paths)


def test_the_python_example_uses_the_client_s_real_methods() -> None:
    (example,) = [b for b in code_blocks("integration.md") if "GatewayClient(" in b]
    compile(example, "integration.md", "exec")
    for method in set(re.findall(r"\bnode\.(\w+)\(", example)):
        assert callable(getattr(GatewayClient, method, None)), method


@pytest.mark.parametrize("guide", GUIDES)
def test_every_ssgw_command_in_the_guides_exists(
    guide: str, check_ssgw: Callable[[Sequence[str]], None]
) -> None:
    group = typer.main.get_command(app)
    assert isinstance(group, typer.core.TyperGroup)
    commands = set(group.commands)
    found = [
        words[index + 1 :]
        for words in shell_commands(guide)
        for index, word in enumerate(words[:-1])
        if word.endswith("ssgw") and words[index + 1] in commands
    ]
    for words in found:
        check_ssgw(words)
    assert found


@pytest.mark.parametrize("guide", ADAPTER_GUIDES)
def test_every_adapter_command_in_the_guides_takes_those_options(guide: str) -> None:
    apps = {"ssgw-adapter": adapter_app, "ssgw-backoffice": backoffice_app}
    checked = 0
    for words in shell_commands(guide):
        for index in [i for i, word in enumerate(words) if word in apps]:
            command = typer.main.get_command(apps[words[index]])
            rest = words[index + 1 :]
            while isinstance(command, typer.core.TyperGroup):
                found = command.get_command(typer.Context(command), rest[0])
                assert found is not None, f"{shlex.join(words)}: no command {rest[0]!r}"
                command, rest = found, rest[1:]
            command.make_context(words[index], rest)  # raises on an unknown option
            checked += 1
    assert checked, f"{guide} shows no adapter command any more"
