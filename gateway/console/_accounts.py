"""Operators, logins with lockout, server-side sessions, and the audit log they write to."""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import re
import secrets
import uuid
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Engine, delete, select, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import col

from gateway.console._audit import ChainReport, append_event, verify_chain
from gateway.errors import ConfigurationError, StoreUnavailable
from gateway.store import (
    AuditEvent,
    ConsoleSession,
    Operator,
    Role,
    Transactions,
    describe_database_error,
)

__all__ = [
    "ANONYMOUS_LIFETIME",
    "LOCKOUT",
    "MAX_FAILED_LOGINS",
    "SESSION_IDLE",
    "SESSION_LIFETIME",
    "Accounts",
    "LoginOutcome",
    "LoginResult",
    "check_operator_name",
    "check_password",
]

#: Failed logins in a row that lock an account, and for how long.
MAX_FAILED_LOGINS = 5
LOCKOUT = dt.timedelta(minutes=15)
#: A session ends after this long without a request, and at the latest after its lifetime.
SESSION_IDLE = dt.timedelta(minutes=30)
SESSION_LIFETIME = dt.timedelta(hours=8)
#: The anonymous session of the login page (it only carries the login form's CSRF token).
ANONYMOUS_LIFETIME = dt.timedelta(minutes=30)

PASSWORD_MIN = 12
PASSWORD_MAX = 1024
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,63}")
#: The actor of an audit event whose operator is not known. A name typed at the login form
#: is never recorded: it may be a password typed in the wrong field.
UNKNOWN_ACTOR = "(unknown)"
_TOUCH_EVERY = dt.timedelta(seconds=60)


def check_operator_name(name: str) -> str:
    if not _NAME.fullmatch(name):
        raise ConfigurationError(
            "an operator name has 1 to 64 letters, digits or . _ @ - and starts with a "
            "letter or digit"
        )
    return name


def check_password(password: str) -> str:
    if len(password) < PASSWORD_MIN:
        raise ConfigurationError(f"a password needs at least {PASSWORD_MIN} characters")
    if len(password) > PASSWORD_MAX:
        raise ConfigurationError(f"a password has at most {PASSWORD_MAX} characters")
    if not password.strip():
        raise ConfigurationError("a password cannot be only spaces")
    return password


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class LoginOutcome(enum.Enum):
    OK = "ok"
    FAILED = "failed"
    LOCKED = "locked"


@dataclass(frozen=True, slots=True)
class LoginResult:
    outcome: LoginOutcome
    operator: Operator | None = None


class Accounts(Transactions):
    """The console's persistence, on the node's database. Each method is one transaction."""

    def __init__(self, engine: Engine, hasher: PasswordHasher | None = None) -> None:
        super().__init__(engine)
        self.hasher = hasher or PasswordHasher()
        self._dummy_hash: str | None = None

    # Operators ---------------------------------------------------------------------------

    def add_operator(
        self, name: str, role: Role, password: str, *, now: dt.datetime, actor: str = "cli"
    ) -> Operator:
        """Register an operator; audited. Raises ConfigurationError for a taken name."""
        check_operator_name(name)
        check_password(password)
        operator = Operator(
            name=name, role=role, password_hash=self.hasher.hash(password), created_at=now
        )
        try:
            with self.writing() as session:
                session.add(operator)
                session.flush()
                append_event(
                    session,
                    at=now,
                    actor=actor,
                    role="admin",
                    action="operator-added",
                    detail=f"{name} as {role.value}",
                )
        except IntegrityError:
            raise ConfigurationError(f"an operator named {name!r} exists already") from None
        return operator

    def operators(self) -> list[Operator]:
        with self.reading() as session:
            return list(session.scalars(select(Operator).order_by(col(Operator.name))))

    def unlock(self, name: str, *, now: dt.datetime, actor: str = "cli") -> Operator:
        """Lift a lockout before it ends; audited."""
        with self.writing() as session:
            operator = session.scalars(select(Operator).where(col(Operator.name) == name)).first()
            if operator is None:
                raise ConfigurationError(f"no operator is named {name!r}")
            operator.locked_until = None
            operator.failed_logins = 0
            append_event(
                session, at=now, actor=actor, role="admin", action="operator-unlocked", detail=name
            )
            return operator

    # Logging in ---------------------------------------------------------------------------

    def _verify(self, stored: str, password: str) -> bool:
        try:
            return self.hasher.verify(stored, password)
        except (VerificationError, InvalidHashError):
            return False

    def login(self, name: str, password: str, *, now: dt.datetime) -> LoginResult:
        """Check a name and password; every attempt is audited.

        Five failures in a row lock the account for fifteen minutes; while it is locked even
        the right password is refused.
        """
        with self.reading() as session:
            operator = session.scalars(select(Operator).where(col(Operator.name) == name)).first()
        if operator is None or operator.disabled_at is not None:
            # Hash anyway, so an unknown name takes as long as a wrong password.
            if self._dummy_hash is None:
                self._dummy_hash = self.hasher.hash(secrets.token_hex(16))
            self._verify(self._dummy_hash, password)
            self.record(
                now=now, actor=UNKNOWN_ACTOR, role="-", action="login-failed", detail="unknown name"
            )
            return LoginResult(LoginOutcome.FAILED)
        assert operator.id is not None
        if operator.locked_until is not None and operator.locked_until > now:
            self.record(
                now=now,
                actor=operator.name,
                role=operator.role.value,
                action="login-refused",
                detail=f"locked until {operator.locked_until.isoformat(timespec='seconds')}",
            )
            return LoginResult(LoginOutcome.LOCKED, operator)
        if not self._verify(operator.password_hash, password):
            return self._failed(operator.id, now)
        with self.writing() as session:
            current = session.get(Operator, operator.id)
            assert current is not None
            current.failed_logins = 0
            current.locked_until = None
            current.last_login_at = now
            if self.hasher.check_needs_rehash(current.password_hash):
                current.password_hash = self.hasher.hash(password)
            append_event(
                session, at=now, actor=current.name, role=current.role.value, action="login"
            )
            return LoginResult(LoginOutcome.OK, current)

    def _failed(self, pk: int, now: dt.datetime) -> LoginResult:
        with self.writing() as session:
            # Counted in the database, so concurrent failures are all counted.
            session.execute(
                update(Operator)
                .where(col(Operator.id) == pk)
                .values(failed_logins=col(Operator.failed_logins) + 1)
            )
            operator = session.scalars(
                select(Operator)
                .where(col(Operator.id) == pk)
                .execution_options(populate_existing=True)
            ).one()
            if operator.failed_logins >= MAX_FAILED_LOGINS:
                operator.failed_logins = 0
                operator.locked_until = now + LOCKOUT
                append_event(
                    session,
                    at=now,
                    actor=operator.name,
                    role=operator.role.value,
                    action="login-locked",
                    detail=f"{MAX_FAILED_LOGINS} failed logins; locked until "
                    f"{operator.locked_until.isoformat(timespec='seconds')}",
                )
                return LoginResult(LoginOutcome.LOCKED, operator)
            append_event(
                session,
                at=now,
                actor=operator.name,
                role=operator.role.value,
                action="login-failed",
                detail=f"wrong password, {operator.failed_logins} of {MAX_FAILED_LOGINS}",
            )
            return LoginResult(LoginOutcome.FAILED, operator)

    # Sessions ---------------------------------------------------------------------------

    def open_session(
        self, operator: Operator | None, *, now: dt.datetime
    ) -> tuple[str, ConsoleSession]:
        """A new session; returns the cookie's token (only its hash is stored)."""
        token = secrets.token_urlsafe(32)
        lifetime = SESSION_LIFETIME if operator is not None else ANONYMOUS_LIFETIME
        record = ConsoleSession(
            token_hash=_token_hash(token),
            operator_id=operator.id if operator is not None else None,
            csrf_token=secrets.token_urlsafe(32),
            created_at=now,
            last_seen_at=now,
            expires_at=now + lifetime,
        )
        with self.writing() as session:
            session.execute(delete(ConsoleSession).where(col(ConsoleSession.expires_at) <= now))
            session.add(record)
        return token, record

    def session(
        self, token: str, *, now: dt.datetime
    ) -> tuple[ConsoleSession, Operator | None] | None:
        """The live session of a cookie token, touched; None when unknown or expired."""
        if not token or len(token) > 100:
            return None
        with self.reading() as session:
            record = session.scalars(
                select(ConsoleSession).where(col(ConsoleSession.token_hash) == _token_hash(token))
            ).first()
            operator = None
            if record is not None and record.operator_id is not None:
                operator = session.get(Operator, record.operator_id)
        if record is None:
            return None
        assert record.id is not None
        if (
            record.expires_at <= now
            or record.last_seen_at + SESSION_IDLE <= now
            or (record.operator_id is not None and (operator is None or operator.disabled_at))
        ):
            with self.writing() as session:
                session.execute(delete(ConsoleSession).where(col(ConsoleSession.id) == record.id))
            return None
        # Most requests only read; the idle clock is moved on at most once a minute.
        if now - record.last_seen_at >= _TOUCH_EVERY:
            with self.writing() as session:
                session.execute(
                    update(ConsoleSession)
                    .where(col(ConsoleSession.id) == record.id)
                    .values(last_seen_at=now)
                )
            record.last_seen_at = now
        return record, operator

    def close_session(self, token: str) -> None:
        with self.writing() as session:
            session.execute(
                delete(ConsoleSession).where(col(ConsoleSession.token_hash) == _token_hash(token))
            )

    # The audit log ------------------------------------------------------------------------

    def record(
        self,
        *,
        now: dt.datetime,
        actor: str,
        role: str,
        action: str,
        message_id: uuid.UUID | None = None,
        detail: str = "",
    ) -> AuditEvent:
        """Append one event to the audit chain, in its own transaction."""
        with self.writing() as session:
            return append_event(
                session,
                at=now,
                actor=actor,
                role=role,
                action=action,
                message_id=message_id,
                detail=detail,
            )

    def audit_events(self, *, before: int | None, limit: int) -> list[AuditEvent]:
        """The newest events first, before the ``before`` cursor (an event id)."""
        query = select(AuditEvent).order_by(col(AuditEvent.id).desc()).limit(limit)
        if before is not None:
            query = query.where(col(AuditEvent.id) < before)
        with self.reading() as session:
            return list(session.scalars(query))

    def verify(self) -> ChainReport:
        try:
            return verify_chain(self.engine)
        except OperationalError as error:
            raise StoreUnavailable(
                f"the database is unavailable: {describe_database_error(error)}"
            ) from None
