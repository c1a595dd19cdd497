"""The node's store: SQLite by default, PostgreSQL in production, one code path for both."""

from __future__ import annotations

from gateway.store._anchors import AnchorReport, Anchors, ChainAnchor
from gateway.store._audit_log import AUDIT_HEAD_ID, append_event, audit_hash
from gateway.store._backup import (
    copy_sqlite,
    database_kind,
    dump_postgresql,
    is_empty,
    restore_postgresql,
    sqlite_path,
)
from gateway.store._chain import ChainReport, chained_rows, walk_chain
from gateway.store._console_models import (
    AuditChainHead,
    AuditEvent,
    ConsoleSession,
    Operator,
    Role,
)
from gateway.store._database import (
    READ_ONLY,
    connect,
    describe_database_error,
    migrate,
    newer_version_problem,
)
from gateway.store._idempotency import IdempotencyKey, IdempotencyKeys, IdempotencyKeyTaken
from gateway.store._models import (
    ApiClient,
    CaseRecord,
    DeadLetter,
    IdempotencyRecord,
    MessageRecord,
    OutboxEntry,
    ReceiptRecord,
    TraceChainHead,
    TraceEvent,
)
from gateway.store._outbox import Attempt, Reconciliation
from gateway.store._person_index import PersonIndexEntry, find_person
from gateway.store._repository import DuplicateMessage, Store
from gateway.store._retention import (
    PURGEABLE_STATUSES,
    PURGED_STAGE,
    Retention,
    RetentionResult,
    payload_purged,
    require_payload,
)
from gateway.store._schema import SchemaState, schema_state, stored_schema
from gateway.store._trace_chain import (
    Trace,
    chain_head,
    trace_fields,
    trace_link,
    verify_trace_chain,
)
from gateway.store._transactions import Transactions

__all__ = [
    "AUDIT_HEAD_ID",
    "PURGEABLE_STATUSES",
    "PURGED_STAGE",
    "READ_ONLY",
    "AnchorReport",
    "Anchors",
    "ApiClient",
    "Attempt",
    "AuditChainHead",
    "AuditEvent",
    "CaseRecord",
    "ChainAnchor",
    "ChainReport",
    "ConsoleSession",
    "DeadLetter",
    "DuplicateMessage",
    "IdempotencyKey",
    "IdempotencyKeyTaken",
    "IdempotencyKeys",
    "IdempotencyRecord",
    "MessageRecord",
    "Operator",
    "OutboxEntry",
    "PersonIndexEntry",
    "ReceiptRecord",
    "Reconciliation",
    "Retention",
    "RetentionResult",
    "Role",
    "SchemaState",
    "Store",
    "Trace",
    "TraceChainHead",
    "TraceEvent",
    "Transactions",
    "append_event",
    "audit_hash",
    "chain_head",
    "chained_rows",
    "connect",
    "copy_sqlite",
    "database_kind",
    "describe_database_error",
    "dump_postgresql",
    "find_person",
    "is_empty",
    "migrate",
    "newer_version_problem",
    "payload_purged",
    "require_payload",
    "restore_postgresql",
    "schema_state",
    "sqlite_path",
    "stored_schema",
    "trace_fields",
    "trace_link",
    "verify_trace_chain",
    "walk_chain",
]
