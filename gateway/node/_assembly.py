"""Building a node from its settings: keys, directory and store, each checked at start."""

from __future__ import annotations

import datetime as dt

from gateway.config import NodeSettings
from gateway.directory import Directory, load_directory
from gateway.errors import ConfigurationError, DirectoryError
from gateway.exchange import Credentials
from gateway.node._service import Node
from gateway.security import KeyUse, load_certificate
from gateway.store import Store, connect, migrate

__all__ = ["load_credentials", "load_network_directory", "open_node"]


def load_credentials(settings: NodeSettings) -> Credentials:
    passphrase = None
    if settings.key_passphrase_file is not None:
        try:
            passphrase = settings.key_passphrase_file.read_bytes().rstrip(b"\r\n") or None
        except OSError as error:
            raise ConfigurationError(
                f"key_passphrase_file {settings.key_passphrase_file}: {error.strerror}"
            ) from None
    credentials = Credentials.from_files(
        signing_key=settings.signing_key,
        signing_certificate=settings.signing_certificate,
        encryption_keys=[(pair.key, pair.certificate) for pair in settings.encryption_keys],
        passphrase=passphrase,
    )
    if credentials.institution != settings.institution_id:
        raise ConfigurationError(
            f"signing_certificate belongs to {credentials.institution}, "
            f"but institution is {settings.institution}"
        )
    return credentials


def load_network_directory(settings: NodeSettings) -> Directory:
    try:
        data = settings.directory_file.read_bytes()
    except OSError as error:
        raise ConfigurationError(
            f"directory_file {settings.directory_file}: {error.strerror}"
        ) from None
    directory = load_directory(data, load_certificate(settings.authority_certificate))
    if settings.institution_id not in directory.institutions:
        raise DirectoryError(
            f"the directory does not list this node's institution {settings.institution}"
        )
    return directory


def open_node(settings: NodeSettings) -> Node:
    """Load keys and directory, connect and migrate the store, and return the node."""
    credentials = load_credentials(settings)
    directory = load_network_directory(settings)
    engine = connect(settings.database_url)
    migrate(engine)
    node = Node(settings, credentials=credentials, directory=directory, store=Store(engine))
    # Fail at start, not at the first message, when the directory lacks our own certificate.
    node.directory.certificates(settings.institution_id, KeyUse.SIGNING, dt.datetime.now(dt.UTC))
    return node
