"""The node's store: SQLite by default, PostgreSQL in production, one code path for both."""

from __future__ import annotations

from gateway.store._backup import (
    copy_sqlite,
    database_kind,
    dump_postgresql,
    is_empty,
    restore_postgresql,
    sqlite_path,
)
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
from gateway.store._repository import Attempt, DuplicateMessage, Reconciliation, Store, Trace
from gateway.store._retention import (
    PURGEABLE_STATUSES,
    PURGED_STAGE,
    Retention,
    RetentionResult,
    payload_purged,
    require_payload,
)
from gateway.store._schema import SchemaState, schema_state, stored_schema
from gateway.store._trace_chain import chain_head, trace_fields, trace_link, verify_trace_chain
from gateway.store._transactions import Transactions

__all__ = [
    "PURGEABLE_STATUSES",
    "PURGED_STAGE",
    "READ_ONLY",
    "ApiClient",
    "Attempt",
    "CaseRecord",
    "ChainReport",
    "DeadLetter",
    "DuplicateMessage",
    "MessageRecord",
    "OutboxEntry",
    "ReceiptRecord",
    "Reconciliation",
    "Retention",
    "RetentionResult",
    "SchemaState",
    "Store",
    "Trace",
    "TraceChainHead",
    "TraceEvent",
    "Transactions",
    "chain_head",
    "connect",
    "copy_sqlite",
    "database_kind",
    "describe_database_error",
    "dump_postgresql",
    "is_empty",
    "migrate",
    "payload_purged",
    "require_payload",
    "restore_postgresql",
    "schema_state",
    "sqlite_path",
    "stored_schema",
    "trace_fields",
    "trace_link",
    "verify_trace_chain",
]
