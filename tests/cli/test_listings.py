"""ssgw apikey list and ssgw message list read a node's store through its read side, never
migrating it and never showing a key; ssgw db migrate counts each revision it applies."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from alembic import command as alembic
from sqlalchemy import inspect, text
from typer.testing import CliRunner, Result

from gateway.cli import _node, _progress, app
from gateway.cli._progress import Advance
from gateway.config import settings_toml
from gateway.exchange import MessageStatus
from gateway.node import Node
from gateway.store import MessageRecord, Trace, connect, stored_schema
from gateway.store._database import alembic_config
from support import Clock, Steps, deliver, example_bytes, relay

runner = CliRunner()


def config_of(node: Node, tmp_path: Path, **replaced: Any) -> str:
    config = tmp_path / "node.toml"
    config.write_text(settings_toml(node.settings, **replaced))
    return str(config)


def invoke(*args: str) -> Result:
    return runner.invoke(app, list(args))


def revision(database_url: str) -> str | None:
    engine = connect(database_url)
    try:
        with engine.connect() as connection:
            value = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    finally:
        engine.dispose()
    return None if value is None else str(value)


def downgrade(database_url: str, to: str) -> None:
    """Take a store back to an older schema, as installing a newer version leaves it."""
    engine = connect(database_url)
    try:
        with engine.begin() as connection:
            config = alembic_config(engine)
            config.attributes["connection"] = connection
            alembic.downgrade(config, to)
    finally:
        engine.dispose()


def tables(database_url: str) -> list[str]:
    engine = connect(database_url)
    try:
        return sorted(inspect(engine).get_table_names())
    finally:
        engine.dispose()


# API keys ---------------------------------------------------------------------------------


def test_api_keys_are_listed_revoked_ones_too_without_a_secret(
    make_node: Callable[..., Node], tmp_path: Path
) -> None:
    config = config_of(make_node("FR:CNAV"), tmp_path)
    before = dt.datetime.now(dt.UTC).replace(microsecond=0)
    keys = {}
    for name in ("pensions", "family benefits"):
        created = invoke("apikey", "create", name, "--config", config)
        assert created.exit_code == 0, created.output
        keys[name] = created.stdout.strip()
    assert invoke("apikey", "revoke", "pensions", "--config", config).exit_code == 0

    listed = invoke("apikey", "list", "--config", config)
    assert listed.exit_code == 0, listed.output
    assert listed.stderr == ""
    pensions, family = (line.split("\t") for line in listed.stdout.splitlines())
    assert pensions[0] == "pensions" and family[0] == "family benefits"
    assert int(pensions[1]) < int(family[1])
    assert dt.datetime.fromisoformat(pensions[2]) >= before
    assert pensions[3].startswith("revoked ")
    assert dt.datetime.fromisoformat(pensions[3].removeprefix("revoked ")) >= before
    assert family[3] == "active"
    assert pensions[4] == family[4] == "operator"

    as_json = invoke("apikey", "list", "--config", config, "--json")
    assert as_json.exit_code == 0, as_json.output
    document = json.loads(as_json.stdout)
    assert list(document) == ["api_keys"]
    first, second = document["api_keys"]
    assert set(first) == set(second) == {"name", "id", "created_at", "revoked_at", "state", "role"}
    assert (first["name"], first["state"], first["id"]) == ("pensions", "revoked", int(pensions[1]))
    assert first["revoked_at"] == pensions[3].removeprefix("revoked ")
    assert (second["name"], second["state"], second["revoked_at"]) == (
        "family benefits",
        "active",
        None,
    )
    assert second["created_at"] == family[2]

    for output in (listed.stdout, as_json.stdout):
        for key in keys.values():
            assert key not in output
            assert hashlib.sha256(key.encode()).hexdigest() not in output
        assert "ssgw_" not in output


def test_no_api_keys_is_an_empty_list(make_node: Callable[..., Node], tmp_path: Path) -> None:
    config = config_of(make_node("FR:CNAV"), tmp_path)
    listed = invoke("apikey", "list", "--config", config)
    assert (listed.exit_code, listed.stdout, listed.stderr) == (0, "", "")
    assert json.loads(invoke("apikey", "list", "-c", config, "--json").stdout) == {"api_keys": []}


# Messages ---------------------------------------------------------------------------------


@pytest.fixture
def exchanged(
    make_node: Callable[..., Node], clock: Clock
) -> tuple[Node, dict[str, MessageRecord]]:
    """FR:CNAV after sending two requests (the first is sent, the second failed) and
    receiving one, a second apart each; the received one was stored with the receipt FR:CNAV
    sends back for it."""
    fr, de = make_node("FR:CNAV"), make_node("DE:DRV70001")
    request = example_bytes("InsurancePeriodsRequest")
    first = fr.submit(request, recipient="DE:DRV70001")
    clock.advance(1)
    failed = fr.submit(request, recipient="DE:DRV70001")
    relay(fr)
    fr.store.change_status(
        failed.id or 0, MessageStatus.FAILED, now=clock(), trace=Trace("failed", "for the test")
    )
    clock.advance(1)
    received = de.submit(request, recipient="FR:CNAV")
    deliver(de, fr)
    stored = fr.reading.received_message(received.message_id)
    assert stored is not None
    receipt = fr.reading.receipt_sent_for(stored)
    assert receipt is not None
    return fr, {"first": first, "failed": failed, "received": stored, "receipt": receipt}


def listed_ids(result: Result) -> list[str]:
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    return [line.split("\t")[0] for line in result.stdout.splitlines()]


def test_messages_are_listed_newest_first(
    exchanged: tuple[Node, dict[str, MessageRecord]], tmp_path: Path
) -> None:
    node, messages = exchanged
    config = config_of(node, tmp_path)
    ids = {name: str(record.message_id) for name, record in messages.items()}
    every = listed_ids(invoke("message", "list", "--config", config))
    # The received message and its receipt were stored in one transaction, at one time.
    assert sorted(every[:2]) == sorted([ids["received"], ids["receipt"]])
    assert every[2:] == [ids["failed"], ids["first"]]

    line = invoke("message", "list", "-c", config, "--status", "failed").stdout
    failed = messages["failed"]
    assert line.split("\t") == [
        ids["failed"],
        "out",
        "DE:DRV70001",
        "InsurancePeriodsRequest",
        "failed",
        str(failed.case_id),
        failed.created_at.isoformat(timespec="seconds") + "\n",
    ]


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        (["--direction", "in"], ["received"]),
        (["--direction", "OUT"], ["receipt", "failed", "first"]),
        (["--status", "FAILED"], ["failed"]),
        (["--status", "sent"], ["first"]),
        (["--status", "accepted", "--direction", "out"], ["receipt"]),
        (["--status", "accepted", "--direction", "in"], []),
        (["--limit", "2", "--direction", "out"], ["receipt", "failed"]),
    ],
)
def test_messages_are_filtered_and_limited(
    exchanged: tuple[Node, dict[str, MessageRecord]],
    tmp_path: Path,
    options: list[str],
    expected: list[str],
) -> None:
    node, messages = exchanged
    config = config_of(node, tmp_path)
    listed = listed_ids(invoke("message", "list", "--config", config, *options))
    assert listed == [str(messages[name].message_id) for name in expected]


def test_the_limit_counts_every_message(
    exchanged: tuple[Node, dict[str, MessageRecord]], tmp_path: Path
) -> None:
    node, _ = exchanged
    config = config_of(node, tmp_path)
    assert len(listed_ids(invoke("message", "list", "-c", config, "--limit", "3"))) == 3
    assert len(listed_ids(invoke("message", "list", "-c", config, "--limit", "10000"))) == 4


def test_messages_as_json(exchanged: tuple[Node, dict[str, MessageRecord]], tmp_path: Path) -> None:
    node, messages = exchanged
    config = config_of(node, tmp_path)
    result = invoke("message", "list", "-c", config, "--json", "--direction", "in")
    assert result.exit_code == 0, result.output
    received = messages["received"]
    assert json.loads(result.stdout) == {
        "messages": [
            {
                "message_id": str(received.message_id),
                "direction": "in",
                "partner": "DE:DRV70001",
                "document_type": "InsurancePeriodsRequest",
                "status": "received",
                "case_id": str(received.case_id),
                "created_at": received.created_at.isoformat(timespec="seconds"),
            }
        ]
    }
    every = json.loads(invoke("message", "list", "-c", config, "--json").stdout)["messages"]
    assert [uuid.UUID(m["message_id"]) for m in every[2:]] == [
        messages["failed"].message_id,
        messages["first"].message_id,
    ]
    nothing = invoke("message", "list", "-c", config, "--json", "--status", "refused")
    assert json.loads(nothing.stdout) == {"messages": []}


@pytest.mark.parametrize(
    ("options", "start"),
    [
        (
            ["--status", "lost"],
            "error: Invalid value for '--status': Value error, 'lost' is not one of 'accepted',",
        ),
        (
            ["--direction", "sideways"],
            "error: Invalid value for '--direction': Value error, 'sideways' is not one of 'out'",
        ),
        (["--limit", "0"], "error: Invalid value for '--limit': Input should be greater than or"),
        (["--limit", "10001"], "error: Invalid value for '--limit': Input should be less than or"),
        (["--limit", "many"], "error: Invalid value for '--limit': Input should be a valid int"),
        (["--status"], "error: Option '--status' requires an argument."),
    ],
)
def test_a_bad_option_value_is_one_line_and_exit_2(
    make_node: Callable[..., Node], tmp_path: Path, options: list[str], start: str
) -> None:
    node = make_node("FR:CNAV")
    result = invoke("message", "list", "-c", config_of(node, tmp_path), *options)
    assert result.exit_code == 2
    assert result.stdout == ""
    [line] = result.stderr.splitlines()
    assert line.startswith(start), line


# Never migrating --------------------------------------------------------------------------

LISTINGS = [["apikey", "list"], ["message", "list"], ["message", "list", "--json"]]


@pytest.mark.parametrize("command", LISTINGS, ids=" ".join)
def test_a_listing_refuses_a_store_behind_and_leaves_it(
    make_node: Callable[..., Node], tmp_path: Path, command: list[str]
) -> None:
    node = make_node("FR:CNAV")
    url = node.settings.database_url
    head = revision(url)
    node.store.engine.dispose()
    downgrade(url, "0002")
    result = invoke(*command, "--config", config_of(node, tmp_path))
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        f"error: the database needs 'ssgw db migrate': it is at 0002, this version's schema "
        f"is {head}"
    ]
    assert revision(url) == "0002"


@pytest.mark.parametrize("command", LISTINGS, ids=" ".join)
def test_a_listing_of_a_new_store_creates_nothing(
    make_node: Callable[..., Node],
    database_url: Callable[[str], str],
    database_kind: str,
    tmp_path: Path,
    command: list[str],
) -> None:
    fresh = database_url("fresh")
    config = config_of(make_node("FR:CNAV"), tmp_path, database_url=fresh)
    result = invoke(*command, "--config", config)
    assert result.exit_code == 2
    assert result.stdout == ""
    [line] = result.stderr.splitlines()
    assert "ssgw db migrate" in line
    if database_kind == "sqlite":
        path = Path(fresh.removeprefix("sqlite:///"))
        assert line == f"error: the database does not exist ({path}); it needs 'ssgw db migrate'"
        assert list(path.parent.glob(f"{path.name}*")) == []
    else:
        assert line.startswith("error: the database needs 'ssgw db migrate': it is at an empty")
        assert tables(fresh) == []


# db migrate -------------------------------------------------------------------------------


@pytest.fixture
def steps(monkeypatch: pytest.MonkeyPatch) -> Steps:
    counted = Steps()

    @contextmanager
    def counting(description: str, total: int | None) -> Iterator[Advance]:
        counted.total = total
        yield counted

    monkeypatch.setattr(_node, "progress", counting)
    return counted


def test_db_migrate_sets_up_a_new_store_a_step_per_revision(
    make_node: Callable[..., Node],
    database_url: Callable[[str], str],
    tmp_path: Path,
    steps: Steps,
) -> None:
    fresh = database_url("fresh")
    config = config_of(make_node("FR:CNAV"), tmp_path, database_url=fresh)
    result = invoke("db", "migrate", "--config", config)
    assert result.exit_code == 0, result.output
    assert (result.stdout, result.stderr) == ("the store is up to date\n", "")
    state = stored_schema(fresh)
    assert state.up_to_date and len(state.known) >= 4
    assert steps.total == steps.done == len(state.known)
    assert invoke("apikey", "list", "--config", config).exit_code == 0


def test_db_migrate_applies_only_what_is_missing(
    make_node: Callable[..., Node], tmp_path: Path, steps: Steps
) -> None:
    node = make_node("FR:CNAV")
    url = node.settings.database_url
    head = revision(url)
    node.store.engine.dispose()
    downgrade(url, "0002")
    config = config_of(node, tmp_path)
    result = invoke("db", "migrate", "--config", config)
    assert (result.exit_code, result.stdout) == (0, "the store is up to date\n")
    assert revision(url) == head
    assert steps.total == steps.done == len(stored_schema(url).known) - 2
    again = invoke("db", "migrate", "--config", config)
    assert (again.exit_code, again.stdout) == (0, "the store is up to date\n")
    assert steps.total == 0


def test_db_migrate_at_a_terminal_prints_the_same_line(
    make_node: Callable[..., Node],
    database_url: Callable[[str], str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(_progress, "watched", lambda: True)
    fresh = database_url("fresh")
    config = config_of(make_node("FR:CNAV"), tmp_path, database_url=fresh)
    result = invoke("db", "migrate", "--config", config)
    assert result.exit_code == 0, result.output
    assert result.stdout == "the store is up to date\n"
    assert stored_schema(fresh).up_to_date


def test_db_migrate_refuses_a_store_a_newer_version_migrated(
    make_node: Callable[..., Node], tmp_path: Path
) -> None:
    node = make_node("FR:CNAV")
    with node.store.engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    node.store.engine.dispose()
    result = invoke("db", "migrate", "--config", config_of(node, tmp_path))
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "error: the database is at revision 9999, which this version does not know: "
        "a newer version migrated it"
    ]
    assert revision(node.settings.database_url) == "9999"
