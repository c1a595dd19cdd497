"""Retention: payloads of old settled messages go, everything else stays."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlmodel import Session, col
from typer.testing import CliRunner

from gateway.api import create_app
from gateway.cli import app
from gateway.config import settings_toml
from gateway.console import Accounts
from gateway.errors import PayloadPurged
from gateway.exchange import MessageStatus
from gateway.node import Node
from gateway.store import MessageRecord, Retention, Trace
from support import deliver, example_bytes, relay

runner = CliRunner()


def config_of(node: Node, folder: Path) -> str:
    """A settings file describing ``node``, for the commands."""
    path = folder / f"{node.institution.replace(':', '_')}.toml"
    path.write_text(settings_toml(node.settings))
    return str(path)


def age(node: Node, *records: MessageRecord, days: float) -> None:
    """Make messages look settled ``days`` ago."""
    with Session(node.store.engine) as session, session.begin():
        session.execute(
            update(MessageRecord)
            .where(col(MessageRecord.id).in_([r.id for r in records]))
            .values(updated_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=days))
        )


def stored(node: Node, record: MessageRecord) -> MessageRecord:
    found = node.store.message(record.id or 0)
    assert found is not None
    return found


def test_a_run_purges_old_settled_payloads_and_keeps_the_rest(
    make_node: Callable[[str], Node], tmp_path: Path
) -> None:
    france, germany = make_node("FR:CNAV"), make_node("DE:DRV70001")
    request = example_bytes("InsurancePeriodsRequest")
    old = france.submit(request, recipient="DE:DRV70001")
    deliver(france, germany)
    deliver(germany, france)  # the receipt: delivered
    in_flight = france.submit(request, recipient="DE:DRV70001")
    relay(france)  # sent, no receipt yet
    recent = france.submit(request, recipient="DE:DRV70001")
    deliver(france, germany)
    deliver(germany, france)
    assert stored(france, old).status is MessageStatus.DELIVERED
    assert stored(france, in_flight).status is MessageStatus.SENT
    age(france, old, in_flight, days=40)
    config = config_of(france, tmp_path)

    counted = runner.invoke(
        app, ["retention", "run", "--config", config, "--days", "30", "--dry-run"]
    )
    assert counted.exit_code == 0, counted.output
    assert counted.stdout.startswith("1 messages settled before")
    assert stored(france, old).sealed

    purged = runner.invoke(app, ["retention", "run", "--config", config, "--days", "30"])
    assert purged.exit_code == 0, purged.output
    assert "purged the payloads of 1 messages" in purged.stdout
    # Without a terminal, each batch is a line for the log of a scheduled run, not a bar.
    assert purged.stderr == "purged 1 of 1\n"

    gone = stored(france, old)
    assert gone.sealed == b"" and gone.at_rest is None
    assert gone.digest == old.digest and gone.size == old.size
    assert gone.status is MessageStatus.DELIVERED
    assert [r.outcome for r in france.store.receipts(old.id or 0)] == ["accepted"]
    stages = [event.stage for event in france.store.trace(old.message_id)]
    assert stages[-1] == "purged" and "delivered" in stages
    assert stored(france, in_flight).sealed == in_flight.sealed
    assert stored(france, recent).sealed == recent.sealed
    assert france.document_of(stored(france, recent))
    with pytest.raises(PayloadPurged, match="purged by retention"):
        france.document_of(gone)

    again = runner.invoke(app, ["retention", "run", "--config", config, "--days", "30"])
    assert "purged the payloads of 0 messages" in again.stdout
    # What 'ssgw audit verify' checks (the command itself is run on SQLite in test_backup).
    assert Accounts(france.store.engine).verify().ok


def test_received_documents_are_purged_only_once_taken_and_answer_410(
    make_node: Callable[[str], Node],
) -> None:
    france, germany = make_node("FR:CNAV"), make_node("DE:DRV70001")
    request = example_bytes("InsurancePeriodsRequest")
    taken = france.submit(request, recipient="DE:DRV70001")
    waiting = france.submit(request, recipient="DE:DRV70001")
    deliver(france, germany)
    taken_in = germany.store.received_message(taken.message_id)
    waiting_in = germany.store.received_message(waiting.message_id)
    assert taken_in is not None and waiting_in is not None
    germany.acknowledge(taken_in)
    age(germany, taken_in, waiting_in, days=400)

    result = Retention(germany.store.engine).run(
        365, now=dt.datetime.now(dt.UTC), batch=1, progress=lambda done, due: None
    )
    assert (result.due, result.purged) == (1, 1)
    assert stored(germany, taken_in).sealed == b""
    assert stored(germany, waiting_in).sealed == waiting_in.sealed

    key = germany.store.create_api_client("back-office", dt.datetime.now(dt.UTC))
    client = TestClient(create_app(germany), raise_server_exceptions=False)
    headers = {"Authorization": f"Bearer {key}"}
    answer = client.get(f"/api/v1/inbox/{taken.message_id}/document", headers=headers)
    assert answer.status_code == 410
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["code"] == "payload-purged"
    kept = client.get(f"/api/v1/inbox/{waiting.message_id}/document", headers=headers)
    assert kept.status_code == 200


def test_a_purged_failed_message_cannot_be_retried(
    make_node: Callable[[str], Node], tmp_path: Path
) -> None:
    france = make_node("FR:CNAV")
    record = france.submit(example_bytes("InsurancePeriodsRequest"), recipient="DE:DRV70001")
    relay(france)
    france.store.change_status(
        record.id or 0, MessageStatus.FAILED, now=france.clock(), trace=Trace("failed", "test")
    )
    age(france, record, days=10)
    config = config_of(france, tmp_path)
    without = runner.invoke(app, ["retention", "run", "--config", config])
    assert without.exit_code == 2 and "retention_days is not set" in without.output
    Path(config).write_text(settings_toml(france.settings, retention_days=7))
    assert runner.invoke(app, ["retention", "run", "--config", config]).exit_code == 0
    retried = runner.invoke(app, ["message", "retry", str(record.message_id), "--config", config])
    assert retried.exit_code == 1
    assert "purged by retention" in retried.output
    assert stored(france, record).status is MessageStatus.FAILED
