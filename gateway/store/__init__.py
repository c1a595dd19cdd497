"""The node's store: SQLite by default, PostgreSQL in production, one code path for both."""

from __future__ import annotations

from gateway.store._database import READ_ONLY, connect, describe_database_error, migrate
from gateway.store._models import (
    ApiClient,
    CaseRecord,
    DeadLetter,
    MessageRecord,
    OutboxEntry,
    ReceiptRecord,
    TraceEvent,
)
from gateway.store._repository import Attempt, DuplicateMessage, Reconciliation, Store, Trace
from gateway.store._transactions import Transactions

__all__ = [
    "READ_ONLY",
    "ApiClient",
    "Attempt",
    "CaseRecord",
    "DeadLetter",
    "DuplicateMessage",
    "MessageRecord",
    "OutboxEntry",
    "ReceiptRecord",
    "Reconciliation",
    "Store",
    "Trace",
    "TraceEvent",
    "Transactions",
    "connect",
    "describe_database_error",
    "migrate",
]
