"""How long the console's list, filter and dashboard queries take on a million messages.

Run: ``.venv/bin/python benchmarks/console_queries.py [--rows N] [--admin-url URL]``. Creates
the PostgreSQL database ``ssgw_bench_console`` (on the server of ``--admin-url``, by default
``GATEWAY_TEST_DATABASE_URL`` or ``postgresql://postgres@127.0.0.1:5432/test``), migrates it,
fills it with COPY, times each query through the console's own functions (median and slowest of
several runs, after one warm-up run), prints a table, and drops the database. The target is at
most 50 ms per query; nothing here is judged by the tests, which only run a small version.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import random
import statistics
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import psycopg
from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from gateway.console._dashboard import Range, dashboard
from gateway.console._queries import Cursor, latest_change, list_messages, parse_filter
from gateway.security import GENESIS
from gateway.store import TraceEvent, connect, migrate, trace_link

__all__ = ["Timing", "fill", "main", "measure", "scratch_database"]

DATABASE = "ssgw_bench_console"
ADMIN_URL = os.environ.get("GATEWAY_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
TARGET_MS = 50.0
OWN = "FR:CNAV"
PARTNERS = [
    f"{c}:{name}"
    for c in ("DE", "NL", "IN", "TN", "CA", "US")
    for name in ("INST0001", "INST0002", "INST0003", "INST0004", "INST0005")
]
TYPES = [
    "InsurancePeriodsRequest",
    "InsurancePeriodsReply",
    "BenefitClaim",
    "BenefitClaimAcknowledgement",
    "BenefitDecision",
    "CoverageRequest",
    "CoverageCertificate",
    "Reminder",
    "Receipt",
    "Rejection",
]
#: Statuses by direction, with weights: most messages settle well, few fail.
STATUSES = {
    "out": (["delivered", "sent", "accepted", "failed", "rejected"], [90, 4, 1, 3, 2]),
    "in": (["acknowledged", "received", "refused"], [90, 8, 2]),
}
SPAN = dt.timedelta(days=90)


@dataclass(frozen=True, slots=True)
class Timing:
    name: str
    rows: int
    median_ms: float
    slowest_ms: float


def _libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@contextmanager
def scratch_database(admin_url: str, name: str) -> Iterator[str]:
    """A new, empty database on the server of ``admin_url``; dropped on the way out."""
    with psycopg.connect(_libpq(admin_url), autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        with psycopg.connect(_libpq(admin_url), autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _copy(
    connection: psycopg.Connection[tuple[object, ...]],
    table: str,
    columns: str,
    lines: Iterator[str],
) -> None:
    with connection.cursor() as cursor, cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        buffer = io.StringIO()
        for count, line in enumerate(lines, start=1):
            buffer.write(line)
            if count % 20_000 == 0:
                copy.write(buffer.getvalue())
                buffer = io.StringIO()
        copy.write(buffer.getvalue())


_MESSAGE_COLUMNS = (
    "id, message_id, direction, case_id, case_type, in_reply_to, document_set_id, "
    "document_version, action, sender, recipient, partner, document_type, schema_version, "
    "status, created_at, updated_at, expires_at, size, digest, sealed, attempts, error_code"
)


def fill(url: str, rows: int, *, now: dt.datetime, seed: int = 7) -> None:
    """Migrate the database and add ``rows`` messages spread over 90 days before ``now``, one
    trace event each, and a receipt for each delivered message of the last week."""
    engine = connect(url)
    migrate(engine)
    engine.dispose()
    made = _MadeRows(random.Random(seed), now, rows)  # noqa: S311 (made-up rows, not secrets)
    with psycopg.connect(_libpq(url)) as connection:
        _copy(connection, "messages", _MESSAGE_COLUMNS, made.messages())
        _copy(
            connection,
            "trace_events",
            "id, message_id, at, stage, detail, prev_hash, hash",
            made.traces(),
        )
        connection.execute(
            "UPDATE trace_chain SET length = %s, head_hash = %s WHERE id = 1", (rows, made.tip)
        )
        # After the messages: their rows say which get a receipt.
        _copy(
            connection,
            "receipts",
            "id, message_pk, receipt_message_id, received_at, outcome, digest, signed_envelope",
            made.receipts(),
        )
        for table in ("messages", "trace_events", "receipts"):
            connection.execute(  # the table names are the constants above
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                f"(SELECT coalesce(max(id), 1) FROM {table}))"
            )
        connection.commit()
    with psycopg.connect(_libpq(url), autocommit=True) as connection:
        connection.execute("VACUUM ANALYZE")


class _MadeRows:
    """The COPY lines of the made-up store, drawn from one seeded generator in the order they
    are written: the messages first, then the receipts of those delivered in the last week."""

    def __init__(self, pick: random.Random, now: dt.datetime, rows: int) -> None:
        self.pick = pick
        self.now = now
        self.rows = rows
        self.start = now - SPAN
        self.step = SPAN / rows
        self.delivered: list[tuple[int, dt.datetime]] = []
        #: The trace chain's head once the trace events are written.
        self.tip = GENESIS

    def messages(self) -> Iterator[str]:
        pick = self.pick
        case = uuid.uuid4()
        for pk in range(1, self.rows + 1):
            if pk % 5 == 0:
                case = uuid.UUID(int=pick.getrandbits(128))
            direction = "out" if pick.random() < 0.5 else "in"
            statuses, weights = STATUSES[direction]
            status = pick.choices(statuses, weights)[0]
            partner = pick.choice(PARTNERS)
            sender, recipient = (OWN, partner) if direction == "out" else (partner, OWN)
            created = self.start + self.step * pk + dt.timedelta(microseconds=pick.randrange(1000))
            error = r"\N" if status not in ("failed", "rejected", "refused") else "no-receipt"
            if status == "delivered" and created > self.now - dt.timedelta(days=7):
                self.delivered.append((pk, created + dt.timedelta(seconds=pick.uniform(0.05, 3))))
            yield (
                f"{pk}\t{uuid.UUID(int=pick.getrandbits(128))}\t{direction}\t{case}\t"
                f"insurance-periods\t\\N\t{uuid.UUID(int=pick.getrandbits(128))}\t1\tnew\t"
                f"{sender}\t{recipient}\t{partner}\t{pick.choice(TYPES)}\t1.0\t{status}\t"
                f"{created.isoformat()}\t{created.isoformat()}\t"
                f"{(created + dt.timedelta(days=7)).isoformat()}\t900\t{'0' * 64}\t"
                f"\\\\x00\t1\t{error}\n"
            )

    def traces(self) -> Iterator[str]:
        # Chained as the node chains them, so the filled store verifies like a real one.
        for pk in range(1, self.rows + 1):
            event = TraceEvent(
                id=pk,
                message_id=uuid.UUID(int=pk),
                at=self.start + self.step * pk,
                stage="accepted",
            )
            link = trace_link(self.tip, event)
            at = event.at.isoformat()
            yield f"{pk}\t{event.message_id}\t{at}\taccepted\t\t{self.tip}\t{link}\n"
            self.tip = link

    def receipts(self) -> Iterator[str]:
        for number, (pk, at) in enumerate(self.delivered, start=1):
            yield (
                f"{number}\t{pk}\t{uuid.UUID(int=self.pick.getrandbits(128))}\t{at.isoformat()}\t"
                f"accepted\t{'0' * 64}\t\\\\x00\n"
            )


def _time(run: Callable[[], int], repeat: int) -> tuple[int, list[float]]:
    found = run()  # warm-up
    spent = []
    for _ in range(repeat):
        began = time.perf_counter()
        found = run()
        spent.append((time.perf_counter() - began) * 1000)
    return found, spent


def measure(engine: Engine, *, now: dt.datetime, repeat: int = 5) -> list[Timing]:
    """Time the console's queries on a filled database."""

    def page(**params: str) -> Callable[[], int]:
        f, problems = parse_filter(params)
        assert not problems, problems

        def run() -> int:
            return len(list_messages(engine, f).rows)

        return run

    # A cursor far down the list: the row stored 80 days ago.
    far = Cursor(now - dt.timedelta(days=80), 2**31 - 1)
    middle = Cursor(now - dt.timedelta(days=45), 2**31 - 1)
    (row,) = list_messages(engine, parse_filter({"after": middle.encode(), "limit": "1"})[0]).rows
    some_id = str(row.message_id)
    day = (now - dt.timedelta(days=30)).strftime("%Y-%m-%d")
    checks: list[tuple[str, Callable[[], int]]] = [
        ("first page", page()),
        ("partner", page(partner=PARTNERS[3])),
        ("status failed", page(status="failed")),
        ("document type", page(document_type="BenefitDecision")),
        ("direction + status", page(direction="in", status="refused")),
        ("one day, 30 days ago", page(since=day, until=day)),
        (
            "partner + status + type + range",
            page(
                partner=PARTNERS[7],
                status="delivered",
                document_type="InsurancePeriodsReply",
                since=(now - dt.timedelta(days=60)).strftime("%Y-%m-%d"),
                until=(now - dt.timedelta(days=20)).strftime("%Y-%m-%d"),
            ),
        ),
        ("deep keyset page (80 days back)", page(after=far.encode())),
        ("deep page, partner filter", page(after=far.encode(), partner=PARTNERS[11])),
        ("message id", page(message=some_id)),
        ("latest change (live updates)", lambda: latest_change(engine)),
        (
            "dashboard, last day",
            lambda: sum(
                dashboard(engine, Range.DAY, now=now, threshold=dt.timedelta(seconds=30)).totals
            ),
        ),
        (
            "dashboard, last week",
            lambda: sum(
                dashboard(engine, Range.WEEK, now=now, threshold=dt.timedelta(seconds=30)).totals
            ),
        ),
    ]
    timings = []
    for name, run in checks:
        found, spent = _time(run, repeat)
        timings.append(Timing(name, found, statistics.median(spent), max(spent)))
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--admin-url", default=ADMIN_URL)
    args = parser.parse_args()
    now = dt.datetime.now(dt.UTC)
    with scratch_database(args.admin_url, DATABASE) as url:
        began = time.perf_counter()
        fill(url, args.rows, now=now)
        print(f"filled {args.rows:,} messages in {time.perf_counter() - began:.1f} s")
        engine = connect(url)
        try:
            timings = measure(engine, now=now, repeat=args.repeat)
        finally:
            engine.dispose()
    print(f"{'query':<36} {'rows':>6} {'median ms':>10} {'slowest ms':>11}")
    for t in timings:
        flag = "" if t.median_ms <= TARGET_MS else "  over target"
        print(f"{t.name:<36} {t.rows:>6} {t.median_ms:>10.1f} {t.slowest_ms:>11.1f}{flag}")


if __name__ == "__main__":
    main()
