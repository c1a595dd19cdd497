"""Backing up a node with messages and restoring it elsewhere: same messages, intact audit."""

from __future__ import annotations

import datetime as dt
import io
import tarfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select
from typer.testing import CliRunner

from gateway.cli import app
from gateway.config import load_settings, settings_toml
from gateway.console import Accounts, Role
from gateway.exchange import Direction
from gateway.node import Node, open_node
from gateway.store import MessageRecord
from support import deliver, example_bytes

runner = CliRunner()


def messages(node: Node) -> list[tuple[Any, ...]]:
    with Session(node.store.engine) as session:
        return [
            (r.message_id, r.direction, r.status, r.digest, r.sealed, r.at_rest)
            for r in session.exec(select(MessageRecord).order_by(col(MessageRecord.id)))
        ]


def backed_up_node(make_node: Callable[[str], Node], tmp_path: Path) -> tuple[Node, Path, Path]:
    """A node that sent a delivered message, with an operator; its settings and backup."""
    france, germany = make_node("FR:CNAV"), make_node("DE:DRV70001")
    france.submit(example_bytes("InsurancePeriodsRequest"), recipient="DE:DRV70001")
    deliver(france, germany)
    deliver(germany, france)
    Accounts(france.store.engine).add_operator(
        "alice", Role.AUDITOR, "a long enough passphrase", now=dt.datetime.now(dt.UTC)
    )
    config = tmp_path / "node.toml"
    config.write_text(settings_toml(france.settings))
    archive = tmp_path / "backup.tar.gz"
    made = runner.invoke(
        app, ["backup", "create", "--config", str(config), "-o", str(archive), "--include-keys"]
    )
    assert made.exit_code == 0, made.output
    assert "private keys" in made.stderr and f"to {archive}" in made.stdout
    assert archive.stat().st_mode & 0o777 == 0o600
    return france, config, archive


def test_a_backup_restores_into_a_fresh_place_with_the_same_messages(
    make_node: Callable[[str], Node],
    database_url: Callable[[str], str],
    database_kind: str,
    tmp_path: Path,
) -> None:
    france, _, archive = backed_up_node(make_node, tmp_path)
    target = tmp_path / "restored"
    options = ["--database-url", database_url("restored")] if database_kind != "sqlite" else []
    restored = runner.invoke(
        app, ["backup", "restore", str(archive), "--target", str(target), *options]
    )
    assert restored.exit_code == 0, restored.output
    settings = load_settings(target / "node.toml")
    assert settings.directory_file == target / "directory.xml"
    assert settings.signing_key == target / "keys" / "signing.key"
    if database_kind == "sqlite":
        assert settings.database_url == f"sqlite:///{target / 'node.db'}"
    node = open_node(settings)
    try:
        assert messages(node) == messages(france)
        assert len(messages(node)) == 2  # the request sent, and the receipt for it
        sent = next(m for m in messages(node) if m[1] is Direction.OUT)
        record = node.store.sent_message(sent[0])
        assert record is not None and node.document_of(record).startswith(b"<?xml")
        report = Accounts(node.store.engine).verify()
        assert report.ok and report.checked >= 1
    finally:
        node.store.engine.dispose()
    if database_kind == "sqlite":
        verified = runner.invoke(app, ["audit", "verify", "--config", str(target / "node.toml")])
        assert verified.exit_code == 0, verified.output
        assert verified.stdout.startswith("the audit log is intact")

    again = runner.invoke(
        app, ["backup", "restore", str(archive), "--target", str(target), *options]
    )
    assert again.exit_code == 2 and "is not empty" in again.output
    if database_kind != "sqlite":
        elsewhere = tmp_path / "elsewhere"
        same_database = runner.invoke(
            app, ["backup", "restore", str(archive), "--target", str(elsewhere), *options]
        )
        assert same_database.exit_code == 2
        assert "target database is not empty" in same_database.output
        assert not elsewhere.exists()


def test_a_damaged_backup_is_refused_and_nothing_is_written(
    make_node: Callable[[str], Node], tmp_path: Path
) -> None:
    _, _, archive = backed_up_node(make_node, tmp_path)
    damaged = tmp_path / "damaged.tar.gz"
    with tarfile.open(archive, "r:gz") as source, tarfile.open(damaged, "w:gz") as copy:
        for info in source.getmembers():
            data = source.extractfile(info).read()  # type: ignore[union-attr]
            if info.name == "directory.xml":
                data = data.replace(b"<", b" <", 1)[: info.size]
            copy.addfile(info, io.BytesIO(data))
    before = sorted(p.name for p in tmp_path.iterdir())
    target = tmp_path / "restored"
    refused = runner.invoke(app, ["backup", "restore", str(damaged), "--target", str(target)])
    assert refused.exit_code == 2
    assert "member directory.xml does not match its SHA-256" in refused.output
    assert sorted(p.name for p in tmp_path.iterdir()) == before
    not_a_backup = runner.invoke(
        app, ["backup", "restore", str(tmp_path / "node.toml"), "--target", str(target)]
    )
    assert not_a_backup.exit_code == 2 and "cannot read the backup" in not_a_backup.output
    assert not target.exists()
