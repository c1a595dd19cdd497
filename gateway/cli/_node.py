"""ssgw run | apikey create, list, revoke | message list, retry | db migrate: running and
administering a node."""

from __future__ import annotations

import datetime as dt
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy import Engine

from gateway.cli._common import (
    JsonOption,
    print_json,
    reported_errors,
    require_current_schema,
)
from gateway.cli._progress import progress
from gateway.config import NodeSettings, load_settings
from gateway.errors import ConfigurationError
from gateway.exchange import Direction, MessageStatus
from gateway.node import (
    DEFAULT_PAGE_SIZE,
    Actions,
    MessageFilter,
    MessageRow,
    NotRetryable,
    Reading,
)
from gateway.server import serve
from gateway.store import ApiClient, Role, Store, connect, migrate

# Private to the store, which has no way of migrating one revision at a time yet: the
# command that migrates shows each revision as it is applied.

__all__ = ["apikey_app", "db_app", "demo", "message_app", "opened_store", "run"]

#: More worker processes than this is a typing error, not a node.
_MAX_WORKERS = 64

ConfigOption = Annotated[
    Path | None,
    typer.Option("--config", "-c", help="The node's TOML settings (GATEWAY_* variables override)."),
]

apikey_app = typer.Typer(no_args_is_help=True)
db_app = typer.Typer(no_args_is_help=True)


@contextmanager
def opened_store(config: Path | None, *, migrating: bool = False) -> Iterator[Store]:
    """The store of the node a settings file describes; its connections are closed when the
    block ends. With ``migrating`` it is brought up to date first; without, a store whose
    schema is missing or not this version's is refused (ConfigurationError) and untouched."""
    with _store(load_settings(config), migrating=migrating) as store:
        yield store


@contextmanager
def _reading(config: Path | None) -> Iterator[Reading]:
    """The read side of the node a settings file describes, over its store as it is: a store
    whose schema is missing or not this version's is refused, never migrated."""
    settings = load_settings(config)
    with _store(settings, migrating=False) as store:
        # No decryption keys: the listings read header fields, never a sealed document, so
        # they need neither the private keys nor their passphrase.
        yield Reading(store, settings, (), clock=_utcnow)


@contextmanager
def _store(settings: NodeSettings, *, migrating: bool) -> Iterator[Store]:
    database_url = settings.database_url
    if not migrating:
        require_current_schema(database_url)
    engine = connect(database_url)
    try:
        if migrating:
            migrate(engine)
        yield Store(engine)
    finally:
        engine.dispose()


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _moment(value: dt.datetime) -> str:
    return value.isoformat(timespec="seconds")


def run(
    config: ConfigOption = None,
    workers: Annotated[
        str,
        typer.Option(
            help="Worker processes, each a whole node on the one API port, store and queue: "
            "a number, or 'auto' for one per core. More than one needs PostgreSQL.",
        ),
    ] = "1",
) -> None:
    """Run the node: REST API, bus consumer and relay, until SIGTERM or Ctrl-C."""
    with reported_errors():
        settings = load_settings(config)
        count = _worker_count(workers)
        if count > 1 and settings.database_url.startswith("sqlite"):
            raise ConfigurationError(
                f"--workers {workers}: a SQLite store has one writer, and {count} processes would "
                "wait on it in turn; use PostgreSQL, or one worker"
            )
        serve(settings, workers=count)


def _worker_count(given: str) -> int:
    """``--workers``: a number from 1 to 64, or ``auto``, one per core this process may use."""
    if given == "auto":
        return max(len(os.sched_getaffinity(0)), 1)
    if not given.isdigit() or not 1 <= int(given) <= _MAX_WORKERS:
        raise ConfigurationError(
            f"--workers must be a number from 1 to {_MAX_WORKERS} or 'auto', not {given!r}"
        )
    return int(given)


@apikey_app.command("create")
def create_api_key(
    name: Annotated[str, typer.Argument(help="Which back-office system the key is for.")],
    config: ConfigOption = None,
    role: Annotated[
        Role,
        typer.Option(
            help="operator: no personal data (evidence without the document, no protected "
            "person found); auditor: reads it.",
            case_sensitive=False,
        ),
    ] = Role.OPERATOR,
) -> None:
    """Create an API key for a back-office system; it is shown once, only its hash is kept."""
    with reported_errors():
        # Creating the first key is part of setting a node up, so it may create the schema.
        with opened_store(config, migrating=True) as store:
            key = Actions(store).create_api_key(name, role)
        typer.echo(key)


@apikey_app.command("list")
def list_api_keys(config: ConfigOption = None, as_json: JsonOption = False) -> None:
    """List the back-office API keys: whose, when created, whether revoked, with which role;
    never a key."""
    with reported_errors(), _reading(config) as reading:
        keys = [_api_key_report(client) for client in reading.api_clients()]
    if as_json:
        print_json({"api_keys": keys})
        return
    for key in keys:
        state = f"revoked {key['revoked_at']}" if key["revoked_at"] else "active"
        typer.echo(f"{key['name']}\t{key['id']}\t{key['created_at']}\t{state}\t{key['role']}")


def _api_key_report(client: ApiClient) -> dict[str, object]:
    """What may be shown of a client, for both outputs: never the hash of its key, from
    which a key could be told apart from others or checked offline."""
    revoked = client.revoked_at
    return {
        "name": client.name,
        "id": client.id,
        "created_at": _moment(client.created_at),
        "role": client.role,
        "revoked_at": _moment(revoked) if revoked else None,
        "state": "revoked" if revoked else "active",
    }


@apikey_app.command("revoke")
def revoke_api_key(
    name: Annotated[str, typer.Argument(help="The back-office system whose key to revoke.")],
    config: ConfigOption = None,
) -> None:
    """Revoke a back-office system's API key at once."""
    with reported_errors():
        with opened_store(config) as store:
            revoked = Actions(store).revoke_api_key(name)
        if not revoked:
            raise ConfigurationError(f"no active API key is named {name!r}")
        typer.echo(f"the API key of {name} is revoked")


message_app = typer.Typer(no_args_is_help=True)


@message_app.command("list")
def list_messages(
    config: ConfigOption = None,
    direction: Annotated[
        Direction | None,
        typer.Option(help="Only messages sent (out) or received (in).", case_sensitive=False),
    ] = None,
    status: Annotated[
        MessageStatus | None,
        typer.Option(help="Only messages in this status.", case_sensitive=False),
    ] = None,
    limit: Annotated[
        int, typer.Option(min=1, max=10_000, help="How many of the latest messages to show.")
    ] = DEFAULT_PAGE_SIZE,
    as_json: JsonOption = False,
) -> None:
    """List the latest messages sent and received, newest first: their headers, never a
    document."""
    wanted = MessageFilter(
        direction=direction,
        statuses=frozenset({status} if status else ()),
        limit=limit,
    )
    with reported_errors(), _reading(config) as reading:
        rows = [_message_report(row) for row in reading.messages(wanted).rows]
    if as_json:
        print_json({"messages": rows})
        return
    for row in rows:
        typer.echo("\t".join(str(value) for value in row.values()))


def _message_report(row: MessageRow) -> dict[str, object]:
    # The table prints these values in this order.
    return {
        "message_id": str(row.message_id),
        "direction": row.direction.value,
        "partner": row.partner,
        "document_type": row.document_type,
        "status": row.status.value,
        "case_id": str(row.case_id),
        "created_at": _moment(row.created_at),
    }


@message_app.command("retry")
def retry_message(
    message_id: Annotated[str, typer.Argument(help="The failed message's id.")],
    config: ConfigOption = None,
) -> None:
    """Send a failed message again: same id, same sealed bytes, attempts counted anew."""
    with reported_errors(), opened_store(config) as store:
        try:
            wanted = uuid.UUID(message_id)
        except ValueError:
            raise ConfigurationError(f"{message_id!r} is not a message id") from None
        try:
            Actions(store).retry_sent(wanted, by="from the command line")
        except NotRetryable as error:
            # Naming a message that cannot be retried is a mistake in the command, as a
            # malformed id is.
            raise ConfigurationError(error.detail) from None
        typer.echo(f"message {message_id} is queued again; the running node sends it")


@db_app.command("migrate")
def migrate_store(config: ConfigOption = None) -> None:
    """Bring the store's schema up to date (the node also does this at start)."""
    with reported_errors():
        database_url = load_settings(config).database_url
        engine = connect(database_url)
        try:
            _migrate_showing_progress(engine)
        finally:
            engine.dispose()
        typer.echo("the store is up to date")


def _migrate_showing_progress(engine: Engine) -> None:
    """:func:`migrate`, moving a bar on by one for each revision applied."""
    with progress("migrating the store", None) as advance:
        migrate(engine, on_revision=lambda done, total: advance(min(done, 1), total=total))


def demo(
    folder: Annotated[Path, typer.Option(help="Where the demo network's files go.")] = Path("demo"),
    once: Annotated[
        bool,
        typer.Option(
            "--once", help="Play the scenarios, stop, and exit 0 only if all went as expected."
        ),
    ] = False,
    base_port: Annotated[int, typer.Option(min=1024, max=65000)] = 8101,
    amqp_url: Annotated[str, typer.Option(help="The RabbitMQ to use.")] = (
        "amqp://guest:guest@127.0.0.1:5672/"
    ),
    namespace: Annotated[
        str, typer.Option(help="Prefix of the bus's exchange and queue names.")
    ] = "ssgw.",
) -> None:
    """Start a network of five institutions' nodes and play real exchanges through them."""
    from gateway.cli._progress import progress
    from gateway.demo import run_demo

    with reported_errors():
        result = run_demo(
            folder,
            once=once,
            base_port=base_port,
            amqp_url=amqp_url,
            namespace=namespace,
            show_progress=progress,
        )
    if result.failures:
        raise typer.Exit(1)
