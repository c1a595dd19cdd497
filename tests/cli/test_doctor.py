"""ssgw doctor finds what would stop or endanger a node, one line per check."""

from __future__ import annotations

import asyncio
import shutil
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gateway.cli import app
from gateway.codes import InstitutionId
from gateway.config import settings_toml
from gateway.node import Node
from gateway.node.runtime import transport_settings
from gateway.security import KeyUse, issue_institution
from gateway.transport import ReconnectingBus
from support import AMQP_URL, EXAMPLES, delete_topology, free_port

runner = CliRunner()


def doctor(config: Path, *options: str) -> tuple[int, list[str]]:
    result = runner.invoke(app, ["doctor", "--config", str(config), *options])
    return result.exit_code, result.stdout.splitlines()


def lines_of(lines: list[str], level: str) -> list[str]:
    return [line for line in lines if line.startswith(f"{level} ")]


def unique_names() -> dict[str, str]:
    prefix = f"test.doctor.{uuid.uuid4().hex[:10]}"
    return {
        "exchange": f"{prefix}.network",
        "queue_prefix": f"{prefix}.",
        "dead_letter_exchange": f"{prefix}.dead-letter",
    }


def test_a_bad_setting_is_named(make_node: Callable[..., Node], tmp_path: Path) -> None:
    node = make_node("FR:CNAV")
    config = tmp_path / "node.toml"
    config.write_text(settings_toml(node.settings, prefetch=0))
    code, lines = doctor(config)
    assert code == 1
    assert len(lines) == 1 and lines[0].startswith("FAIL  settings: ")
    assert "prefetch: Input should be greater than or equal to 1" in lines[0]
    assert "fix: correct the named setting" in lines[0]


def test_an_unreachable_broker_fails_and_the_rest_passes(
    make_node: Callable[..., Node], tmp_path: Path
) -> None:
    node = make_node("FR:CNAV")
    config = tmp_path / "node.toml"
    config.write_text(
        settings_toml(node.settings, amqp_url=f"amqp://guest:guest@127.0.0.1:{free_port()}/")
    )
    code, lines = doctor(config)
    assert code == 1
    assert lines_of(lines, "WARN") == []
    [failure] = lines_of(lines, "FAIL")
    assert failure.startswith("FAIL  broker: ") and "cannot be reached" in failure
    assert "fix: check amqp_url" in failure
    assert "guest:guest" not in failure
    subjects = {line.split(":")[0].split()[-1] for line in lines_of(lines, "OK")}
    assert subjects >= {"settings", "files", "keys", "certificates", "directory", "database"}


def test_a_world_readable_key_fails(make_node: Callable[..., Node], tmp_path: Path) -> None:
    node = make_node("FR:CNAV")
    key = tmp_path / "signing.key"
    shutil.copy(node.settings.signing_key, key)
    key.chmod(0o644)
    config = tmp_path / "node.toml"
    config.write_text(settings_toml(node.settings, signing_key=str(key)))
    code, lines = doctor(config)
    assert code == 1
    assert f"FAIL  files: signing_key {key} is readable by every user of this host; " in (
        "\n".join(lines)
    )
    assert f"fix: chmod 600 {key}" in "\n".join(lines)


@pytest.mark.broker
def test_a_healthy_node_passes_every_check(make_node: Callable[..., Node], tmp_path: Path) -> None:
    names = unique_names()
    node = make_node("FR:CNAV", amqp_url=AMQP_URL, **names)
    own_key = node.directory.institution("FR:CNAV").routing_key

    async def declare() -> None:
        async with ReconnectingBus(transport_settings(node.settings), [own_key]):
            pass

    asyncio.run(declare())
    try:
        config = tmp_path / "node.toml"
        config.write_text(settings_toml(node.settings))
        code, lines = doctor(config, "--strict")
        assert code == 0, lines
        assert lines == lines_of(lines, "OK")
        assert lines[-1].startswith("OK    broker: ")
        fenced = tmp_path / "fenced.toml"
        fenced.write_text(
            settings_toml(node.settings, declare_topology=False, queue_prefix="test.missing.")
        )
        code, lines = doctor(fenced)
        assert code == 1
        assert lines[-1].startswith("FAIL  broker: ") and "import_definitions" in lines[-1]
    finally:
        asyncio.run(delete_topology(names))


@pytest.mark.broker
def test_certificates_expiring_within_30_days_warn(
    make_node: Callable[..., Node], pki_dir: Path, tmp_path: Path
) -> None:
    pki = tmp_path / "pki"
    shutil.copytree(pki_dir, pki)
    files = issue_institution(pki, InstitutionId("FR:CNAV"), valid_days=10, force=True)
    issue_institution(pki, InstitutionId("DE:DRV70001"), valid_days=20, force=True)
    directory = tmp_path / "directory.xml"
    signed = runner.invoke(
        app,
        [
            "directory",
            "sign",
            str(EXAMPLES / "Directory.xml"),
            "--pki",
            str(pki),
            "-o",
            str(directory),
        ],
    )
    assert signed.exit_code == 0, signed.output
    node = make_node("FR:CNAV")
    config = tmp_path / "node.toml"
    config.write_text(
        settings_toml(
            node.settings,
            amqp_url=AMQP_URL,
            directory_file=str(directory),
            signing_key=str(files.key(KeyUse.SIGNING)),
            signing_certificate=str(files.certificate(KeyUse.SIGNING)),
            encryption_keys=[
                {
                    "key": str(files.key(KeyUse.ENCRYPTION)),
                    "certificate": str(files.certificate(KeyUse.ENCRYPTION)),
                }
            ],
            **unique_names(),  # nothing declared: the broker check warns too
        )
    )
    code, lines = doctor(config)
    assert code == 0, lines
    assert lines_of(lines, "FAIL") == []
    warnings = lines_of(lines, "WARN")
    for use in ("signing", "encryption"):
        assert any(
            line.startswith(f"WARN  certificates: the {use} certificate expires in 9 days")
            and "fix: renew it" in line
            for line in warnings
        ), warnings
    assert any(line.startswith("WARN  broker: ") for line in warnings)
    assert "WARN  partners: DE:DRV70001's signing certificate expires in 19 days" in "\n".join(
        lines
    )
    assert "fix: the partner must renew it" in "\n".join(lines)
    assert "OK    directory: lists this node's signing certificate as trusted" in lines
    strict, _ = doctor(config, "--strict")
    assert strict == 2
