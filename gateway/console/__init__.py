"""The operator console: the node's messages, cases and failures in a browser.

Served by the node under ``/console`` (see :func:`mount_console`). Importing this package
registers the console's tables (operators, sessions, audit log) on ``SQLModel.metadata``.
"""

from __future__ import annotations

from gateway.console._accounts import (
    LOCKOUT,
    MAX_FAILED_LOGINS,
    Accounts,
    LoginOutcome,
    LoginResult,
)
from gateway.console._audit import ChainReport, verify_chain
from gateway.console._web import COOKIE, create_console, mount_console
from gateway.store import AuditChainHead, AuditEvent, ConsoleSession, Operator, Role

__all__ = [
    "COOKIE",
    "LOCKOUT",
    "MAX_FAILED_LOGINS",
    "Accounts",
    "AuditChainHead",
    "AuditEvent",
    "ChainReport",
    "ConsoleSession",
    "LoginOutcome",
    "LoginResult",
    "Operator",
    "Role",
    "create_console",
    "mount_console",
    "verify_chain",
]
