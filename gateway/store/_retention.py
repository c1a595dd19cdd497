"""Retention: removing the payloads of settled messages once they are old enough.

A purged message keeps its row (ids, parties, status, times, size and digest), its receipts
and its trace; only ``sealed`` becomes empty and ``at_rest`` None, and a ``purged`` trace event
says when and why. Empty bytes rather than NULL keep the column's NOT NULL constraint, so no
migration is needed, and no real payload is ever empty (it is at least a compact JWE).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, func, select, update
from sqlalchemy.orm import load_only
from sqlmodel import col

from gateway.errors import PayloadPurged
from gateway.exchange import MessageStatus
from gateway.store._models import MessageRecord
from gateway.store._trace_chain import Trace, append_trace_events, trace_event
from gateway.store._transactions import Transactions

__all__ = [
    "PURGEABLE_STATUSES",
    "PURGED_STAGE",
    "Retention",
    "RetentionResult",
    "payload_purged",
    "require_payload",
]

#: The trace stage written for each purged message.
PURGED_STAGE = "purged"

#: Settled statuses: nothing more will be sent or read for the message by the node itself.
#: Accepted, sent and received messages are in flight and never purged.
PURGEABLE_STATUSES = frozenset(status for status in MessageStatus if status.is_final)


def payload_purged(record: MessageRecord) -> bool:
    """Whether retention removed this message's payload."""
    return not record.sealed


def require_payload(record: MessageRecord) -> None:
    """Raise :class:`PayloadPurged` when the message's payload is gone."""
    if payload_purged(record):
        raise PayloadPurged(
            f"the payload of message {record.message_id} was purged by retention; "
            "its metadata, digest, receipts and trace are kept"
        )


@dataclass(frozen=True, slots=True)
class RetentionResult:
    """What a run found (``due``) and removed (``purged``; 0 in a dry run)."""

    due: int
    purged: int


class Retention(Transactions):
    """Purges payloads in batches, each batch one transaction."""

    writes_trace = True

    def _due(self, before: dt.datetime, keep_types: Collection[str]) -> ColumnElement[bool]:
        return and_(
            col(MessageRecord.status).in_(sorted(PURGEABLE_STATUSES)),
            col(MessageRecord.updated_at) < before,
            func.length(col(MessageRecord.sealed)) > 0,
            col(MessageRecord.document_type).not_in(sorted(keep_types)),
        )

    def count_due(self, before: dt.datetime, keep_types: Collection[str] = ()) -> int:
        """How many messages settled before ``before`` still hold a payload."""
        with self.reading() as session:
            return int(
                session.scalar(
                    select(func.count())
                    .select_from(MessageRecord)
                    .where(self._due(before, keep_types))
                )
                or 0
            )

    def purge_batch(
        self,
        before: dt.datetime,
        *,
        now: dt.datetime,
        limit: int,
        keep_types: Collection[str] = (),
        detail: str = "",
    ) -> int:
        """Purge up to ``limit`` due messages, oldest rows first, in one transaction;
        returns how many. The conditions are checked again under the row locks, so a message
        retried or changed meanwhile is left alone."""
        with self.writing() as session:
            # Only the ids are loaded: the payloads may be large and are about to go.
            records = list(
                session.scalars(
                    select(MessageRecord)
                    .options(
                        load_only(
                            MessageRecord.id,  # type: ignore[arg-type]
                            MessageRecord.message_id,  # type: ignore[arg-type]
                            MessageRecord.case_id,  # type: ignore[arg-type]
                        )
                    )
                    .where(self._due(before, keep_types))
                    .order_by(col(MessageRecord.id))
                    .limit(limit)
                    .with_for_update()
                )
            )
            if not records:
                return 0
            session.execute(
                update(MessageRecord)
                .where(col(MessageRecord.id).in_([record.id for record in records]))
                .values(sealed=b"", at_rest=None)
                .execution_options(synchronize_session=False)
            )
            trace = Trace(PURGED_STAGE, detail)
            append_trace_events(session, [trace_event(record, trace, now) for record in records])
            return len(records)

    def run(
        self,
        days: float,
        *,
        now: dt.datetime,
        keep_types: Collection[str] = (),
        dry_run: bool = False,
        batch: int = 500,
        progress: Callable[[int, int], None] | None = None,
    ) -> RetentionResult:
        """Purge the payloads of messages settled more than ``days`` ago.

        ``progress(purged so far, due at the start)`` is called after each batch.
        """
        before = now - dt.timedelta(days=days)
        due = self.count_due(before, keep_types)
        if dry_run or not due:
            return RetentionResult(due=due, purged=0)
        purged = 0
        detail = f"payload removed by retention after {days:g} days"
        while True:
            done = self.purge_batch(
                before, now=now, limit=batch, keep_types=keep_types, detail=detail
            )
            if not done:
                break
            purged += done
            if progress is not None:
                progress(purged, due)
        return RetentionResult(due=due, purged=purged)
