"""Which schema revision a store is at, compared with the newest this code knows."""

from __future__ import annotations

from dataclasses import dataclass

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from gateway.errors import StoreUnavailable
from gateway.store._database import alembic_config, describe_database_error

__all__ = ["SchemaState", "schema_state"]


@dataclass(frozen=True, slots=True)
class SchemaState:
    """The store's revisions and the code's heads (alembic revision ids)."""

    current: tuple[str, ...]
    heads: tuple[str, ...]
    known: tuple[str, ...] = ()

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
