"""Transactions on the store: one place that opens them and translates database errors."""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError, OperationalError, SQLAlchemyError
from sqlmodel import Session

from gateway.errors import StoreUnavailable
from gateway.store._database import READ_ONLY, describe_database_error
from gateway.store._trace_chain import hold_chain

__all__ = ["Transactions"]

# One lock per SQLite engine, shared by every Transactions object on it (store, accounts).
_SQLITE_WRITERS: weakref.WeakKeyDictionary[Engine, threading.RLock] = weakref.WeakKeyDictionary()
_SQLITE_WRITERS_LOCK = threading.Lock()


def _writer_lock(engine: Engine) -> threading.RLock | nullcontext[None]:
    """SQLite takes one writer at a time, and a writer that finds the database locked sleeps
    in its busy handler for up to 100 ms before it looks again. Threads of one process queue
    on a lock of their own instead, and each starts the moment the one before commits."""
    if engine.dialect.name != "sqlite":
        return nullcontext()
    with _SQLITE_WRITERS_LOCK:
        return _SQLITE_WRITERS.setdefault(engine, threading.RLock())


class Transactions:
    """Opens the sessions of every class that keeps state in the store (the node's store,
    the console's accounts). Each ``with`` block is one transaction: all of it or nothing.

    Database faults become :class:`StoreUnavailable`; an ``IntegrityError`` passes through
    for the caller to say which constraint its input broke.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        # Read-only transactions need no write lock (see gateway.store._database).
        self._reader = engine.execution_options(**{READ_ONLY: True})
        self._writer = _writer_lock(engine)

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A transaction that only reads."""
        with self._open(self._reader) as session:
            yield session

    #: Whether this class's transactions write trace events: on PostgreSQL they then take the
    #: trace chain's head first (see ``hold_chain``); SQLite has one writer at a time anyway.
    writes_trace = False

    @contextmanager
    def writing(self) -> Iterator[Session]:
        """A transaction that may write."""
        with self._writer, self._open(self.engine) as session:
            if self.writes_trace and self.engine.dialect.name == "postgresql":
                hold_chain(session)
            yield session

    @contextmanager
    def _open(self, bind: Engine) -> Iterator[Session]:
        try:
            with Session(bind, expire_on_commit=False) as session, session.begin():
                yield session
        except IntegrityError:
            raise
        except OperationalError as error:
            raise StoreUnavailable(
                f"the database is unavailable: {describe_database_error(error)}"
            ) from None
        except SQLAlchemyError as error:
            raise StoreUnavailable(
                f"the database refused the change: {describe_database_error(error)}"
            ) from None
