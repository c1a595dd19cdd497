"""The audit log: every console action, hash-chained so that no row can be edited or removed
unnoticed.

Row *n* stores ``hash_n = SHA-256(hash_(n-1) || canonical fields of row n)``, with 64 zeros
before the first row (:func:`gateway.security.chain_hash`). The head row (``audit_chain``)
records the chain's length and newest hash, so removing the newest rows breaks the chain too.
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import Engine, func, select, update
from sqlmodel import Session, col

from gateway.security import GENESIS
from gateway.security import chain_hash as link_hash
from gateway.store import (
    AuditChainHead,
    AuditEvent,
    ChainReport,
    Transactions,
    chained_rows,
    walk_chain,
)

__all__ = ["GENESIS", "ChainReport", "append_event", "chain_hash", "verify_chain"]

_HEAD_ID = 1
_DETAIL_LIMIT = 1000


def chain_hash(previous: str, event: AuditEvent) -> str:
    """The hash a row must hold, given the hash of the row before it."""
    return link_hash(
        previous,
        {
            "id": event.id,
            "at": event.at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
            "actor": event.actor,
            "role": event.role,
            "action": event.action,
            "message_id": str(event.message_id) if event.message_id else None,
            "detail": event.detail,
        },
    )


def append_event(
    session: Session,
    *,
    at: dt.datetime,
    actor: str,
    role: str,
    action: str,
    message_id: uuid.UUID | None = None,
    detail: str = "",
) -> AuditEvent:
    """Append one event in the caller's transaction, so it commits with what it records."""
    # Taking the head row's write lock first serialises appenders (a row lock on PostgreSQL,
    # the database's write lock on SQLite): two actions can never chain to the same row.
    locked = session.execute(
        update(AuditChainHead)
        .where(col(AuditChainHead.id) == _HEAD_ID)
        .values(length=col(AuditChainHead.length) + 1)
    )
    head = session.scalars(
        select(AuditChainHead)
        .where(col(AuditChainHead.id) == _HEAD_ID)
        .execution_options(populate_existing=True)
    ).first()
    if locked.rowcount == 0 or head is None:  # type: ignore[attr-defined]
        # The head row is gone (deleted by hand): start it again from the newest row, so
        # actions can still be recorded; verify_chain still checks every link.
        newest = session.scalars(select(AuditEvent).order_by(col(AuditEvent.id).desc())).first()
        count = int(session.scalar(select(func.count()).select_from(AuditEvent)) or 0)
        head = AuditChainHead(
            id=_HEAD_ID, length=count + 1, head_hash=newest.hash if newest else GENESIS
        )
        session.add(head)
    event = AuditEvent(
        at=at,
        actor=actor[:100],
        role=role[:16],
        action=action[:50],
        message_id=message_id,
        detail=detail[:_DETAIL_LIMIT],
        prev_hash=head.head_hash,
        hash="",
    )
    session.add(event)
    session.flush()  # assigns the id, which the hash covers
    event.hash = chain_hash(head.head_hash, event)
    head.head_hash = event.hash
    session.flush()
    return event


def verify_chain(engine: Engine) -> ChainReport:
    """Recompute every link, oldest first, and name the first row that does not verify."""
    report = walk_chain(chained_rows(engine, AuditEvent), chain_hash)
    if not report.ok:
        return report
    checked, previous = report.checked, report.head_hash
    with Transactions(engine).reading() as session:
        head = session.get(AuditChainHead, _HEAD_ID)
    if head is None:
        return ChainReport(checked, previous, None, "the chain's head row is missing")
    if head.length != checked or head.head_hash != previous:
        return ChainReport(
            checked,
            previous,
            None,
            f"the chain ends after {checked} rows but its head records {head.length}: "
            "the newest rows were deleted or the head was changed",
        )
    return report
