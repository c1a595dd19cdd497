"""What the dashboard reads: volumes, latency and errors over a time range, and partners that
stopped answering.

Counts are grouped in the database, one row per (time bucket, partner, document type,
status); bucket boundaries are bound parameters of a CASE expression, so the same query runs
on SQLite and PostgreSQL. Latencies are read as (sent, receipt) time pairs and their
percentiles taken here, which keeps the query portable too.
"""

from __future__ import annotations

import datetime as dt
import enum
import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import Case, Connection, Engine, and_, case, func, literal, or_, select
from sqlalchemy.orm import Mapped
from sqlmodel import Session, col

from gateway.console._queries import reading
from gateway.exchange import Direction, MessageStatus
from gateway.store import MessageRecord, ReceiptRecord

__all__ = [
    "Bucket",
    "Dashboard",
    "Latency",
    "Range",
    "SilentPartner",
    "dashboard",
    "percentile",
]

_TECHNICAL = ("Receipt", "Rejection")
_PROBLEMS = (MessageStatus.FAILED, MessageStatus.REJECTED, MessageStatus.REFUSED)
#: How far back a message still waiting for its receipt makes its partner silent.
SILENCE_HORIZON = dt.timedelta(days=7)


class Range(enum.StrEnum):
    """The time ranges the dashboard offers, each cut into equal buckets."""

    HOUR = "hour"
    DAY = "day"
    WEEK = "week"

    @property
    def span(self) -> dt.timedelta:
        return {
            Range.HOUR: dt.timedelta(hours=1),
            Range.DAY: dt.timedelta(days=1),
            Range.WEEK: dt.timedelta(days=7),
        }[self]

    @property
    def buckets(self) -> int:
        return {Range.HOUR: 12, Range.DAY: 24, Range.WEEK: 28}[self]

    @property
    def step(self) -> dt.timedelta:
        return self.span / self.buckets


@dataclass(frozen=True, slots=True)
class Bucket:
    """One slice of the range: messages created in [start, end)."""

    start: dt.datetime
    end: dt.datetime


@dataclass(frozen=True, slots=True)
class Latency:
    """Seconds from storing a sent message to its receipt, for the messages of one bucket."""

    count: int
    p50: float | None
    p95: float | None


@dataclass(frozen=True, slots=True)
class SilentPartner:
    """A partner with sent messages waiting for a receipt longer than the threshold."""

    partner: str
    waiting: int
    waiting_since: dt.datetime
    #: When the newest receipt from this partner arrived; None if it never answered.
    last_receipt: dt.datetime | None

    @property
    def stopped(self) -> bool:
        """It answered earlier messages, so its silence is new."""
        return self.last_receipt is not None


@dataclass(frozen=True, slots=True)
class Dashboard:
    range: Range
    now: dt.datetime
    buckets: Sequence[Bucket]
    #: Business documents (not receipts or rejections) per bucket, by partner and by type.
    by_partner: Mapping[str, Sequence[int]]
    by_type: Mapping[str, Sequence[int]]
    totals: Sequence[int]
    problems: Sequence[int]
    latency: Sequence[Latency]
    silent: Sequence[SilentPartner]
    threshold: dt.timedelta

    @property
    def error_rate(self) -> list[float | None]:
        """Failed, rejected or refused messages over all, per bucket; None for no messages."""
        return [p / t if t else None for p, t in zip(self.problems, self.totals, strict=True)]


def percentile(values: Sequence[float], share: float) -> float | None:
    """The nearest-rank percentile of ``values`` (sorted or not); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(math.ceil(share * len(ordered)), 1)
    return ordered[rank - 1]


def _buckets(span: Range, now: dt.datetime) -> list[Bucket]:
    start = now - span.span
    return [
        Bucket(start + span.step * index, start + span.step * (index + 1))
        for index in range(span.buckets)
    ]


def _bucket_of(buckets: Sequence[Bucket], column: Mapped[dt.datetime]) -> Case[int]:
    """A CASE expression giving the bucket number of ``column`` (callers bound the range)."""
    return case(
        *((column < bucket.end, index) for index, bucket in enumerate(buckets)),
        else_=literal(len(buckets) - 1),
    )


@dataclass(slots=True)
class _Volumes:
    """Business documents per bucket: by partner, by type, in all, and those with problems."""

    by_partner: defaultdict[str, list[int]]
    by_type: defaultdict[str, list[int]]
    totals: list[int]
    problems: list[int]


def dashboard(
    engine: Engine, span: Range, *, now: dt.datetime, threshold: dt.timedelta
) -> Dashboard:
    """The dashboard's figures for the ``span`` before ``now``."""
    buckets = _buckets(span, now)
    with reading(engine) as session:
        # Core rows rather than ORM rows: thousands of them are read, and building ORM rows
        # costs more than the queries themselves.
        connection = session.connection()
        volumes = _volumes(connection, buckets, now)
        latency = _latency(connection, span, buckets, now)
        silent = _silent_partners(session, now=now, threshold=threshold)
    return Dashboard(
        range=span,
        now=now,
        buckets=buckets,
        by_partner=dict(sorted(volumes.by_partner.items())),
        by_type=dict(sorted(volumes.by_type.items())),
        totals=volumes.totals,
        problems=volumes.problems,
        latency=latency,
        silent=silent,
        threshold=threshold,
    )


def _volumes(connection: Connection, buckets: Sequence[Bucket], now: dt.datetime) -> _Volumes:
    at = col(MessageRecord.created_at)
    bucket = _bucket_of(buckets, at)
    n = len(buckets)
    volumes = _Volumes(
        by_partner=defaultdict(lambda: [0] * n),
        by_type=defaultdict(lambda: [0] * n),
        totals=[0] * n,
        problems=[0] * n,
    )
    grouped = connection.execute(
        select(
            bucket,
            col(MessageRecord.partner),
            col(MessageRecord.document_type),
            col(MessageRecord.status),
            func.count(),
        )
        .where(
            at >= buckets[0].start, at < now, col(MessageRecord.document_type).not_in(_TECHNICAL)
        )
        .group_by(
            bucket,
            col(MessageRecord.partner),
            col(MessageRecord.document_type),
            col(MessageRecord.status),
        )
    )
    for index, partner, document_type, status, count in grouped:
        volumes.by_partner[partner][index] += count
        volumes.by_type[document_type][index] += count
        volumes.totals[index] += count
        if status in _PROBLEMS:
            volumes.problems[index] += count
    return volumes


def _latency(
    connection: Connection, span: Range, buckets: Sequence[Bucket], now: dt.datetime
) -> list[Latency]:
    at = col(MessageRecord.created_at)
    start = buckets[0].start
    pairs = connection.execute(
        select(at, col(ReceiptRecord.received_at))
        .join(ReceiptRecord, col(ReceiptRecord.message_pk) == col(MessageRecord.id))
        .where(
            at >= start,
            at < now,
            col(MessageRecord.direction) == Direction.OUT,
            col(MessageRecord.document_type).not_in(_TECHNICAL),
        )
    )
    durations: list[list[float]] = [[] for _ in buckets]
    step = span.step.total_seconds()
    for sent, received in pairs:
        index = min(int((sent - start).total_seconds() // step), len(buckets) - 1)
        durations[index].append(max((received - sent).total_seconds(), 0.0))
    return [Latency(len(d), percentile(d, 0.5), percentile(d, 0.95)) for d in durations]


def _silent_partners(
    session: Session, *, now: dt.datetime, threshold: dt.timedelta
) -> list[SilentPartner]:
    at = col(MessageRecord.created_at)
    waiting = session.execute(
        select(col(MessageRecord.partner), func.count(), func.min(at))
        .where(
            col(MessageRecord.direction) == Direction.OUT,
            col(MessageRecord.document_type).not_in(_TECHNICAL),
            at >= now - SILENCE_HORIZON,
            at < now - threshold,
            or_(
                col(MessageRecord.status) == MessageStatus.SENT,
                and_(
                    col(MessageRecord.status) == MessageStatus.FAILED,
                    col(MessageRecord.error_code) == "no-receipt",
                ),
            ),
        )
        .group_by(col(MessageRecord.partner))
    ).all()
    if not waiting:
        return []
    # A receipt settles its message as delivered or rejected and stamps updated_at with its
    # arrival, so a partner's last receipt is the newest such message: one short backward
    # scan of the (partner, updated_at) index per waiting partner.
    last = {
        partner: session.scalar(
            select(col(MessageRecord.updated_at))
            .where(
                col(MessageRecord.partner) == partner,
                col(MessageRecord.status).in_((MessageStatus.DELIVERED, MessageStatus.REJECTED)),
            )
            .order_by(col(MessageRecord.updated_at).desc())
            .limit(1)
        )
        for partner, _, _ in waiting
    }
    found = [
        SilentPartner(partner, count, since, last.get(partner)) for partner, count, since in waiting
    ]
    # Those that stopped answering first, then the longest waiting.
    return sorted(found, key=lambda s: (not s.stopped, s.waiting_since, s.partner))
