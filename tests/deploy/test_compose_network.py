"""The compose network, run: the project's image built, the nodes healthy, and a document
submitted to FR:CNAV's node delivered to DE:DRV70001's. Only where a container engine answers;
test_containers.py checks the same files without one."""

from __future__ import annotations

import os
import secrets
import shutil
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest
from testcontainers.compose import DockerCompose

from services import engine_answers
from support import example_bytes

pytestmark = pytest.mark.slow

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
NODES = ("node-de-drv70001", "node-fr-cnav", "node-in-epfo")
API_PORT = 8080  # inside the node's container; compose.yaml publishes it
DELIVERY_SECONDS = 120


@pytest.fixture
def network(monkeypatch: pytest.MonkeyPatch) -> Iterator[DockerCompose]:
    """The compose network, up and healthy, with the project's image built from this
    checkout; torn down with its volumes afterwards."""
    if not engine_answers():
        where = os.environ.get("DOCKER_HOST") or "/var/run/docker.sock"
        pytest.skip(f"no container engine answers: nothing at {where} answered a ping")
    if shutil.which("docker") is None:
        pytest.skip("a container engine answers, but there is no docker command for compose")
    # A project of its own, so that a network someone runs from the same file (its containers
    # and its volumes, which teardown removes) is left alone.
    monkeypatch.setenv("COMPOSE_PROJECT_NAME", f"ssgw-smoke-{uuid.uuid4().hex[:8]}")
    monkeypatch.setenv("SSGW_POSTGRES_PASSWORD", secrets.token_hex(16))
    # up --build --wait: compose.yaml builds the image from the repository root and waits
    # for every healthcheck; init, a one-shot service, only has to complete.
    with DockerCompose(DEPLOY, compose_file_name="compose.yaml", build=True, wait=True) as up:
        yield up


def api_key(network: DockerCompose, node: str) -> str:
    """A key made inside the node's container, as docs/deployment.md tells an operator."""
    command = ["ssgw", "apikey", "create", f"smoke-{uuid.uuid4().hex[:8]}"]
    out, err, code = network.exec_in_container(
        [*command, "--config", "/etc/ssgw/node.toml"], service_name=node
    )
    assert code == 0, err
    return out.strip()


def api_url(network: DockerCompose, node: str) -> str:
    host, port = network.get_service_host_and_port(node, API_PORT)
    assert host and port, f"{node} publishes no API port"
    return f"http://{host}:{port}"


def test_a_document_crosses_the_compose_network(network: DockerCompose) -> None:
    for node in NODES:
        assert network.get_container(node).Health == "healthy", node
    headers = {"Authorization": f"Bearer {api_key(network, 'node-fr-cnav')}"}
    with httpx2.Client(base_url=api_url(network, "node-fr-cnav"), timeout=30) as france:
        submitted = france.post(
            "/api/v1/messages",
            params={"recipient": "DE:DRV70001"},
            content=example_bytes("InsurancePeriodsRequest"),
            headers=headers | {"Content-Type": "application/xml"},
        )
        assert submitted.status_code == 202, submitted.text
        message = f"/api/v1/messages/{submitted.json()['id']}"
        deadline = time.monotonic() + DELIVERY_SECONDS
        detail = france.get(message, headers=headers).json()
        # DELIVERED is final at the sender: DE:DRV70001's node has sent its receipt back.
        while detail["status"] != "delivered" and time.monotonic() < deadline:
            time.sleep(1)
            detail = france.get(message, headers=headers).json()
    assert detail["status"] == "delivered", detail
