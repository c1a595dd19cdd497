"""The Dockerfile and compose file: valid, safe, and invoking only commands that exist."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
import tomllib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import typer.main
import yaml

from gateway.demo.backoffice.cli import app as backoffice_app

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
DOCKERFILE = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
COMPOSE_FILE = DEPLOY / "compose.yaml"
COMPOSE: dict[str, Any] = yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))
INIT_SCRIPT = (DEPLOY / "compose" / "init.sh").read_text(encoding="utf-8")


def instructions(name: str) -> list[str]:
    """The arguments of every instruction of that name, continuation lines joined."""
    text = DOCKERFILE.replace("\\\n", " ")
    return [
        line.split(None, 1)[1].strip()
        for line in text.splitlines()
        if line.split(None, 1)[:1] == [name]
    ]


def exec_form(argument: str) -> list[str]:
    words = yaml.safe_load(argument)
    assert isinstance(words, list), f"not in exec form: {argument}"
    return [str(word) for word in words]


def test_the_compose_file_follows_the_compose_specification() -> None:
    result = subprocess.run(
        [
            *(sys.executable, "-m", "check_jsonschema"),
            *("--builtin-schema", "vendor.compose-spec", str(COMPOSE_FILE)),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_base_image_is_pinned_to_a_version() -> None:
    images = [argument.split()[0] for argument in instructions("FROM")]
    assert len(images) == 2  # build and run stages
    for image in images:
        assert re.fullmatch(r"[\w./-]+:\d+\.\d+\.\d+[\w.-]*", image), image
    for service in COMPOSE["services"].values():
        image = service["image"]
        assert image == "ssgw:latest" or re.fullmatch(r"[\w./-]+:\d+\.\d+[\w.-]*", image), image


def test_the_image_runs_as_an_unprivileged_user() -> None:
    users = instructions("USER")
    assert users, "no USER"
    user = users[-1].split(":")[0]
    assert user not in {"root", "0"}
    assert re.search(rf"useradd [^\n]*--uid {user}\b", DOCKERFILE)


def test_the_health_check_asks_the_node_s_liveness_route(route_paths: set[str]) -> None:
    (check,) = instructions("HEALTHCHECK")
    command = exec_form(check.split("CMD", 1)[1])
    url = re.search(r"'http://127\.0\.0\.1:' \+ .*? \+ '(/\w+)'", command[-1])
    assert url is not None, command
    assert url.group(1) == "/healthz"
    assert "/healthz" in route_paths
    assert "GATEWAY_API_PORT=8080" in DOCKERFILE
    assert "EXPOSE 8080" in DOCKERFILE


def test_nothing_is_fetched_by_url_and_no_secret_is_baked_in() -> None:
    assert not re.search(r"^ADD\s+https?:", DOCKERFILE, re.MULTILINE)
    for argument in instructions("ENV") + instructions("ARG"):
        assert not re.search(r"PASSWORD|SECRET|KEY|TOKEN|AMQP_URL|DATABASE_URL", argument)
    copied = " ".join(instructions("COPY"))
    assert not re.search(r"\.pem|\.key|\.env|\.toml\b(?<!pyproject\.toml)", copied)


def test_the_image_s_entrypoint_and_command_are_real_ssgw_commands(
    check_ssgw: Callable[[Sequence[str]], None],
) -> None:
    (entrypoint,) = instructions("ENTRYPOINT")
    (command,) = instructions("CMD")
    assert exec_form(entrypoint) == ["ssgw"]
    assert exec_form(command)[0] == "run"
    check_ssgw(exec_form(command))


def compose_ssgw_commands(shell_ssgw: Callable[[str], list[list[str]]]) -> list[list[str]]:
    found = shell_ssgw(INIT_SCRIPT)
    for service in COMPOSE["services"].values():
        command = service.get("command") or []
        entrypoint = service.get("entrypoint") or []
        if entrypoint == ["sh", "-c"]:
            found.extend(shell_ssgw(" ".join(command)))
    return found


def test_every_ssgw_command_of_the_compose_network_exists(
    check_ssgw: Callable[[Sequence[str]], None],
    shell_ssgw: Callable[[str], list[list[str]]],
) -> None:
    commands = compose_ssgw_commands(shell_ssgw)
    named = {shlex.join(words[:2]) for words in commands}
    # The set-up and each node's start must all have been found for the check to mean much.
    for expected in ("pki init", "pki issue", "directory sign", "broker definitions"):
        assert expected in named, named
    assert sum(words[0] == "run" for words in commands) == 3
    for words in commands:
        check_ssgw(words)


def test_the_reference_back_offices_get_options_they_know() -> None:
    offices = {k: s for k, s in COMPOSE["services"].items() if k.startswith("backoffice-")}
    assert len(offices) == 3
    command = typer.main.get_command(backoffice_app)
    for service in offices.values():
        assert service["entrypoint"] == ["ssgw-backoffice"]
        command.make_context("ssgw-backoffice", service["command"])  # raises on an unknown option


def node_services() -> dict[str, Any]:
    return {k: s for k, s in COMPOSE["services"].items() if k.startswith("node-")}


def test_the_nodes_wait_for_their_dependencies_and_report_health(route_paths: set[str]) -> None:
    nodes = node_services()
    assert len(nodes) == 3
    for service in nodes.values():
        assert service["depends_on"]["init"]["condition"] == "service_completed_successfully"
        assert service["depends_on"]["rabbitmq"]["condition"] == "service_healthy"
        assert service["depends_on"]["postgres"]["condition"] == "service_healthy"
        path = re.search(r"127\.0\.0\.1:8080(/\w+)", " ".join(service["healthcheck"]["test"]))
        assert path is not None and path.group(1) in route_paths
    for name in ("postgres", "rabbitmq"):
        assert COMPOSE["services"][name]["healthcheck"]["test"]
    for key, service in COMPOSE["services"].items():
        if key.startswith("backoffice-"):
            (node,) = service["depends_on"]
            assert service["depends_on"][node]["condition"] == "service_healthy"


def test_each_node_s_settings_file_is_a_valid_node_config_on_the_api_port() -> None:
    for service in node_services().values():
        (mount,) = [v for v in service["volumes"] if v.endswith(":/etc/ssgw/node.toml:ro")]
        config = DEPLOY / mount.split(":", 1)[0]
        settings = tomllib.loads(config.read_text(encoding="utf-8"))
        assert settings["api_port"] == 8080
        assert settings["declare_topology"] is False  # the broker user may configure nothing
        assert any(port.endswith(":8080") for port in service["ports"])


def test_the_image_build_copies_what_the_wheel_is_built_from() -> None:
    # tests/deploy/test_packaging.py builds a complete wheel from exactly these sources.
    sources = {
        source
        for argument in instructions("COPY")
        if "--from" not in argument
        for source in argument.split()[:-1]
    }
    assert sources == {"pyproject.toml", "README.md", "gateway", "adapters", "schemas"}
    allowed = (DEPLOY / "Dockerfile.dockerignore").read_text(encoding="utf-8").splitlines()
    assert {line.removeprefix("!").rstrip("/") for line in allowed if line.startswith("!")} == (
        sources
    )
