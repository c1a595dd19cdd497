"""The console's tables: operators, their sessions, and the hash-chained audit log.

None of them holds personal data of insured people: operators are staff accounts, and an
audit event names who did what to which message, never what the message says.
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from typing import Any

from sqlalchemy import Column, Enum
from sqlmodel import Field, SQLModel

from gateway.store._models import UtcDateTime

__all__ = ["AuditChainHead", "AuditEvent", "ConsoleSession", "Operator", "Role"]


class Role(enum.StrEnum):
    """What an operator may do in the console.

    Everyone sees messages, cases and failures without personal data; an operator may retry a
    failed message; an auditor may reveal a document (with a stated reason) and read the
    audit log.
    """

    VIEWER = "viewer"
    OPERATOR = "operator"
    AUDITOR = "auditor"


def _utc_column(*, index: bool = False, nullable: bool = False) -> Column[dt.datetime]:
    return Column(UtcDateTime(), index=index, nullable=nullable)


def _role_column() -> Column[Any]:
    return Column(
        Enum(
            Role,
            native_enum=False,
            length=16,
            values_callable=lambda members: [member.value for member in members],
            validate_strings=True,
        ),
        nullable=False,
    )


class Operator(SQLModel, table=True):
    """A person who logs in to the console. Only an argon2 hash of the password is kept."""

    __tablename__ = "operators"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True)
    role: Role = Field(sa_column=_role_column())
    password_hash: str
    created_at: dt.datetime = Field(sa_column=_utc_column())
    failed_logins: int = Field(default=0, description="Failed logins since the last success.")
    locked_until: dt.datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))
    last_login_at: dt.datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))
    disabled_at: dt.datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))


class ConsoleSession(SQLModel, table=True):
    """A browser's session. The cookie holds a random token; only its SHA-256 is stored.

    A session without an operator is the anonymous one of the login page: it carries the
    CSRF token of the login form and is replaced by a new session when the login succeeds.
    """

    __tablename__ = "console_sessions"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(unique=True)
    operator_id: int | None = Field(default=None, foreign_key="operators.id", index=True)
    csrf_token: str
    created_at: dt.datetime = Field(sa_column=_utc_column())
    last_seen_at: dt.datetime = Field(sa_column=_utc_column())
    expires_at: dt.datetime = Field(sa_column=_utc_column(index=True))


class AuditEvent(SQLModel, table=True):
    """One console action: who, when, what, and which message.

    ``hash`` is the SHA-256 of ``prev_hash`` and this row's canonical fields, so editing or
    deleting any row breaks the chain from that row on.
    """

    __tablename__ = "audit_events"

    id: int | None = Field(default=None, primary_key=True)
    at: dt.datetime = Field(sa_column=_utc_column(index=True))
    actor: str
    role: str
    action: str
    message_id: uuid.UUID | None = Field(default=None, index=True)
    detail: str = ""
    prev_hash: str
    hash: str


class AuditChainHead(SQLModel, table=True):
    """The one row that records the chain's length and newest hash.

    Appending locks this row first, so concurrent writers never fork the chain, and verifying
    compares the chain's end with it, so removing the newest rows is noticed too.
    """

    __tablename__ = "audit_chain"

    id: int = Field(primary_key=True)
    length: int
    head_hash: str
