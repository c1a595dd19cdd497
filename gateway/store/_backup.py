"""Consistent copies of a running node's store, and putting them back.

SQLite: sqlite3's online backup API copies a consistent snapshot while the node keeps
writing. PostgreSQL: ``pg_dump`` in its custom format, and ``pg_restore`` in one transaction
(the PostgreSQL client tools must be installed). Passwords go to the tools in ``PGPASSWORD``,
never on their command line, where other users of the host could read them.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy import inspect
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from gateway.errors import ConfigurationError, StoreUnavailable
from gateway.store._database import connect, describe_database_error

__all__ = [
    "copy_sqlite",
    "database_kind",
    "dump_postgresql",
    "is_empty",
    "restore_postgresql",
    "sqlite_path",
]


def _url(database_url: str) -> URL:
    try:
        return make_url(database_url)
    except ArgumentError:
        raise ConfigurationError(f"database_url is not a URL: {database_url!r}") from None


def database_kind(database_url: str) -> str:
    """``sqlite`` or ``postgresql``."""
    return _url(database_url).get_backend_name()


def sqlite_path(database_url: str) -> Path:
    """The file of a SQLite URL."""
    name = _url(database_url).database
    if not name or name == ":memory:":
        raise ConfigurationError("database_url names no SQLite file")
    return Path(name)


def copy_sqlite(database_url: str, target: Path) -> None:
    """Copy a SQLite store to ``target`` (a new file), consistent even while it is written."""
    source_path = sqlite_path(database_url)
    if not source_path.is_file():
        raise ConfigurationError(f"the store {source_path} does not exist")
    try:
        source = sqlite3.connect(f"{source_path.resolve().as_uri()}?mode=ro", uri=True, timeout=30)
        try:
            copy = sqlite3.connect(target)
            try:
                source.backup(copy)
                # A self-contained file: no write-ahead log to carry along.
                copy.execute("PRAGMA journal_mode=DELETE")
            finally:
                copy.close()
        finally:
            source.close()
    except sqlite3.Error as error:
        raise StoreUnavailable(f"cannot copy the store {source_path}: {error}") from None


def _libpq(database_url: str) -> tuple[str, dict[str, str]]:
    """A libpq URI without the password, and the environment that carries it."""
    url = _url(database_url)
    environment = dict(os.environ)
    if url.password is not None:
        environment["PGPASSWORD"] = str(url.password)
    uri = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    return uri, environment


def _run(tool: str, arguments: list[str], environment: dict[str, str]) -> None:
    executable = shutil.which(tool)
    if executable is None:
        raise ConfigurationError(
            f"{tool} is not installed; install the PostgreSQL client tools (postgresql-client)"
        )
    result = subprocess.run(
        [executable, *arguments], env=environment, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        reason = lines[0] if lines else f"exit code {result.returncode}"
        raise StoreUnavailable(f"{tool} failed: {reason}")


def dump_postgresql(database_url: str, target: Path) -> None:
    """``pg_dump`` a PostgreSQL store to ``target`` in the custom format (one snapshot)."""
    uri, environment = _libpq(database_url)
    _run("pg_dump", ["--format=custom", f"--file={target}", uri], environment)


def restore_postgresql(database_url: str, dump: Path, *, clean: bool = False) -> None:
    """``pg_restore`` a dump into a database, all of it in one transaction or nothing.

    ``clean`` drops the objects the dump holds first (restoring over an existing store).
    """
    uri, environment = _libpq(database_url)
    options = ["--no-owner", "--no-privileges", "--single-transaction", "--exit-on-error"]
    if clean:
        options += ["--clean", "--if-exists"]
    _run("pg_restore", [*options, f"--dbname={uri}", str(dump)], environment)


def is_empty(database_url: str) -> bool:
    """Whether the database has no tables yet (a SQLite file that does not exist is empty)."""
    if database_kind(database_url) == "sqlite":
        path = sqlite_path(database_url)
        if not path.exists() or path.stat().st_size == 0:
            return True
    engine = connect(database_url)
    try:
        with engine.connect() as connection:
            return not inspect(connection).get_table_names()
    except SQLAlchemyError as error:
        raise StoreUnavailable(
            f"the database is unavailable: {describe_database_error(error)}"
        ) from None
    finally:
        engine.dispose()
