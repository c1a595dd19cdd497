"""Administering a node from the command line: API keys, retrying a failed message, logs."""

from __future__ import annotations

import json
import logging
from pathlib import Path

from typer.testing import CliRunner

from gateway.cli import app
from gateway.codes import InstitutionId
from gateway.config import load_settings
from gateway.exchange import MessageStatus
from gateway.logs import JsonFormatter
from gateway.node import open_node
from gateway.security import KeyUse, institution_files
from gateway.store import Trace
from support import example_bytes

runner = CliRunner()


def config_for(tmp_path: Path, pki_dir: Path, directory_file: Path) -> Path:
    files = institution_files(pki_dir, InstitutionId("FR:CNAV"))
    config = tmp_path / "node.toml"
    config.write_text(
        f'institution = "FR:CNAV"\n'
        f'database_url = "sqlite:///{tmp_path / "node.db"}"\n'
        f'directory_file = "{directory_file}"\n'
        f'authority_certificate = "{pki_dir / "authority.pem"}"\n'
        f'signing_key = "{files.key(KeyUse.SIGNING)}"\n'
        f'signing_certificate = "{files.certificate(KeyUse.SIGNING)}"\n'
        "max_attempts = 1\n\n[[encryption_keys]]\n"
        f'key = "{files.key(KeyUse.ENCRYPTION)}"\n'
        f'certificate = "{files.certificate(KeyUse.ENCRYPTION)}"\n'
    )
    return config


def test_api_keys_are_created_once_and_revoked(
    tmp_path: Path, pki_dir: Path, signed_directory_file: Path
) -> None:
    config = str(config_for(tmp_path, pki_dir, signed_directory_file))
    created = runner.invoke(app, ["apikey", "create", "pensions", "--config", config])
    assert created.exit_code == 0 and created.output.startswith("ssgw_")
    again = runner.invoke(app, ["apikey", "create", "pensions", "--config", config])
    assert again.exit_code == 2 and "exists already" in again.output
    node = open_node(load_settings(Path(config)))
    assert node.store.api_client_for(created.output.strip()) is not None
    revoked = runner.invoke(app, ["apikey", "revoke", "pensions", "--config", config])
    assert revoked.exit_code == 0
    assert node.store.api_client_for(created.output.strip()) is None
    missing = runner.invoke(app, ["apikey", "revoke", "pensions", "--config", config])
    assert missing.exit_code == 2 and "no active API key" in missing.output


def test_a_failed_message_is_retried_from_the_command_line(
    tmp_path: Path, pki_dir: Path, signed_directory_file: Path
) -> None:
    config = config_for(tmp_path, pki_dir, signed_directory_file)
    node = open_node(load_settings(config))
    record = node.submit(example_bytes("InsurancePeriodsRequest"), recipient="DE:DRV70001")
    not_failed = runner.invoke(
        app, ["message", "retry", str(record.message_id), "--config", str(config)]
    )
    assert not_failed.exit_code == 2 and "only failed messages" in not_failed.output
    for dispatch in node.due():
        node.published(dispatch)
    node.store.change_status(
        record.id or 0,
        MessageStatus.FAILED,
        now=node.clock(),
        trace=Trace("failed", "given up for the test"),
    )
    retried = runner.invoke(
        app, ["message", "retry", str(record.message_id), "--config", str(config)]
    )
    assert retried.exit_code == 0, retried.output
    again = node.store.message(record.id or 0)
    assert again is not None and again.status is MessageStatus.ACCEPTED and again.attempts == 0
    assert [d.message_id for d in node.due()] == [str(record.message_id)]
    bad = runner.invoke(app, ["message", "retry", "nope", "--config", str(config)])
    assert bad.exit_code == 2 and "not a message id" in bad.output


def test_logs_are_json_lines_with_ids_as_fields() -> None:
    record = logging.LogRecord(
        "gateway.node", logging.WARNING, __file__, 1, "dead-lettered", None, None
    )
    record.reason = "decryption-failed"
    line = json.loads(JsonFormatter().format(record))
    assert line["level"] == "warning" and line["message"] == "dead-lettered"
    assert line["reason"] == "decryption-failed" and line["logger"] == "gateway.node"
