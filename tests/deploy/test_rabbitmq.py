"""The example broker definitions are what 'ssgw broker definitions' writes; the cluster config."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from gateway.cli import app

RABBITMQ = Path(__file__).resolve().parents[2] / "deploy" / "rabbitmq"


def without_password_hashes(document: dict[str, Any]) -> dict[str, Any]:
    # Each run makes new random passwords; everything else must be the same.
    users = [{k: v for k, v in user.items() if k != "password_hash"} for user in document["users"]]
    return {**document, "users": users}


def test_the_example_definitions_are_what_the_command_writes_for_the_example_directory(
    pki_dir: Path, signed_directory_file: Path, tmp_path: Path
) -> None:
    out = tmp_path / "broker"
    result = CliRunner().invoke(
        app,
        [
            *("broker", "definitions", "--directory", str(signed_directory_file)),
            *("--authority", str(pki_dir / "authority.pem"), "--out", str(out)),
        ],
    )
    assert result.exit_code == 0, result.output
    generated = json.loads((out / "definitions.json").read_text(encoding="utf-8"))
    example = json.loads((RABBITMQ / "definitions.example.json").read_text(encoding="utf-8"))
    assert without_password_hashes(example) == without_password_hashes(generated)
    for user in example["users"]:
        # RabbitMQ's SHA-256 form: a 4-byte salt and a 32-byte digest.
        assert len(base64.b64decode(user["password_hash"])) == 36
    assert all(q["arguments"]["x-queue-type"] == "quorum" for q in example["queues"])


def config_lines(path: Path) -> dict[str, str]:
    values = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, separator, value = line.partition(" = ")
            assert separator and key == key.strip() and value.strip(), f"not 'key = value': {line}"
            assert key not in values, f"{key} twice"
            values[key] = value
    return values


def test_the_cluster_config_names_three_members_and_loads_the_definitions() -> None:
    values = config_lines(RABBITMQ / "rabbitmq.conf")
    assert values["cluster_formation.peer_discovery_backend"] == "classic_config"
    members = [v for k, v in values.items() if k.startswith("cluster_formation.classic_config")]
    assert len(members) == 3 and all(m.startswith("rabbit@") for m in members)
    assert values["cluster_partition_handling"] == "pause_minority"
    assert values["definitions.local.path"].endswith("definitions.json")
    assert values["listeners.tcp"] == "none"


def test_the_compose_broker_loads_what_the_init_service_writes() -> None:
    values = config_lines(RABBITMQ.parent / "compose" / "rabbitmq.conf")
    init = (RABBITMQ.parent / "compose" / "init.sh").read_text(encoding="utf-8")
    assert values["load_definitions"] == "/var/lib/ssgw/broker/definitions.json"
    assert "broker=/var/lib/ssgw/broker\n" in init
