"""Which schema revision a store is at, compared with the newest this code knows."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine
from sqlalchemy.exc import SQLAlchemyError

from gateway.errors import StoreUnavailable
from gateway.store._backup import database_kind, sqlite_path
from gateway.store._database import alembic_config, connect, describe_database_error

__all__ = ["SchemaState", "schema_state", "stored_schema"]


@dataclass(frozen=True, slots=True)
class SchemaState:
    """The store's revisions and the code's heads (alembic revision ids)."""

    current: tuple[str, ...]
    heads: tuple[str, ...]
    known: tuple[str, ...] = ()
    #: False for a SQLite file that is not there (PostgreSQL reports a missing database
    #: as unavailable).
    exists: bool = True

    @property
    def up_to_date(self) -> bool:
        return set(self.current) == set(self.heads)

    @property
    def unknown(self) -> tuple[str, ...]:
        """Revisions in the store that this code does not know (a newer version wrote them)."""
        return tuple(sorted(set(self.current) - set(self.known)))


def schema_state(engine: Engine) -> SchemaState:
    """Read the store's revision without changing anything; StoreUnavailable if unreachable."""
    scripts = ScriptDirectory.from_config(alembic_config(engine))
    try:
        with engine.connect() as connection:
            current = MigrationContext.configure(connection).get_current_heads()
    except SQLAlchemyError as error:
        raise StoreUnavailable(
            f"the database is unavailable: {describe_database_error(error)}"
        ) from None
    return SchemaState(
        current=tuple(current),
        heads=tuple(scripts.get_heads()),
        known=tuple(script.revision for script in scripts.walk_revisions()),
    )


def stored_schema(database_url: str) -> SchemaState:
    """The schema state of the store at ``database_url``, read without writing anything: a
    SQLite file is opened read-only and never created. StoreUnavailable if unreachable."""
    path = sqlite_path(database_url) if database_kind(database_url) == "sqlite" else None
    engine = connect(database_url) if path is None else _read_only_engine(path)
    try:
        if path is not None and not path.is_file():
            scripts = ScriptDirectory.from_config(alembic_config(engine))
            return SchemaState(current=(), heads=tuple(scripts.get_heads()), exists=False)
        return schema_state(engine)
    finally:
        engine.dispose()


def _read_only_engine(path: Path) -> Engine:
    return create_engine("sqlite://", creator=lambda: _read_only(path))


def _read_only(path: Path) -> sqlite3.Connection:
    # mode=ro never creates the database, but on a database in WAL mode it creates the
    # -wal and -shm files when they are missing. They are missing only when the last
    # connection folded the log back into the file and nobody writes now; the file is then
    # complete and is read as immutable, which creates nothing.
    wal = path.with_name(path.name + "-wal")
    flag = "mode=ro" if wal.exists() else "immutable=1"
    return sqlite3.connect(f"{path.resolve().as_uri()}?{flag}", uri=True, timeout=30)
