"""The node's store: SQLite by default, PostgreSQL in production, one code path for both."""

from __future__ import annotations

from gateway.store._chain import ChainReport
from gateway.store._database import READ_ONLY, connect, describe_database_error, migrate
from gateway.store._models import (
    ApiClient,
    CaseRecord,
    DeadLetter,
    MessageRecord,
    OutboxEntry,
    ReceiptRecord,
    TraceChainHead,
    TraceEvent,
)
from gateway.store._repository import DuplicateMessage, Reconciliation, Store, Trace
from gateway.store._trace_chain import chain_head, trace_fields, trace_link, verify_trace_chain
from gateway.store._transactions import Transactions

__all__ = [
    "READ_ONLY",
    "ApiClient",
    "CaseRecord",
    "ChainReport",
    "DeadLetter",
    "DuplicateMessage",
    "MessageRecord",
    "OutboxEntry",
    "ReceiptRecord",
    "Reconciliation",
    "Store",
    "Trace",
    "TraceChainHead",
    "TraceEvent",
    "Transactions",
    "chain_head",
    "connect",
    "describe_database_error",
    "migrate",
    "trace_fields",
    "trace_link",
    "verify_trace_chain",
]
