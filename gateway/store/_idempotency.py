"""Idempotency keys: a back-office's retried submit is answered as its first try was.

A key is written in the transaction that stores the message its submit created (see
:meth:`Store.add_message`), so a crash leaves both or neither. The unique (client, key)
constraint decides between concurrent submits under one key: the first to commit keeps it, and
the others' transactions store nothing. A key lives for the node's ``idempotency_key_hours``;
then it is purged, and until then an expired key counts as absent.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import bindparam, delete, select
from sqlalchemy.dialects.postgresql import insert as postgres_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col

from gateway.errors import IdempotencyKeyReused
from gateway.store._models import IdempotencyRecord, insert_values, table_of
from gateway.store._transactions import Transactions

__all__ = ["IdempotencyKey", "IdempotencyKeyTaken", "IdempotencyKeys", "hold_key"]

_KEYS = table_of(IdempotencyRecord)
_ONE_KEY = (_KEYS.c.client_id == bindparam("client"), _KEYS.c.key == bindparam("key"))
# Insert-or-nothing: a concurrent submit under the same key waits for the first to commit or
# roll back, then finds the key taken or free, and no error aborts its transaction.
# The key's row number comes back only when the row was written (a row count may say -1).
_HOLD = {
    "sqlite": sqlite_insert(_KEYS)
    .on_conflict_do_nothing(index_elements=["client_id", "key"])
    .returning(_KEYS.c.id),
    "postgresql": postgres_insert(_KEYS)
    .on_conflict_do_nothing(index_elements=["client_id", "key"])
    .returning(_KEYS.c.id),
}
_EXPIRED = delete(_KEYS).where(*_ONE_KEY, _KEYS.c.expires_at <= bindparam("now"))
_LIVE = select(IdempotencyRecord).where(
    col(IdempotencyRecord.client_id) == bindparam("client"),
    col(IdempotencyRecord.key) == bindparam("key"),
    col(IdempotencyRecord.expires_at) > bindparam("now"),
)


@dataclass(frozen=True, slots=True)
class IdempotencyKey:
    """An idempotency key as one API client sent it, and the digest of the request it came
    with (see :attr:`IdempotencyRecord.digest`)."""

    client: int
    key: str
    digest: str


class IdempotencyKeyTaken(Exception):
    """Another submit stored its message under the same client and key first; this one's
    transaction stored nothing."""


def hold_key(session: Session, record: IdempotencyRecord, now: dt.datetime) -> None:
    """Write a key in the session's transaction. An expired key not yet purged gives way; a
    live one raises :class:`IdempotencyKeyTaken`."""
    connection = session.connection()
    connection.execute(_EXPIRED, {"client": record.client_id, "key": record.key, "now": now})
    held = connection.execute(_HOLD[connection.dialect.name], insert_values(_KEYS, record))
    if held.first() is None:
        raise IdempotencyKeyTaken(record.key)


class IdempotencyKeys(Transactions):
    """The keys API clients sent with their submits, read and forgotten."""

    def find(self, key: IdempotencyKey, now: dt.datetime) -> IdempotencyRecord | None:
        """The live record of this client's key, if any.

        Raises :class:`IdempotencyKeyReused` when the key came first with another request.
        """
        with self.reading() as session:
            record = session.scalars(
                _LIVE, {"client": key.client, "key": key.key, "now": now}
            ).first()
        if record is not None and record.digest != key.digest:
            raise IdempotencyKeyReused(
                "this Idempotency-Key came first with another request; a new request needs a "
                "new key"
            )
        return record

    def purge(self, now: dt.datetime) -> int:
        """Forget the keys expired at ``now``; returns how many."""
        with self.writing() as session:
            purged = session.connection().execute(delete(_KEYS).where(_KEYS.c.expires_at <= now))
            return purged.rowcount
