"""Anchors: RFC 3161 time-stamps of both evidence chains' heads, kept with the chains.

Each row records what was stamped (the institution, and each chain's length and head hash)
and the time-stamping authority's whole reply. Anchors are numbered 1, 2, 3... by the store,
so a deleted anchor leaves a gap. Verifying an anchor checks its token against the
authority's certificate, then recomputes each chain from its rows up to the anchored
position: a chain rewritten after it was stamped, its head row included, no longer gives the
anchored hash there.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import islice
from typing import Any

from cryptography import x509
from sqlalchemy import Column, Engine, LargeBinary, func, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, SQLModel, col

from gateway.errors import GatewayError
from gateway.security import GENESIS, AnchorStatement, ChainPosition, Timestamp, check_timestamp
from gateway.store._audit_log import AUDIT_HEAD_ID, audit_hash
from gateway.store._chain import ChainReport, chained_rows, walk_chain
from gateway.store._console_models import AuditChainHead, AuditEvent
from gateway.store._models import TraceChainHead, TraceEvent, UtcDateTime
from gateway.store._trace_chain import trace_link
from gateway.store._transactions import Transactions

__all__ = ["AnchorReport", "Anchors", "ChainAnchor"]

_TRACE_HEAD_ID = 1


class ChainAnchor(SQLModel, table=True):
    """One time-stamp of both chains' heads."""

    __tablename__ = "chain_anchors"

    id: int = Field(primary_key=True, description="1, 2, 3... with no gap.")
    institution: str = Field(max_length=32)
    trace_length: int
    trace_hash: str = Field(max_length=64)
    audit_length: int
    audit_hash: str = Field(max_length=64)
    #: The time-stamping authority's reply (DER), kept whole so that anyone can check it.
    token: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    stamped_at: dt.datetime = Field(
        sa_column=Column(UtcDateTime, nullable=False), description="The time the token states."
    )
    recorded_at: dt.datetime = Field(
        sa_column=Column(UtcDateTime, nullable=False, index=True),
        description="The node's time when it kept the token.",
    )

    @property
    def statement(self) -> AnchorStatement:
        return AnchorStatement(
            self.institution,
            ChainPosition(self.trace_length, self.trace_hash),
            ChainPosition(self.audit_length, self.audit_hash),
        )


@dataclass(frozen=True, slots=True)
class AnchorReport:
    """What verifying the anchors found; ``broken_anchor`` names the first that fails."""

    checked: int
    newest: ChainAnchor | None
    broken_anchor: int | None = None
    problem: str | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None


class _Broken(Exception):
    def __init__(self, anchor: int | None, problem: str) -> None:
        super().__init__(problem)
        self.anchor, self.problem = anchor, problem


class Anchors:
    """The anchors of one node's store."""

    def __init__(self, engine: Engine) -> None:
        self._transactions = Transactions(engine)
        self.engine = engine

    def heads(self, institution: str) -> AnchorStatement:
        """Both chains' heads as committed now: what the next anchor stamps."""
        with self._transactions.reading() as session:
            trace = session.get(TraceChainHead, _TRACE_HEAD_ID)
            audit = session.get(AuditChainHead, AUDIT_HEAD_ID)
            return AnchorStatement(
                institution,
                ChainPosition(trace.length, trace.head_hash)
                if trace
                else ChainPosition(0, GENESIS),
                ChainPosition(audit.length, audit.head_hash)
                if audit
                else ChainPosition(0, GENESIS),
            )

    def record(self, statement: AnchorStatement, stamp: Timestamp, now: dt.datetime) -> bool:
        """Keep a checked token as the next anchor; False when another worker of this node
        kept one under the same number first (its anchor serves as well)."""
        try:
            with self._transactions.writing() as session:
                newest = session.scalar(select(func.max(col(ChainAnchor.id))))
                session.add(
                    ChainAnchor(
                        id=(newest or 0) + 1,
                        institution=statement.institution,
                        trace_length=statement.trace.length,
                        trace_hash=statement.trace.hash,
                        audit_length=statement.audit.length,
                        audit_hash=statement.audit.hash,
                        token=stamp.token,
                        stamped_at=stamp.time,
                        recorded_at=now,
                    )
                )
        except IntegrityError:
            return False
        return True

    def newest(self) -> ChainAnchor | None:
        with self._transactions.reading() as session:
            return session.scalars(
                select(ChainAnchor).order_by(col(ChainAnchor.id).desc()).limit(1)
            ).first()

    def first_evidence(self) -> dt.datetime | None:
        """When the oldest row of either chain was written: what waits for an anchor since,
        while there is none."""
        with self._transactions.reading() as session:
            times = [
                session.scalar(select(col(TraceEvent.at)).order_by(col(TraceEvent.id)).limit(1)),
                session.scalar(select(col(AuditEvent.at)).order_by(col(AuditEvent.id)).limit(1)),
            ]
        kept = [time for time in times if time is not None]
        return min(kept) if kept else None

    def covering(self, trace_row: int) -> ChainAnchor | None:
        """The oldest anchor of the trace chain at or past row ``trace_row``."""
        with self._transactions.reading() as session:
            return session.scalars(
                select(ChainAnchor)
                .where(col(ChainAnchor.trace_length) >= trace_row)
                .order_by(col(ChainAnchor.id))
                .limit(1)
            ).first()

    def all(self) -> list[ChainAnchor]:
        with self._transactions.reading() as session:
            return list(session.scalars(select(ChainAnchor).order_by(col(ChainAnchor.id))))

    def verify(
        self, institution: str, authority: Sequence[x509.Certificate] | None
    ) -> AnchorReport:
        """Check every anchor: numbered without a gap, of this institution, its token signed
        by ``authority`` over what the row records, and each chain recomputed from its rows
        giving the anchored hash at the anchored position. Raises :class:`StoreUnavailable`."""
        anchors = self.all()
        newest = anchors[-1] if anchors else None
        try:
            _check_tokens(anchors, institution, authority)
            _check_chain(anchors, "trace", _trace_walk(self.engine, anchors))
            _check_chain(anchors, "audit", _audit_walk(self.engine, anchors))
        except _Broken as broken:
            return AnchorReport(len(anchors), newest, broken.anchor, broken.problem)
        return AnchorReport(len(anchors), newest)


def _check_tokens(
    anchors: Sequence[ChainAnchor],
    institution: str,
    authority: Sequence[x509.Certificate] | None,
) -> None:
    if anchors and not authority:
        raise _Broken(
            None,
            f"anchors are kept ({len(anchors)}) but no time-stamping authority certificate "
            "was given to check them: set tsa_certificate or give --tsa-certificate",
        )
    previous: ChainAnchor | None = None
    for number, anchor in enumerate(anchors, start=1):
        if anchor.id != number:
            raise _Broken(number, f"anchor {number} was deleted: anchor {anchor.id} follows it")
        if anchor.institution != institution:
            raise _Broken(number, f"anchor {number} stamps {anchor.institution}'s chains")
        try:
            stamp = check_timestamp(anchor.token, anchor.statement, authority or ())
        except GatewayError as error:
            raise _Broken(number, f"anchor {number}: {error.detail}") from None
        if stamp.time != anchor.stamped_at:
            raise _Broken(
                number, f"anchor {number}'s time was changed: its token states {stamp.time}"
            )
        if previous is not None and (
            anchor.trace_length < previous.trace_length
            or anchor.audit_length < previous.audit_length
        ):
            raise _Broken(
                number, f"anchor {number} records shorter chains than anchor {number - 1}"
            )
        previous = anchor


#: A chain walked up to its newest anchored position: what the walk found, and the hash of
#: the row at each anchored position (0: the chain's start).
_Walk = tuple[ChainReport, dict[int, str]]


def _trace_walk(engine: Engine, anchors: Sequence[ChainAnchor]) -> _Walk:
    positions = {anchor.trace_length for anchor in anchors}
    marks: dict[int, str] = {0: GENESIS}
    rows = chained_rows(engine, TraceEvent, upto=max(positions, default=0))
    return walk_chain(_marking(rows, positions, marks), trace_link, numbered=True), marks


def _audit_walk(engine: Engine, anchors: Sequence[ChainAnchor]) -> _Walk:
    # The audit log's ids come from the database and may skip numbers: positions count rows.
    positions = {anchor.audit_length for anchor in anchors}
    marks: dict[int, str] = {0: GENESIS}
    rows = islice(chained_rows(engine, AuditEvent), max(positions, default=0))
    return walk_chain(_marking(rows, positions, marks), audit_hash), marks


def _marking(
    rows: Iterable[Any], positions: Collection[int], marks: dict[int, str]
) -> Iterator[Any]:
    """The rows, noting the stored hash of the row at each anchored position (counted
    from 1). The walk recomputes every row it is handed, so once it has passed one without
    complaint, the noted hash is the recomputed one."""
    for number, row in enumerate(rows, start=1):
        if number in positions:
            marks[number] = row.hash
        yield row


def _check_chain(anchors: Sequence[ChainAnchor], chain: str, walk: _Walk) -> None:
    """Each anchor's position of ``chain`` recomputes to the hash it fixed."""
    report, marks = walk
    for anchor in anchors:
        position, fixed = (
            (anchor.trace_length, anchor.trace_hash)
            if chain == "trace"
            else (anchor.audit_length, anchor.audit_hash)
        )
        stamped = f"anchor {anchor.id} (stamped {anchor.stamped_at.isoformat()})"
        if position > report.checked and not report.ok:
            raise _Broken(
                anchor.id,
                f"{stamped}: the {chain} chain does not recompute up to row {position}: "
                f"{report.problem}",
            )
        if position not in marks:
            raise _Broken(
                anchor.id,
                f"{stamped} fixed {position} rows of the {chain} chain, only {report.checked} "
                "are left",
            )
        if marks[position] != fixed:
            raise _Broken(
                anchor.id,
                f"{stamped}: the {chain} chain recomputed from its rows gives "
                f"{marks[position]} at row {position}, not the anchored {fixed}: the chain "
                "was rewritten after it was stamped",
            )
