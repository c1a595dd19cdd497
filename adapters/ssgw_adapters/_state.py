"""The webhook pusher's SQLite state.

The state is one SQLite file per pusher: the inbox cursor and one row per message the pusher
has seen (status, attempts, last error, times). It holds no document content, only ids,
institution codes and document types.
"""

from __future__ import annotations

import datetime as dt
import enum
import sqlite3
import threading
import uuid
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ssgw_adapters.client import InboxItem

__all__ = ["Delivery", "DeliveryStatus", "StateStore"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS cursor (
    name TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS delivery (
    message_id TEXT PRIMARY KEY,
    cursor INTEGER NOT NULL,
    sender TEXT NOT NULL,
    document_type TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    last_attempt_at TEXT,
    accepted_at TEXT,
    delivered_at TEXT
);
CREATE INDEX IF NOT EXISTS delivery_status ON delivery (status, cursor);
"""

_INBOX = "inbox"


class DeliveryStatus(enum.StrEnum):
    """Where a message stands with the back-office."""

    PENDING = "pending"
    """Seen, not yet taken by the back-office (or taken, and the node's ack still due)."""
    DELIVERED = "delivered"
    """The back-office answered 2xx and the node has the acknowledgement."""
    FAILED = "failed"
    """Given up after the last attempt; the message stays unacknowledged in the node's inbox."""


@dataclass(frozen=True, slots=True)
class Delivery:
    """One message's delivery record."""

    message_id: uuid.UUID
    cursor: int
    sender: str
    document_type: str
    status: DeliveryStatus
    attempts: int
    last_error: str | None
    last_attempt_at: dt.datetime | None
    accepted_at: dt.datetime | None
    """When the back-office answered 2xx; set while the node's acknowledgement may be due."""
    delivered_at: dt.datetime | None


def _text(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat(timespec="milliseconds")


def _moment(text: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(text) if text else None


def _delivery(row: sqlite3.Row) -> Delivery:
    return Delivery(
        message_id=uuid.UUID(row["message_id"]),
        cursor=int(row["cursor"]),
        sender=row["sender"],
        document_type=row["document_type"],
        status=DeliveryStatus(row["status"]),
        attempts=int(row["attempts"]),
        last_error=row["last_error"],
        last_attempt_at=_moment(row["last_attempt_at"]),
        accepted_at=_moment(row["accepted_at"]),
        delivered_at=_moment(row["delivered_at"]),
    )


class StateStore:
    """The pusher's cursor and delivery records in one SQLite file.

    Safe to share between threads of one process; other processes (``status``, ``retry``)
    may open the same file at the same time.
    """

    def __init__(self, path: Path, *, create: bool = True) -> None:
        """Open (and with ``create``, make) the state file; FileNotFoundError otherwise."""
        if not create and not path.is_file():
            raise FileNotFoundError(f"no state file at {path}")
        self.path = path
        self._lock = threading.Lock()
        self._db = sqlite3.connect(
            path, timeout=10.0, isolation_level=None, check_same_thread=False
        )
        self._db.row_factory = sqlite3.Row
        try:
            # WAL lets `status` read while the pusher writes.
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.executescript(_SCHEMA)
        except sqlite3.DatabaseError:
            self._db.close()
            raise

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> StateStore:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    # The cursor ---------------------------------------------------------------------------

    def cursor(self) -> int:
        """The inbox cursor: every message up to it is delivered or failed."""
        with self._lock:
            row = self._db.execute("SELECT value FROM cursor WHERE name = ?", (_INBOX,)).fetchone()
        return int(row["value"]) if row else 0

    def advance_cursor(self, expected: int, new: int) -> bool:
        """Move the cursor from ``expected`` to ``new``; False if someone moved it meanwhile."""
        with self._transaction() as db:
            if self._cursor_in(db) != expected:
                return False
            db.execute(
                "INSERT INTO cursor (name, value) VALUES (?, ?) "
                "ON CONFLICT (name) DO UPDATE SET value = excluded.value",
                (_INBOX, new),
            )
        return True

    @staticmethod
    def _cursor_in(db: sqlite3.Connection) -> int:
        row = db.execute("SELECT value FROM cursor WHERE name = ?", (_INBOX,)).fetchone()
        return int(row["value"]) if row else 0

    # Deliveries ---------------------------------------------------------------------------

    def delivery(self, message_id: uuid.UUID) -> Delivery | None:
        with self._lock:
            row = self._db.execute(
                "SELECT * FROM delivery WHERE message_id = ?", (str(message_id),)
            ).fetchone()
        return _delivery(row) if row else None

    def deliveries(self, status: DeliveryStatus | None = None) -> list[Delivery]:
        """The records in inbox order, optionally only those with ``status``."""
        query = "SELECT * FROM delivery"
        parameters: tuple[str, ...] = ()
        if status is not None:
            query += " WHERE status = ?"
            parameters = (status.value,)
        with self._lock:
            rows = self._db.execute(query + " ORDER BY cursor", parameters).fetchall()
        return [_delivery(row) for row in rows]

    def track(self, item: InboxItem) -> Delivery:
        """The record of an inbox item, made pending if it is new."""
        with self._transaction() as db:
            db.execute(
                "INSERT INTO delivery (message_id, cursor, sender, document_type, status) "
                "VALUES (?, ?, ?, ?, 'pending') ON CONFLICT (message_id) DO NOTHING",
                (str(item.id), item.cursor, item.sender, item.document_type),
            )
        found = self.delivery(item.id)
        assert found is not None
        return found

    def record_attempt(self, message_id: uuid.UUID, error: str | None, at: dt.datetime) -> Delivery:
        """Count one push; ``error`` is None when the back-office took the document."""
        with self._transaction() as db:
            db.execute(
                "UPDATE delivery SET attempts = attempts + 1, last_attempt_at = ?, "
                "last_error = COALESCE(?, last_error), "
                "accepted_at = CASE WHEN ? IS NULL THEN ? ELSE accepted_at END "
                "WHERE message_id = ?",
                (_text(at), error, error, _text(at), str(message_id)),
            )
        found = self.delivery(message_id)
        assert found is not None
        return found

    def mark(
        self,
        message_id: uuid.UUID,
        status: DeliveryStatus,
        at: dt.datetime,
        error: str | None = None,
    ) -> None:
        """Set a record's status (and its last error, when given)."""
        with self._transaction() as db:
            db.execute(
                "UPDATE delivery SET status = ?, last_error = COALESCE(?, last_error), "
                "delivered_at = CASE WHEN ? = 'delivered' THEN ? ELSE delivered_at END "
                "WHERE message_id = ?",
                (status.value, error, status.value, _text(at), str(message_id)),
            )

    def requeue(self, message_ids: Collection[uuid.UUID] = ()) -> list[Delivery]:
        """Make failed messages (all, or those listed) pending again with fresh attempts, and
        move the cursor back before the earliest so the pusher reads them from the node again.

        Messages delivered since are not pushed twice: the node no longer lists them.
        """
        with self._transaction() as db:
            rows = db.execute(
                "SELECT * FROM delivery WHERE status = 'failed' ORDER BY cursor"
            ).fetchall()
            chosen = [
                row
                for row in rows
                if not message_ids or uuid.UUID(row["message_id"]) in message_ids
            ]
            for row in chosen:
                db.execute(
                    "UPDATE delivery SET status = 'pending', attempts = 0, accepted_at = NULL "
                    "WHERE message_id = ?",
                    (row["message_id"],),
                )
            if chosen:
                earliest = min(int(row["cursor"]) for row in chosen) - 1
                if earliest < self._cursor_in(db):
                    db.execute(
                        "UPDATE cursor SET value = ? WHERE name = ?", (max(earliest, 0), _INBOX)
                    )
        requeued = (self.delivery(uuid.UUID(row["message_id"])) for row in chosen)
        return [found for found in requeued if found is not None]
