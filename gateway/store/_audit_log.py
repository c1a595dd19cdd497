"""The audit log's rows: appending one, hash-chained, in the caller's transaction.

Row *n* stores ``hash_n = SHA-256(hash_(n-1) || canonical fields of row n)``, with 64 zeros
before the first row (:func:`gateway.security.chain_hash`). The console writes its actions
here, and the node its searches by person, so both land in one chain.
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import func, select, update
from sqlmodel import Session, col

from gateway.security import GENESIS
from gateway.security import chain_hash as link_hash
from gateway.store._console_models import AuditChainHead, AuditEvent

__all__ = ["AUDIT_HEAD_ID", "append_event", "audit_hash"]

AUDIT_HEAD_ID = 1
_DETAIL_LIMIT = 1000


def audit_hash(previous: str, event: AuditEvent) -> str:
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
        .where(col(AuditChainHead.id) == AUDIT_HEAD_ID)
        .values(length=col(AuditChainHead.length) + 1)
    )
    head = session.scalars(
        select(AuditChainHead)
        .where(col(AuditChainHead.id) == AUDIT_HEAD_ID)
        .execution_options(populate_existing=True)
    ).first()
    if locked.rowcount == 0 or head is None:  # type: ignore[attr-defined]
        # The head row is gone (deleted by hand): start it again from the newest row, so
        # actions can still be recorded; verify_chain still checks every link.
        newest = session.scalars(select(AuditEvent).order_by(col(AuditEvent.id).desc())).first()
        count = int(session.scalar(select(func.count()).select_from(AuditEvent)) or 0)
        head = AuditChainHead(
            id=AUDIT_HEAD_ID, length=count + 1, head_hash=newest.hash if newest else GENESIS
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
    event.hash = audit_hash(head.head_hash, event)
    head.head_hash = event.hash
    session.flush()
    return event
