"""Nodes on the real store: SQLite files and PostgreSQL databases made for each test."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import URL, make_url

from gateway.codes import InstitutionId
from gateway.config import NodeSettings, load_settings
from gateway.directory import Directory
from gateway.exchange import Credentials
from gateway.node import Node
from gateway.security import KeyUse, institution_files
from gateway.store import Store, connect, migrate
from support import Clock

DATABASE_URL = os.environ.get(
    "GATEWAY_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test"
)


def node_settings(pki_dir: Path, directory_file: Path, institution: str, url: str) -> NodeSettings:
    files = institution_files(pki_dir, InstitutionId(institution))
    return load_settings(
        None,
        institution=institution,
        database_url=url,
        directory_file=str(directory_file),
        authority_certificate=str(pki_dir / "authority.pem"),
        signing_key=str(files.key(KeyUse.SIGNING)),
        signing_certificate=str(files.certificate(KeyUse.SIGNING)),
        encryption_keys=[
            {
                "key": str(files.key(KeyUse.ENCRYPTION)),
                "certificate": str(files.certificate(KeyUse.ENCRYPTION)),
            }
        ],
        receipt_timeout_seconds=10,
        max_attempts=3,
    )


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.database)])
def database_kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def database_url(database_kind: str, tmp_path: Path) -> Iterator[Callable[[str], str]]:
    """Makes an empty database for one node and returns its URL; drops it afterwards."""
    made: list[str] = []
    admin = make_url(DATABASE_URL)

    def make(label: str) -> str:
        if database_kind == "sqlite":
            return f"sqlite:///{tmp_path / (label.replace(':', '_') + '.db')}"
        name = f"ssgw_test_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(_libpq(admin), autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        made.append(name)
        return admin.set(database=name).render_as_string(hide_password=False)

    yield make
    if made:
        with psycopg.connect(_libpq(admin), autocommit=True) as connection:
            for name in made:
                connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _libpq(url: URL) -> str:
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def make_node(
    pki_dir: Path,
    signed_directory_file: Path,
    directory: Directory,
    credentials: Callable[[str], Credentials],
    database_url: Callable[[str], str],
    clock: Clock,
) -> Iterator[Callable[[str], Node]]:
    engines = []

    def make(institution: str) -> Node:
        settings = node_settings(
            pki_dir, signed_directory_file, institution, database_url(institution)
        )
        engine = connect(settings.database_url)
        engines.append(engine)
        migrate(engine)
        return Node(
            settings,
            credentials=credentials(institution),
            directory=directory,
            store=Store(engine),
            clock=clock,
        )

    yield make
    for engine in engines:
        engine.dispose()
