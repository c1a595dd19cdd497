"""ssgw broker definitions: the RabbitMQ users, permissions and topology of a network."""

from __future__ import annotations

import datetime as dt
import json
import secrets
from pathlib import Path
from typing import Annotated

import typer

from gateway.cli._common import reported_errors, write_output
from gateway.cli._directory import open_directory
from gateway.transport import TransportSettings, broker_definitions, rabbit_password_hash

__all__ = ["broker_app"]

broker_app = typer.Typer(no_args_is_help=True)


@broker_app.command("definitions")
def definitions(
    directory: Annotated[Path, typer.Option(help="The signed network directory.")],
    authority: Annotated[Path, typer.Option(help="The network authority's certificate.")],
    out: Annotated[Path, typer.Option(help="Folder for definitions.json and the passwords.")],
    exchange: str = "ssgw.network",
    queue_prefix: str = "ssgw.",
    dead_letter_exchange: str = "ssgw.dead-letter",
    vhost: str = "/",
) -> None:
    """Write RabbitMQ definitions with one user per institution, each fenced to its own queue,
    and each user's new password in its own file (mode 0600) for that institution's node."""
    with reported_errors():
        now = dt.datetime.now(dt.UTC)
        network = open_directory(directory, authority, now)
        settings = TransportSettings(
            exchange=exchange, queue_prefix=queue_prefix, dead_letter_exchange=dead_letter_exchange
        )
        users: dict[str, tuple[str, str]] = {}
        addressable: dict[str, list[str]] = {}
        for institution in network.institutions.values():
            password = secrets.token_urlsafe(24)
            users[institution.routing_key] = (
                institution.routing_key,
                rabbit_password_hash(password),
            )
            addressable[institution.routing_key] = [
                network.institution(partner).routing_key
                for partner in network.partners(institution.id, now.date())
            ]
            write_output(out / "passwords" / institution.routing_key, password.encode())
        document = broker_definitions(settings, users, addressable, vhost)
        write_output(out / "definitions.json", json.dumps(document, indent=2).encode())
        typer.echo(
            f"{len(users)} broker users, their queues and permissions written to {out}; "
            "load with 'rabbitmqctl import_definitions'"
        )
