"""The audit log: every console action, hash-chained so that no row can be edited or removed
unnoticed.

Row *n* stores ``hash_n = SHA-256(hash_(n-1) || canonical fields of row n)``, with 64 zeros
before the first row (:func:`gateway.security.chain_hash`). The head row (``audit_chain``)
records the chain's length and newest hash, so removing the newest rows breaks the chain too.
"""

from __future__ import annotations

from sqlalchemy import Engine

from gateway.security import GENESIS
from gateway.store import (
    AUDIT_HEAD_ID,
    AuditChainHead,
    AuditEvent,
    ChainReport,
    Transactions,
    append_event,
    chained_rows,
    walk_chain,
)
from gateway.store import audit_hash as chain_hash

__all__ = ["GENESIS", "ChainReport", "append_event", "chain_hash", "verify_chain"]


def verify_chain(engine: Engine) -> ChainReport:
    """Recompute every link, oldest first, and name the first row that does not verify."""
    report = walk_chain(chained_rows(engine, AuditEvent), chain_hash)
    if not report.ok:
        return report
    checked, previous = report.checked, report.head_hash
    with Transactions(engine).reading() as session:
        head = session.get(AuditChainHead, AUDIT_HEAD_ID)
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
