"""Connecting to the store and bringing its schema up to date (alembic migrations)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.exc import SQLAlchemyError

from gateway.errors import ConfigurationError, StoreUnavailable

__all__ = ["READ_ONLY", "connect", "describe_database_error", "migrate"]

#: Execution option of the transactions that only read.
READ_ONLY = "ssgw_read_only"

_MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def connect(url: str, *, echo: bool = False) -> Engine:
    """An engine for a SQLite file or PostgreSQL; the same code serves both."""
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    # A server connection may have been dropped while idle in the pool; a SQLite file cannot,
    # so a ping there would be one more statement per transaction for nothing.
    options: dict[str, Any] = {"echo": echo, "pool_pre_ping": not url.startswith("sqlite")}
    if url.startswith("sqlite"):
        # isolation_level None stops the driver from beginning transactions on its own
        # (it would only begin at the first write, after the reads a change is based on).
        options["connect_args"] = {
            "check_same_thread": False,
            "timeout": 30,
            "isolation_level": None,
        }
    try:
        engine = create_engine(url, **options)
    except (SQLAlchemyError, ImportError, ValueError) as error:
        raise ConfigurationError(f"database_url is not usable: {error}") from None
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
    return engine


def _sqlite_begin(connection: Any) -> None:
    # A transaction that writes takes SQLite's write lock when it starts, so what it read
    # cannot change before it writes: the read-then-update of a message's status is never
    # lost. SQLite has one writer at a time anyway. Read-only transactions take a snapshot
    # and no lock, so with WAL they never wait for a writer.
    if connection.get_execution_options().get(READ_ONLY):
        connection.exec_driver_sql("BEGIN")
    else:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    cursor = connection.cursor()
    # WAL lets readers (the API, the console) run while the relay and consumer write.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


#: The PostgreSQL advisory lock that one migration of a store holds at a time (any fixed
#: number; "ssgw" in ASCII).
_MIGRATING = 0x73736777


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def migrate(engine: Engine, on_revision: Callable[[int, int], object] | None = None) -> None:
    """Apply every migration the store lacks, oldest first, in one transaction. Safe to run
    at every start. ``on_revision(done, total)`` hears of each revision applied (and of none,
    first), for a progress bar. ConfigurationError for a store a newer version migrated."""
    report = on_revision or (lambda done, total: None)
    try:
        with engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                # Several workers or replicas starting at once on a new database would each
                # create the same tables; the first migrates, the others wait, then find
                # nothing left to do. The lock ends with the transaction.
                connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATING})
            config = alembic_config(engine)
            config.attributes["connection"] = connection
            pending = _pending_revisions(connection, ScriptDirectory.from_config(config))
            report(0, len(pending))
            for done, revision in enumerate(pending, start=1):
                command.upgrade(config, revision)
                report(done, len(pending))
    except SQLAlchemyError as error:
        raise StoreUnavailable(
            f"cannot migrate the store: {describe_database_error(error)}"
        ) from None


def _pending_revisions(connection: Connection, scripts: ScriptDirectory) -> list[str]:
    """The revisions between the store's and this version's head, oldest first; read in the
    transaction that applies them, so that they are the ones it applies."""
    current = tuple(MigrationContext.configure(connection).get_current_heads())
    unknown = sorted(set(current) - {script.revision for script in scripts.walk_revisions()})
    if unknown:
        # There is no path from a newer version's revision to ours.
        raise ConfigurationError(newer_version_problem(unknown))
    return [
        script.revision for script in reversed(list(scripts.iterate_revisions("heads", current)))
    ]


def newer_version_problem(unknown: Sequence[str]) -> str:
    """What is wrong with a store at revisions this version does not know, in one line."""
    return (
        f"the database is at revision {', '.join(unknown)}, which this version does not know: "
        "a newer version migrated it"
    )


def describe_database_error(error: SQLAlchemyError) -> str:
    """The driver's first line: it names the problem without the SQL or its parameters."""
    text = str(getattr(error, "orig", None) or error)
    return text.strip().splitlines()[0] if text.strip() else type(error).__name__
