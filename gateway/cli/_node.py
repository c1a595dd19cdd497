"""ssgw run | apikey create | db migrate: running and administering a node."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

from gateway.cli._common import reported_errors, require_current_schema
from gateway.config import load_settings
from gateway.errors import ConfigurationError
from gateway.node import Actions, NotRetryable
from gateway.server import serve
from gateway.store import Store, connect, migrate

__all__ = ["apikey_app", "db_app", "demo", "message_app", "opened_store", "run"]

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
    database_url = load_settings(config).database_url
    if not migrating:
        require_current_schema(database_url)
    engine = connect(database_url)
    try:
        if migrating:
            migrate(engine)
        yield Store(engine)
    finally:
        engine.dispose()


def run(config: ConfigOption = None) -> None:
    """Run the node: REST API, bus consumer and relay in one process, until SIGTERM or Ctrl-C."""
    with reported_errors():
        settings = load_settings(config)
        serve(settings)


@apikey_app.command("create")
def create_api_key(
    name: Annotated[str, typer.Argument(help="Which back-office system the key is for.")],
    config: ConfigOption = None,
) -> None:
    """Create an API key for a back-office system; it is shown once, only its hash is kept."""
    with reported_errors():
        # Creating the first key is part of setting a node up, so it may create the schema.
        with opened_store(config, migrating=True) as store:
            key = Actions(store).create_api_key(name)
        typer.echo(key)


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
        engine = connect(load_settings(config).database_url)
        try:
            migrate(engine)
        finally:
            engine.dispose()
        typer.echo("the store is up to date")


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
